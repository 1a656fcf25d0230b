package synctype

// Kind says what type a column holds and so how a JSON value becomes it;
// load turns each kind into the SQL that casts it.
type Kind int

// The column kinds.
const (
	KindText     Kind = iota // text as is
	KindUUID                 // uuid; "" and the all-zero GUID are NULL
	KindTime                 // timestamptz; zone-less means UTC
	KindDate                 // date, as written (a date-only value: no zone shifts it)
	KindInt                  // bigint
	KindNum                  // numeric
	KindBool                 // boolean
	KindClock                // time of day; "" is NULL
	KindUUIDs                // array of strings → uuid[]
	KindItemIDs              // array of {id} objects → uuid[]
	KindItemVals             // array of {value} objects → text[]
)

// Column maps one JSON path of a record (or of an array element) to a
// typed column.
type Column struct {
	Name string   // SQL column name
	Path []string // JSON keys from the record (or element) down to the value; empty: the element itself
	Kind Kind
	Or   []string // text only: the path read when Path is absent or null
}

// Child maps the elements of one JSON array of a record to rows of a child
// table, each row carrying its parent's id in ParentCol.
type Child struct {
	Table     string // schema-qualified
	ParentCol string
	Array     string // JSON key of the array in the record
	Columns   []Column
}

// Periods names the columns of an entity whose status periods are kept in
// Table+"_status_periods" (id, status, status_id, valid_from, valid_to).
type Periods struct {
	Status, StatusID string // the status columns
	Born             string // the column of the record's creation time, "" when none
}

// col is a column read from path.
func col(name string, k Kind, path ...string) Column { return Column{Name: name, Path: path, Kind: k} }

// orPath is c read from its path or, when the record has none there, from or.
func orPath(c Column, or ...string) Column { c.Or = or; return c }

// customFieldCols maps additionalInformation items: one typed column per data type.
func customFieldCols() []Column {
	return []Column{
		col("field_id", KindUUID, "id"), col("name", KindText, "name"), col("type", KindText, "type"),
		col("data_type", KindText, "dataType"), col("text_value", KindText, "text"),
		col("number_value", KindNum, "number"), col("decimal_value", KindNum, "decimal"),
		col("date_value", KindDate, "date"), col("time_value", KindClock, "time"),
		col("datetime_value", KindTime, "dateTime"),
		col("list_item_id", KindUUID, "listItem", "id"), col("list_item_value", KindText, "listItem", "value"),
		col("multi_list_item_ids", KindItemIDs, "multiListItem"),
		col("multi_list_item_values", KindItemVals, "multiListItem"),
	}
}

// stakeholderCols maps the stakeholders of a change or a release.
func stakeholderCols() []Column {
	return []Column{
		col("user_id", KindUUID, "userId"), col("user_name", KindText, "user"), col("group_id", KindUUID, "groupId"),
		col("group_name", KindText, "group"), col("stakeholder_role_ids", KindUUIDs, "stakeholderRoleIds"),
		col("stakeholder_roles", KindText, "stakeholderRoles"), col("responsible", KindBool, "responsible"),
		col("accountable", KindBool, "accountable"), col("informed", KindBool, "informed"), col("consulted", KindBool, "consulted"),
	}
}

// workItemCols maps a release's phases or gates, their id as idCol.
func workItemCols(idCol string) []Column {
	return []Column{
		col(idCol, KindUUID, "id"), col("work_item_name_id", KindUUID, "workItemNameId"), col("name", KindText, "name"),
		col("start_date", KindDate, "startDate"), col("end_date", KindDate, "endDate"), col("status", KindText, "status"),
	}
}

// taskCols maps a release's activities (of a phase) or criteria (of a
// gate), their id as idCol and their work item's as itemCol.
func taskCols(idCol, itemCol string) []Column {
	return []Column{
		col(idCol, KindUUID, "id"), col(itemCol, KindUUID, "assignedWorkItemID"), col("title", KindText, "title"),
		col("type", KindText, "type"), col("status", KindText, "status"),
		col("assigned_to_id", KindUUID, "assignedToId"), col("assigned_to", KindText, "assignedTo"),
		col("start_date", KindDate, "startDate"), col("end_date", KindDate, "endDate"),
		col("forecast_date", KindDate, "forecastDate"), col("completion", KindNum, "completion"),
	}
}

// requestCols maps what TECRs and TEBRs share.
func requestCols() []Column {
	return []Column{
		col("number", KindText, "number"), col("title", KindText, "title"), col("description", KindText, "description"),
		col("status", KindText, "status"), col("type", KindText, "type"), col("priority", KindText, "priority"),
		col("organization_id", KindUUID, "organizationId"), col("organization", KindText, "organization"),
		col("raised_by_id", KindUUID, "raisedById"), col("raised_by", KindText, "raisedBy"),
		col("assigned_to_id", KindUUID, "assignedToId"), col("assigned_to", KindText, "assignedTo"),
		col("required_date", KindDate, "requiredDate"),
		col("created_date", KindTime, "createdDate"), col("last_modified_date", KindTime, "lastModifiedDate"),
		col("last_modified_by", KindText, "lastModifiedBy"),
	}
}
