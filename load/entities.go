package load

import (
	"fmt"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// The mapping from API records to table columns, for every entity, lives in
// this file and nowhere else. Each column says which JSON key (or path) it is
// read from and how it is cast; the tables themselves are in schema/migrations.

// kind says how a JSON value becomes a column value.
type kind int

const (
	kText     kind = iota // ->> as is
	kUUID                 // uuid; "" and the all-zero GUID are NULL
	kTime                 // timestamptz; zone-less means UTC (the page transaction sets TimeZone UTC)
	kDate                 // date, as written (a date-only value: no zone shifts it)
	kInt                  // bigint
	kNum                  // numeric
	kBool                 // boolean
	kClock                // time of day; "" is NULL
	kUUIDs                // array of strings → uuid[]
	kItemIDs              // array of {id} objects → uuid[]
	kItemVals             // array of {value} objects → text[]
)

// column maps one JSON path of a record (or of an array element) to a column.
type column struct {
	name string   // SQL column name
	path []string // JSON keys from the record (or element) down to the value
	kind kind
	or   []string // text only: the path read when path is absent or null
}

// child maps the elements of one JSON array of a record to rows of a child
// table, each row carrying its parent's id in parentCol.
type child struct {
	table     string // schema-qualified
	parentCol string
	array     string // JSON key of the array in the record
	cols      []column
}

// entitySpec describes one entity's table and how to fill it.
// It embeds the entity's row of synctype.Entities: its name, product, id
// field and last-modified field ("" when none).
type entitySpec struct {
	synctype.Entity
	table    string // schema-qualified table; history is table+"_history"
	cols     []column
	children []child
	periods  *periodSpec // status periods kept at load; nil for none
}

// periodSpec names the columns of an entity whose status periods are kept
// in table+"_status_periods" (id, status, status_id, valid_from, valid_to).
type periodSpec struct {
	status, statusID string // the status columns
	born             string // the column of the record's creation time, "" when none
}

// periodsTable is the table of s's status periods.
func (s *entitySpec) periodsTable() string { return s.table + "_status_periods" }

// entity returns the shared entity called name; the specs below key into
// synctype.Entities, and TestSpecsCoverEveryEntity checks both lists agree.
func entity(name string) synctype.Entity {
	e, ok := synctype.EntityByName(name)
	if !ok {
		panic("load: no entity " + name + " in synctype.Entities")
	}
	return e
}

func c(name string, k kind, path ...string) column { return column{name: name, path: path, kind: k} }

// orPath is col read from path or, when the record has none there, from or.
func orPath(col column, or ...string) column { col.or = or; return col }

// customFieldCols maps additionalInformation items: one typed column per data type.
func customFieldCols() []column {
	return []column{
		c("field_id", kUUID, "id"), c("name", kText, "name"), c("type", kText, "type"),
		c("data_type", kText, "dataType"), c("text_value", kText, "text"),
		c("number_value", kNum, "number"), c("decimal_value", kNum, "decimal"),
		c("date_value", kDate, "date"), c("time_value", kClock, "time"),
		c("datetime_value", kTime, "dateTime"),
		c("list_item_id", kUUID, "listItem", "id"), c("list_item_value", kText, "listItem", "value"),
		c("multi_list_item_ids", kItemIDs, "multiListItem"),
		c("multi_list_item_values", kItemVals, "multiListItem"),
	}
}

var specs = []*entitySpec{
	{
		Entity: entity("changes"), table: "plutora.changes",
		cols: []column{
			c("change_number", kInt, "changeId"), c("name", kText, "name"),
			c("change_priority_id", kUUID, "changePriorityId"), c("change_priority", kText, "changePriority"),
			c("change_status_id", kUUID, "changeStatusId"), c("change_status", kText, "changeStatus"),
			c("change_type_id", kUUID, "changeTypeId"), c("change_type", kText, "changeType"),
			c("change_delivery_risk_id", kUUID, "changeDeliveryRiskId"), c("change_delivery_risk", kText, "changeDeliveryRisk"),
			c("change_theme_id", kUUID, "changeThemeId"), c("change_theme", kText, "changeTheme"),
			c("business_value_score", kNum, "businessValueScore"),
			c("raised_by_id", kUUID, "raisedById"), c("raised_by", kText, "raisedBy"), c("raised_date", kTime, "raisedDate"),
			c("organization_id", kUUID, "organizationId"), c("organization", kText, "organization"),
			c("expected_delivery_date", kDate, "expectedDeliveryDate"),
			c("description", kText, "description"), c("description_simple", kText, "descriptionSimple"),
			c("last_modified_date", kTime, "lastModifiedDate"), c("last_modified_by", kText, "lastModifiedBy"),
		},
		children: []child{
			{table: "plutora.change_systems", parentCol: "change_id", array: "systems", cols: []column{
				c("system_id", kUUID, "systemId"), c("name", kText, "name"), c("system_role_type", kText, "systemRoleType")}},
			{table: "plutora.change_delivery_releases", parentCol: "change_id", array: "deliveryReleases", cols: []column{
				c("release_id", kUUID, "releaseId"), c("target_release", kBool, "targetRelease"),
				c("actual_delivery_release", kBool, "actualDeliveryRelease")}},
			{table: "plutora.change_stakeholders", parentCol: "change_id", array: "stakeholders", cols: []column{
				c("user_id", kUUID, "userId"), c("user_name", kText, "user"), c("group_id", kUUID, "groupId"),
				c("group_name", kText, "group"), c("stakeholder_role_ids", kUUIDs, "stakeholderRoleIds"),
				c("stakeholder_roles", kText, "stakeholderRoles"), c("responsible", kBool, "responsible"),
				c("accountable", kBool, "accountable"), c("informed", kBool, "informed"), c("consulted", kBool, "consulted")}},
			{table: "plutora.change_custom_fields", parentCol: "change_id", array: "additionalInformation", cols: customFieldCols()},
		},
		periods: &periodSpec{status: "change_status", statusID: "change_status_id", born: "raised_date"},
	},
	{
		Entity: entity("releases"), table: "plutora.releases",
		cols: []column{
			c("identifier", kText, "identifier"), c("name", kText, "name"), c("summary", kText, "summary"),
			c("location", kText, "location"),
			c("release_type_id", kUUID, "releaseTypeId"), c("release_type", kText, "releaseType"),
			c("release_status_type_id", kUUID, "releaseStatusTypeId"), c("release_status_type", kText, "releaseStatusType"),
			c("release_risk_level_id", kUUID, "releaseRiskLevelId"), c("release_risk_level", kText, "releaseRiskLevel"),
			c("implementation_date", kDate, "implementationDate"), c("display_color", kText, "displayColor"),
			c("organization_id", kUUID, "organizationId"), c("organization", kText, "organization"),
			c("manager_id", kUUID, "managerId"), c("parent_release_id", kUUID, "parentReleaseId"),
			c("plutora_release_type", kText, "plutoraReleaseType"), c("release_project_type", kText, "releaseProjectType"),
			c("last_modified_date", kTime, "lastModifiedDate"),
		},
		children: []child{
			{table: "plutora.release_custom_fields", parentCol: "release_id", array: "additionalInformation", cols: customFieldCols()},
		},
		periods: &periodSpec{status: "release_status_type", statusID: "release_status_type_id"},
	},
	{
		Entity: entity("environments"), table: "plutora.environments",
		cols: []column{
			c("name", kText, "name"), c("url", kText, "url"), c("linked_system", kText, "linkedSystem"),
			c("linked_system_id", kUUID, "linkedSystemId"), c("usage_work_item", kText, "usageWorkItem"),
			// A list item has status; the detail environmentStatus only
			// (docs/plutora-api.md, "Paging and filtering").
			orPath(c("status", kText, "status"), "environmentStatus"), c("environment_status_id", kUUID, "environmentStatusId"),
			c("environment_status", kText, "environmentStatus"), c("color", kText, "color"),
			c("description", kText, "description"), c("vendor", kText, "vendor"),
			c("environment_mgr", kText, "environmentMgr"), c("is_shared_environment", kBool, "isSharedEnvironment"),
			c("usage_work_item_id", kUUID, "usageWorkItemId"),
		},
	},
	{
		Entity: entity("hosts"), table: "plutora.hosts",
		cols: []column{c("name", kText, "name"), c("environment_id", kUUID, "environmentID")},
		children: []child{
			{table: "plutora.host_layers", parentCol: "host_id", array: "layers", cols: []column{
				c("layer_id", kUUID, "id"), c("component_name", kText, "componentName"), c("version", kText, "version"),
				c("layer_host_id", kUUID, "hostID"), c("environment_id", kUUID, "environmentID"),
				c("stack_layer_id", kUUID, "stackLayerID"), c("stack_layer", kText, "stackLayer"),
				c("stack_layer_type", kText, "stackLayerType")}},
		},
	},
	{
		Entity: entity("systems"), table: "plutora.systems",
		cols: []column{
			c("name", kText, "name"), c("vendor", kText, "vendor"), c("status", kText, "status"),
			c("organization_id", kUUID, "organizationId"), c("organization", kText, "organization"),
			c("description", kText, "description"),
			c("is_allow_edit", kBool, "isAllowEdit"), c("in_my_organization", kBool, "inMyOrganization"),
		},
		children: []child{
			{table: "plutora.system_custom_fields", parentCol: "system_id", array: "additionalInformation", cols: customFieldCols()},
		},
	},
	{
		// Defects come from Plutora Test, in PascalCase; the shape is assumed
		// (docs/plutora-api.md, "Records"): adjust the keys here.
		Entity: entity("defects"), table: "plutora.defects",
		cols: []column{
			c("display_id", kText, "DisplayId"), c("name", kText, "Name"), c("description", kText, "Description"),
			c("status_id", kUUID, "Status", "Id"), c("status", kText, "Status", "Value"),
			c("priority_id", kUUID, "Priority", "Id"), c("priority", kText, "Priority", "Value"),
			c("severity_id", kUUID, "Severity", "Id"), c("severity", kText, "Severity", "Value"),
			c("assigned_to_id", kUUID, "AssignedTo", "Id"), c("assigned_to", kText, "AssignedTo", "Name"),
			c("assigned_to_email", kText, "AssignedTo", "Email"),
			c("created_date", kTime, "CreatedDate"), c("last_modified_date", kTime, "LastModifiedDate"),
		},
		children: []child{
			{table: "plutora.defect_fields", parentCol: "defect_id", array: "Fields", cols: []column{
				c("field_id", kUUID, "Id"), c("name", kText, "Name"), c("data_type", kText, "DataType"),
				c("string_value", kText, "StringValue")}},
		},
		periods: &periodSpec{status: "status", statusID: "status_id", born: "created_date"},
	},
	// Reference data (docs/plutora-api.md, "Endpoints" and "Records"): what
	// the records' typed ids join to.
	{
		Entity: entity("organizations"), table: "plutora.organizations",
		cols: []column{c("name", kText, "name"), c("type", kText, "type")},
	},
	{
		// userName, firstName and lastName are what Plutora's own scripts
		// read; email is assumed (docs/plutora-api.md, "Records").
		Entity: entity("users"), table: "plutora.users",
		cols: []column{c("user_name", kText, "userName"), c("first_name", kText, "firstName"),
			c("last_name", kText, "lastName"), c("email", kText, "email")},
	},
	{
		Entity: entity("lookup_values"), table: "plutora.lookup_values",
		cols: []column{c("type", kText, "type"), c("value", kText, "value"), c("sort_order", kInt, "sortOrder")},
	},
	{
		Entity: entity("environment_groups"), table: "plutora.environment_groups",
		cols: []column{
			c("name", kText, "name"), c("description", kText, "description"), c("color", kText, "color"),
		},
		children: []child{
			// environmentIDs[] holds bare id strings: the path is empty (the element itself).
			{table: "plutora.environment_group_members", parentCol: "group_id", array: "environmentIDs", cols: []column{
				c("environment_id", kUUID)}},
		},
	},
}

// Entities returns the names of the entities the warehouse holds.
func Entities() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}

