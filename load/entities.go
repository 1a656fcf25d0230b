package load

import (
	"fmt"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// The mapping from API records to table columns is declared with each entity
// (synctype.Entity: Table, Columns, Children, Periods); this file turns a
// declaration into what the page statement needs, and casts each kind.

// Short names of synctype's kinds (how a JSON value becomes a column value).
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

// column and child are the declarations' (synctype.Column, synctype.Child).
type (
	column = synctype.Column
	child  = synctype.Child
)

// entitySpec is one entity's declaration (synctype.Entity: its table, the
// columns, children and status periods to fill), with what the page
// statement asks of it.
type entitySpec struct {
	synctype.Entity
}

// periodsTable is the table of s's status periods.
func (s *entitySpec) periodsTable() string { return s.Table + "_status_periods" }

// specs are the declared entities' specs, in synctype.Entities' order.
var specs = specsOf(synctype.Entities())

// specsOf turns declarations into specs.
func specsOf(entities []synctype.Entity) []*entitySpec {
	out := make([]*entitySpec, len(entities))
	for i, e := range entities {
		out[i] = &entitySpec{Entity: e}
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
func colExpr(col column, src string) string {
	t := jsonPath(src, col.Path, true)
	if col.Or != nil {
		t = "COALESCE(" + t + ", " + jsonPath(src, col.Or, true) + ")"
	}
	switch col.Kind {
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
		return "ARRAY(SELECT " + uuidOf("v") + " FROM jsonb_array_elements_text(" + arrayOf(src, col.Path) + ") v)"
	case kItemIDs:
		return arrayMap(src, col.Path, uuidOf("v->>'id'"))
	case kItemVals:
		return arrayMap(src, col.Path, "v->>'value'")
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
func colLabel(col column) string { return strings.Join(col.Path, ".") }
