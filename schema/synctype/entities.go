package synctype

// The declarations: one value per entity, every fact about it in one place
// (docs/design.md, "Target layout"). Adding an entity is its declaration
// here, one migration with its table, and the sandbox's generator for it.
//
// The API side: routes and list shapes are docs/plutora-api.md's
// "Endpoints" and "Paging and filtering"; the reference lists have no GET by
// id. The warehouse side: each column says which JSON key (or path) it is
// read from and its kind; the tables themselves are in schema/migrations.
// Schedules: an empty Schedule refreshes adaptively; the reference data is
// swept hourly, each at its own minute.

var declared = []Entity{
	{
		Name: "changes", Product: ProductPlutora, IDField: "id", ModifiedField: "lastModifiedDate",
		List: Route{"POST", "/changes/filter"}, DetailPath: "/changes",
		Table: "plutora.changes", Key: "change_id",
		Columns: []Column{
			col("change_number", KindInt, "changeId"), col("name", KindText, "name"),
			col("change_priority_id", KindUUID, "changePriorityId"), col("change_priority", KindText, "changePriority"),
			col("change_status_id", KindUUID, "changeStatusId"), col("change_status", KindText, "changeStatus"),
			col("change_type_id", KindUUID, "changeTypeId"), col("change_type", KindText, "changeType"),
			col("change_delivery_risk_id", KindUUID, "changeDeliveryRiskId"), col("change_delivery_risk", KindText, "changeDeliveryRisk"),
			col("change_theme_id", KindUUID, "changeThemeId"), col("change_theme", KindText, "changeTheme"),
			col("business_value_score", KindNum, "businessValueScore"),
			col("raised_by_id", KindUUID, "raisedById"), col("raised_by", KindText, "raisedBy"), col("raised_date", KindTime, "raisedDate"),
			col("organization_id", KindUUID, "organizationId"), col("organization", KindText, "organization"),
			col("expected_delivery_date", KindDate, "expectedDeliveryDate"),
			col("description", KindText, "description"), col("description_simple", KindText, "descriptionSimple"),
			col("last_modified_date", KindTime, "lastModifiedDate"), col("last_modified_by", KindText, "lastModifiedBy"),
		},
		Children: []Child{
			{Table: "plutora.change_systems", ParentCol: "change_id", Array: "systems", Columns: []Column{
				col("system_id", KindUUID, "systemId"), col("name", KindText, "name"), col("system_role_type", KindText, "systemRoleType")}},
			{Table: "plutora.change_delivery_releases", ParentCol: "change_id", Array: "deliveryReleases", Columns: []Column{
				col("release_id", KindUUID, "releaseId"), col("target_release", KindBool, "targetRelease"),
				col("actual_delivery_release", KindBool, "actualDeliveryRelease")}},
			{Table: "plutora.change_stakeholders", ParentCol: "change_id", Array: "stakeholders", Columns: stakeholderCols()},
			{Table: "plutora.change_custom_fields", ParentCol: "change_id", Array: "additionalInformation", Columns: customFieldCols()},
		},
		Periods: &Periods{Status: "change_status", StatusID: "change_status_id", Born: "raised_date"},
		Refs: []Ref{{"status_id", "lookup_values"}, {"priority_id", "lookup_values"}, {"type_id", "lookup_values"},
			{"delivery_risk_id", "lookup_values"}, {"theme_id", "lookup_values"}, {"raised_by_id", "users"}},
	},
	{
		Name: "releases", Product: ProductPlutora, IDField: "id", ModifiedField: "lastModifiedDate",
		List: Route{"POST", "/releases/filter"}, DetailPath: "/releases",
		// A release's schedule and people (docs/plutora-api.md, "Core
		// objects"): they change without moving lastModifiedDate.
		Subresources: []Subresource{{Path: "/phases", Key: "phases"}, {Path: "/gates", Key: "gates"},
			{Path: "/activities", Key: "activities"}, {Path: "/criterias", Key: "criterias"},
			{Path: "/stakeholders", Key: "stakeholders"}},
		Table: "plutora.releases", Key: "release_id",
		Columns: []Column{
			col("identifier", KindText, "identifier"), col("name", KindText, "name"), col("summary", KindText, "summary"),
			col("location", KindText, "location"),
			col("release_type_id", KindUUID, "releaseTypeId"), col("release_type", KindText, "releaseType"),
			col("release_status_type_id", KindUUID, "releaseStatusTypeId"), col("release_status_type", KindText, "releaseStatusType"),
			col("release_risk_level_id", KindUUID, "releaseRiskLevelId"), col("release_risk_level", KindText, "releaseRiskLevel"),
			col("implementation_date", KindDate, "implementationDate"), col("display_color", KindText, "displayColor"),
			col("organization_id", KindUUID, "organizationId"), col("organization", KindText, "organization"),
			col("manager_id", KindUUID, "managerId"), col("parent_release_id", KindUUID, "parentReleaseId"),
			col("plutora_release_type", KindText, "plutoraReleaseType"), col("release_project_type", KindText, "releaseProjectType"),
			col("last_modified_date", KindTime, "lastModifiedDate"),
		},
		Children: []Child{
			{Table: "plutora.release_custom_fields", ParentCol: "release_id", Array: "additionalInformation", Columns: customFieldCols()},
			{Table: "plutora.release_phases", ParentCol: "release_id", Array: "phases", Columns: workItemCols("phase_id")},
			{Table: "plutora.release_gates", ParentCol: "release_id", Array: "gates", Columns: workItemCols("gate_id")},
			{Table: "plutora.release_activities", ParentCol: "release_id", Array: "activities", Columns: taskCols("activity_id", "phase_id")},
			{Table: "plutora.release_criteria", ParentCol: "release_id", Array: "criterias", Columns: taskCols("criterion_id", "gate_id")},
			{Table: "plutora.release_stakeholders", ParentCol: "release_id", Array: "stakeholders", Columns: stakeholderCols()},
		},
		Periods: &Periods{Status: "release_status_type", StatusID: "release_status_type_id"},
		Refs: []Ref{{"status_id", "lookup_values"}, {"type_id", "lookup_values"}, {"risk_level_id", "lookup_values"},
			{"manager_id", "users"}, {"parent_release_id", "releases"}, {"assigned_to_id", "users"}},
	},
	{
		Name: "environments", Product: ProductPlutora, IDField: "id",
		List: Route{"GET", "/environments"}, DetailPath: "/environments",
		Table: "plutora.environments", Key: "environment_id",
		Columns: []Column{
			col("name", KindText, "name"), col("url", KindText, "url"), col("linked_system", KindText, "linkedSystem"),
			col("linked_system_id", KindUUID, "linkedSystemId"), col("usage_work_item", KindText, "usageWorkItem"),
			// A list item has status; the detail environmentStatus only
			// (docs/plutora-api.md, "Paging and filtering").
			orPath(col("status", KindText, "status"), "environmentStatus"), col("environment_status_id", KindUUID, "environmentStatusId"),
			col("environment_status", KindText, "environmentStatus"), col("color", KindText, "color"),
			col("description", KindText, "description"), col("vendor", KindText, "vendor"),
			col("environment_mgr", KindText, "environmentMgr"), col("is_shared_environment", KindBool, "isSharedEnvironment"),
			col("usage_work_item_id", KindUUID, "usageWorkItemId"),
		},
		Refs: []Ref{{"status_id", "lookup_values"}, {"linked_system_id", "systems"}},
	},
	{
		Name: "hosts", Product: ProductPlutora, IDField: "id",
		List: Route{"GET", "/hosts"}, DetailPath: "/hosts",
		Table: "plutora.hosts", Key: "host_id",
		Columns: []Column{col("name", KindText, "name"), col("environment_id", KindUUID, "environmentID")},
		Children: []Child{
			{Table: "plutora.host_layers", ParentCol: "host_id", Array: "layers", Columns: []Column{
				col("layer_id", KindUUID, "id"), col("component_name", KindText, "componentName"), col("version", KindText, "version"),
				col("layer_host_id", KindUUID, "hostID"), col("environment_id", KindUUID, "environmentID"),
				col("stack_layer_id", KindUUID, "stackLayerID"), col("stack_layer", KindText, "stackLayer"),
				col("stack_layer_type", KindText, "stackLayerType")}},
		},
	},
	{
		Name: "systems", Product: ProductPlutora, IDField: "id",
		List: Route{"GET", "/systems"}, DetailPath: "/systems",
		Table: "plutora.systems", Key: "system_id",
		Columns: []Column{
			col("name", KindText, "name"), col("vendor", KindText, "vendor"), col("status", KindText, "status"),
			col("organization_id", KindUUID, "organizationId"), col("organization", KindText, "organization"),
			col("description", KindText, "description"),
			col("is_allow_edit", KindBool, "isAllowEdit"), col("in_my_organization", KindBool, "inMyOrganization"),
		},
		Children: []Child{
			{Table: "plutora.system_custom_fields", ParentCol: "system_id", Array: "additionalInformation", Columns: customFieldCols()},
		},
	},
	{
		// Defects come from Plutora Test, in PascalCase; the shape is assumed
		// (docs/plutora-api.md, "Records"): adjust the keys here.
		Name: "defects", Product: ProductPlutoraTest, IDField: "Id", ModifiedField: "LastModifiedDate",
		List: Route{"POST", "/defects/Search"}, DetailPath: "/defects",
		Table: "plutora.defects", Key: "defect_id",
		Columns: []Column{
			col("display_id", KindText, "DisplayId"), col("name", KindText, "Name"), col("description", KindText, "Description"),
			col("status_id", KindUUID, "Status", "Id"), col("status", KindText, "Status", "Value"),
			col("priority_id", KindUUID, "Priority", "Id"), col("priority", KindText, "Priority", "Value"),
			col("severity_id", KindUUID, "Severity", "Id"), col("severity", KindText, "Severity", "Value"),
			col("assigned_to_id", KindUUID, "AssignedTo", "Id"), col("assigned_to", KindText, "AssignedTo", "Name"),
			col("assigned_to_email", KindText, "AssignedTo", "Email"),
			col("created_date", KindTime, "CreatedDate"), col("last_modified_date", KindTime, "LastModifiedDate"),
		},
		Children: []Child{
			{Table: "plutora.defect_fields", ParentCol: "defect_id", Array: "Fields", Columns: []Column{
				col("field_id", KindUUID, "Id"), col("name", KindText, "Name"), col("data_type", KindText, "DataType"),
				col("string_value", KindText, "StringValue")}},
		},
		Periods: &Periods{Status: "status", StatusID: "status_id", Born: "created_date"},
	},
	{
		// Environment bookings (docs/plutora-api.md, "Core objects"): always
		// paged, no modified field to filter on, no GET by id. The state is
		// derived from the neighbours and changes without the timeStamp.
		Name: "bookings", Product: ProductPlutora, IDField: "id",
		List:  Route{"GET", "/Bookings"},
		Table: "plutora.bookings", Key: "booking_id",
		Columns: []Column{
			col("environment_id", KindUUID, "environmentId"), col("is_environment_group", KindBool, "isEnvironmentGroup"),
			col("release_id", KindUUID, "releaseId"), col("phase_id", KindUUID, "phaseId"), col("tebr_id", KindUUID, "tebrId"),
			col("start_date", KindDate, "startDate"), col("end_date", KindDate, "endDate"),
			col("status", KindText, "status"), col("state", KindText, "state"),
			col("status_updater_id", KindUUID, "statusUpdaterId"), col("time_stamp", KindTime, "timeStamp"),
		},
		Refs: []Ref{{"status_updater_id", "users"}},
	},
	{
		// Test environment change requests (docs/plutora-api.md, "Core
		// objects"): built like a change; the changes each links are read
		// with it, as they change without moving its lastModifiedDate.
		Name: "tecrs", Product: ProductPlutora, IDField: "id", ModifiedField: "lastModifiedDate",
		List: Route{"POST", "/TECRs/filter"}, DetailPath: "/TECRs",
		Subresources: []Subresource{{Path: "/LinkedChanges", Key: "linkedChanges", Members: []string{"id", "changeId"}}},
		Table:        "plutora.tecrs", Key: "tecr_id",
		Columns: requestCols(),
		Children: []Child{
			{Table: "plutora.tecr_environments", ParentCol: "tecr_id", Array: "environmentIds", Columns: []Column{
				col("environment_id", KindUUID)}},
			{Table: "plutora.tecr_linked_changes", ParentCol: "tecr_id", Array: "linkedChanges", Columns: []Column{
				col("change_id", KindUUID, "id"), col("change_number", KindInt, "changeId")}},
		},
		Refs: []Ref{{"raised_by_id", "users"}, {"assigned_to_id", "users"}},
	},
	{
		// Test environment booking requests: a TECR's members and the period
		// asked for. Their bookings carry tebrId: reporting joins those, with
		// no request per TEBR.
		Name: "tebrs", Product: ProductPlutora, IDField: "id", ModifiedField: "lastModifiedDate",
		List: Route{"POST", "/TEBRs/filter"}, DetailPath: "/TEBRs",
		Table: "plutora.tebrs", Key: "tebr_id",
		Columns: append(requestCols(), col("start_date", KindDate, "startDate"), col("end_date", KindDate, "endDate")),
		Children: []Child{
			{Table: "plutora.tebr_environments", ParentCol: "tebr_id", Array: "environmentIds", Columns: []Column{
				col("environment_id", KindUUID)}},
		},
		Refs: []Ref{{"raised_by_id", "users"}, {"assigned_to_id", "users"}},
	},
	// Reference data (docs/plutora-api.md, "Endpoints" and "Records"): what
	// the records' typed ids join to.
	{
		Name: "organizations", Product: ProductPlutora, IDField: "id",
		List: Route{"GET", "/organizations"}, Shape: ShapeWhole,
		Table: "plutora.organizations", Key: "organization_id", Schedule: "20 * * * *",
		Columns: []Column{col("name", KindText, "name"), col("type", KindText, "type")},
	},
	{
		// userName, firstName and lastName are what Plutora's own scripts
		// read; email is assumed (docs/plutora-api.md, "Records").
		Name: "users", Product: ProductPlutora, IDField: "id",
		List:  Route{"GET", "/users"},
		Table: "plutora.users", Key: "user_id", Schedule: "25 * * * *",
		Columns: []Column{col("user_name", KindText, "userName"), col("first_name", KindText, "firstName"),
			col("last_name", KindText, "lastName"), col("email", KindText, "email")},
	},
	{
		Name: "lookup_values", Product: ProductPlutora, IDField: "id",
		List: Route{"GET", "/lookupfields"}, Shape: ShapeLookups,
		Table: "plutora.lookup_values", Key: "lookup_value_id", Schedule: "35 * * * *",
		Columns: []Column{col("type", KindText, "type"), col("value", KindText, "value"), col("sort_order", KindInt, "sortOrder")},
	},
	{
		Name: "environment_groups", Product: ProductPlutora, IDField: "id",
		List: Route{"GET", "/environmentgroups"}, Shape: ShapeWhole,
		Table: "plutora.environment_groups", Key: "environment_group_id", Schedule: "40 * * * *",
		Columns: []Column{
			col("name", KindText, "name"), col("description", KindText, "description"), col("color", KindText, "color"),
		},
		Children: []Child{
			// environmentIDs[] holds bare id strings: the path is empty (the element itself).
			{Table: "plutora.environment_group_members", ParentCol: "group_id", Array: "environmentIDs", Columns: []Column{
				col("environment_id", KindUUID)}},
		},
	},
}
