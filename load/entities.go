package load

import (
	"fmt"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// The mapping from API records to table columns is declared with each entity
// (synctype.Entity: Table, Columns, Children, Periods); this file turns a
// declaration into what the page statement needs, and casts each kind.

// kind says how a JSON value becomes a column value (synctype.Kind).
type kind = synctype.Kind

const (
	kText     = synctype.KindText
	kUUID     = synctype.KindUUID
	kTime     = synctype.KindTime // zone-less means UTC: the page transaction sets TimeZone UTC
	kDate     = synctype.KindDate
	kInt      = synctype.KindInt
	kNum      = synctype.KindNum
	kBool     = synctype.KindBool
	kClock    = synctype.KindClock
	kUUIDs    = synctype.KindUUIDs
	kItemIDs  = synctype.KindItemIDs
	kItemVals = synctype.KindItemVals
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

// entitySpec describes one entity's table and how to fill it, from its
// declaration (synctype.Entity), which it embeds.
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

// specs are the declared entities' specs, in synctype.Entities' order.
var specs = specsOf(synctype.Entities())

// specsOf turns declarations into specs.
func specsOf(entities []synctype.Entity) []*entitySpec {
	out := make([]*entitySpec, len(entities))
	for i, e := range entities {
		s := &entitySpec{Entity: e, table: e.Table, cols: columnsOf(e.Columns)}
		for _, ch := range e.Children {
			s.children = append(s.children, child{table: ch.Table, parentCol: ch.ParentCol, array: ch.Array, cols: columnsOf(ch.Columns)})
		}
		if p := e.Periods; p != nil {
			s.periods = &periodSpec{status: p.Status, statusID: p.StatusID, born: p.Born}
		}
		out[i] = s
	}
	return out
}

func columnsOf(cols []synctype.Column) []column {
	out := make([]column, len(cols))
	for i, c := range cols {
		out[i] = column{name: c.Name, path: c.Path, kind: c.Kind, or: c.Or}
	}
	return out
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
