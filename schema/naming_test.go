package schema_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// namingEntities are the entities of the reporting layer, from their
// declarations: entity is the singular that prefixes its keys (its Key,
// <entity>_id), view its reporting view, businessKey its own key beside the
// uuid, if any.
var namingEntities = func() []struct{ entity, view, businessKey string } {
	business := map[string]string{"changes": "change_number", "releases": "release_identifier", "defects": "defect_display_id"}
	var out []struct{ entity, view, businessKey string }
	for _, e := range synctype.Entities() {
		out = append(out, struct{ entity, view, businessKey string }{strings.TrimSuffix(e.Key, "_id"), e.Name, business[e.Name]})
	}
	return out
}()

// nameless are the entity views without a name column: a user has a user
// name, a lookup value a value, a booking none.
var nameless = []string{"users", "lookup_values", "bookings"}

// namingExempt are views whose column names another change owns
// (issue 29: freshness is being rebuilt beside this rule).
var namingExempt = []string{"freshness", "freshness_lag"}

type namingColumn struct {
	View   string `db:"view"`
	Column string `db:"col"`
	Type   string `db:"typ"`
}

// TestReportingNaming lists every reporting column that breaks the naming
// rule of docs/warehouse.md ("Naming"):
//   - a timestamp ends in _at (valid_from and valid_to bound a period; a
//     custom field's typed value ends in _value), a date in _date;
//   - an interval has a numeric twin <name>_hours;
//   - an entity's own views (the entity view, its versions, status history,
//     time in status, daily counts and references) name its attributes bare
//     (status, type, name): only its keys carry the entity's prefix; an
//     entity view has a name column (users and lookup values excepted);
//   - any other view that carries an entity's key shares no other column
//     with the entity's view but keys (*_id), so that JOIN … USING
//     (<entity>_id) is never ambiguous.
func TestReportingNaming(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	var cols []namingColumn
	if err := db.Select(&cols, `SELECT c.relname AS view, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS typ
		FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v'
		ORDER BY c.relname, a.attnum`); err != nil {
		t.Fatal(err)
	}
	views := map[string][]namingColumn{}
	for _, c := range cols {
		if !slices.Contains(namingExempt, c.View) {
			views[c.View] = append(views[c.View], c)
		}
	}
	if len(views["changes"]) == 0 {
		t.Fatal("no reporting.changes in the catalog: the test reads the wrong place")
	}
	var offenders []string
	for _, vc := range views {
		offenders = append(offenders, typeOffenders(vc)...)
	}
	offenders = append(offenders, ownViewOffenders(views)...)
	offenders = append(offenders, joinOffenders(views)...)
	slices.Sort(offenders)
	for _, o := range slices.Compact(offenders) {
		t.Error(o)
	}
}

// typeOffenders checks the suffixes of timestamps and dates, and the
// numeric twin of every interval.
func typeOffenders(cols []namingColumn) []string {
	var out []string
	has := func(name, typ string) bool {
		return slices.ContainsFunc(cols, func(c namingColumn) bool { return c.Column == name && c.Type == typ })
	}
	for _, c := range cols {
		at := fmt.Sprintf("reporting.%s.%s (%s)", c.View, c.Column, c.Type)
		value := strings.HasSuffix(c.Column, "_value")
		switch c.Type {
		case "timestamp with time zone", "timestamp without time zone":
			if !strings.HasSuffix(c.Column, "_at") && !value && c.Column != "valid_from" && c.Column != "valid_to" {
				out = append(out, at+": a timestamp ends in _at")
			}
		case "date":
			if !strings.HasSuffix(c.Column, "_date") && !value {
				out = append(out, at+": a date ends in _date")
			}
		case "interval":
			if !has(c.Column+"_hours", "numeric") {
				out = append(out, at+": an interval has a numeric twin "+c.Column+"_hours")
			}
		}
	}
	return out
}

// ownViews are the suffixes of the views that show an entity's own rows.
var ownViews = []string{"", "_versions", "_status_history", "_time_in_status", "_status_daily", "_references"}

// ownViewOffenders checks that an entity's own views prefix only its keys.
func ownViewOffenders(views map[string][]namingColumn) []string {
	var out []string
	for _, e := range namingEntities {
		for _, suffix := range ownViews {
			name := e.entity + suffix
			if suffix == "" {
				name = e.view
			}
			for _, c := range views[name] {
				if strings.HasPrefix(c.Column, e.entity+"_") && c.Column != e.entity+"_id" && c.Column != e.businessKey {
					out = append(out, fmt.Sprintf("reporting.%s.%s: the %s's own attribute is named bare (no %s_ prefix)", name, c.Column, e.entity, e.entity))
				}
			}
		}
		hasName := slices.ContainsFunc(views[e.view], func(c namingColumn) bool { return c.Column == "name" })
		if !hasName && !slices.Contains(nameless, e.view) {
			out = append(out, fmt.Sprintf("reporting.%s: the record's name is the column name", e.view))
		}
	}
	return out
}

// joinOffenders checks that a view carrying an entity's key shares only keys
// with the entity's view, unless it is an entity's view, versions, status
// history or time in status (the entity's own rows, over time).
func joinOffenders(views map[string][]namingColumn) []string {
	var out []string
	for view, cols := range views {
		for _, e := range namingEntities {
			if view == e.entity+"_status_history" || view == e.entity+"_time_in_status" || isEntityView(view) {
				continue
			}
			if !slices.ContainsFunc(cols, func(c namingColumn) bool { return c.Column == e.entity+"_id" }) {
				continue
			}
			for _, c := range cols {
				shared := slices.ContainsFunc(views[e.view], func(p namingColumn) bool { return p.Column == c.Column })
				if shared && !strings.HasSuffix(c.Column, "_id") {
					out = append(out, fmt.Sprintf("reporting.%s.%s: also in reporting.%s, so JOIN … USING (%s_id) makes it ambiguous",
						view, c.Column, e.view, e.entity))
				}
			}
		}
	}
	return out
}

// isEntityView: the view of an entity, or its versions: its references to
// other entities are columns of its own, as a table's foreign keys.
func isEntityView(view string) bool {
	return slices.ContainsFunc(namingEntities, func(e struct{ entity, view, businessKey string }) bool {
		return e.view == view || e.entity+"_versions" == view
	})
}