func specFor(entity string) (*entitySpec, error) {
	for _, s := range specs {
		if s.Name == entity {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown entity %q (known: %s)", entity, strings.Join(Entities(), ", "))
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// jsonPath is the SQL that reads path from src as text (asText) or jsonb.
func jsonPath(src string, path []string, asText bool) string {
	op := "->"
	if asText {
		op = "->>"
	}
	if len(path) == 1 {
		return src + op + sqlString(path[0])
	}
	return src + "#" + op[1:] + sqlString("{"+strings.Join(path, ",")+"}")
}

// arrayOf is the SQL for the array at path in src, or NULL when it is not an array.
func arrayOf(src string, path []string) string {
	v := jsonPath(src, path, false)
	return "CASE jsonb_typeof(" + v + ") WHEN 'array' THEN " + v + " END"
}

// arrayMap is the SQL for the array of elem (an expression of v) over the
// elements v of the array at path in src, empty when there is no array. The
// CASE spares the records without one (most) the subquery's start.
func arrayMap(src string, path []string, elem string) string {
	a := jsonPath(src, path, false)
	return "CASE WHEN jsonb_typeof(" + a + ") = 'array' THEN ARRAY(SELECT " + elem + " FROM jsonb_array_elements(" + a + ") v) ELSE '{}' END"
}

// expr is the SQL that computes column col from the JSON value src.
func (col column) expr(src string) string {
	t := jsonPath(src, col.path, true)
	if col.or != nil {
		t = "COALESCE(" + t + ", " + jsonPath(src, col.or, true) + ")"
	}
	switch col.kind {
	case kUUID:
		return uuidOf(t)
	case kTime:
		return isoOnly(t, isoDate) + "::timestamptz"
	case kDate:
		return isoOnly(t, isoDate) + "::date"
	case kInt:
		return "(" + t + ")::bigint"
	case kNum:
		return "(" + t + ")::numeric"
	case kBool:
		return "(" + t + ")::boolean"
	case kClock:
		return isoOnly(t, isoClock) + "::time"
	case kUUIDs:
		return "ARRAY(SELECT " + uuidOf("v") + " FROM jsonb_array_elements_text(" + arrayOf(src, col.path) + ") v)"
	case kItemIDs:
		return arrayMap(src, col.path, uuidOf("v->>'id'"))
	case kItemVals:
		return arrayMap(src, col.path, "v->>'value'")
	default:
		return t
	}
}

// zeroGUID is the all-zero GUID, which the API sends for "none" in places.
const zeroGUID = "00000000-0000-0000-0000-000000000000"

// uuidOf is the SQL for text t as a uuid, NULL for "" and the all-zero GUID
// (the raw record keeps it).
func uuidOf(t string) string {
	return "NULLIF(NULLIF(" + t + ", ''), " + sqlString(zeroGUID) + ")::uuid"
}

// The API sends ISO 8601 dates and times only (2025-06-20,
// 2025-06-20T17:29:55.883, 2017-01-09T03:17:38.9137257+00:00, …Z).
// PostgreSQL's input functions also read words ('now', 'today', 'epoch',
// 'infinity', 'allballs') and local forms (06/20/2025); a value that is not
// ISO must send its record to the quarantine, not load as the time of the
// load (and an infinite watermark would fail the page after it commits).
//
// The check is LIKE patterns on the shape and an ltrim over the characters
// ISO uses, not a regular expression: PostgreSQL builds a regex's automaton
// anew on every call, about 1.8 µs a value against 0.8 here, for every date
// of every record. What passes is a date, alone, with a zone or with hours
// and minutes, followed by digits, separators and zone marks only; the cast
// that follows rejects a malformed rest.
var (
	isoDate = isoShape{
		likes: []string{"____-__-__", "____-__-__Z", "____-__-__+%", "____-__-__-%", "____-__-__T__:__%", "____-__-__ __:__%"},
		chars: "0123456789-:.T +Z", what: "an ISO 8601 date",
	}
	isoClock = isoShape{likes: []string{"__:__%"}, chars: "0123456789:.", what: "an ISO time of day"}
)

// isoShape is what an ISO value of one kind looks like.
type isoShape struct {
	likes []string // LIKE patterns, one of which it matches
	chars string   // the only characters it may hold
	what  string   // its name in the message of a value that is not one
}

// isoOnly is the SQL that yields text t (NULL for "") when it has shape iso,
// and otherwise a text that fails the cast after it, naming what was
// expected.
func isoOnly(t string, iso isoShape) string {
	t = "(" + t + ")"
	likes := make([]string, len(iso.likes))
	for i, l := range iso.likes {
		likes[i] = sqlString(l)
	}
	return "(CASE WHEN " + t + " LIKE ANY (ARRAY[" + strings.Join(likes, ", ") + "]) AND ltrim(" + t + ", " + sqlString(iso.chars) + ") = '' THEN " + t +
		" WHEN " + t + " <> '' THEN " + sqlString("not "+iso.what+": ") + " || " + t + " END)"
}

// label names the column's JSON path for messages, e.g. "Status.Value".
func (col column) label() string { return strings.Join(col.path, ".") }
