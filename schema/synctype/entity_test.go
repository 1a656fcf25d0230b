package synctype

import (
	"regexp"
	"strings"
	"testing"
)

// TestDeclarationsAreWhole: every declaration says every fact the layers
// derive from it, in the forms they expect, and no two collide.
func TestDeclarationsAreWhole(t *testing.T) {
	ident := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]string{}
	unique := func(what, v, e string) {
		if prev, ok := seen[what+v]; ok {
			t.Errorf("%s and %s have the same %s %q", prev, e, what, v)
		}
		seen[what+v] = e
	}
	for _, e := range Entities() {
		switch {
		case !ident.MatchString(e.Name):
			t.Errorf("%s: name is not a lower-case SQL identifier", e)
		case e.Product != ProductPlutora && e.Product != ProductPlutoraTest:
			t.Errorf("%s: no product", e)
		case e.IDField == "":
			t.Errorf("%s: no IDField", e)
		case e.List.Method != "GET" && e.List.Method != "POST":
			t.Errorf("%s: list method %q, want GET or POST", e, e.List.Method)
		case !strings.HasPrefix(e.List.Path, "/"), e.DetailPath != "" && !strings.HasPrefix(e.DetailPath, "/"):
			t.Errorf("%s: paths %q and %q must start with /", e, e.List.Path, e.DetailPath)
		case e.List.Method == "POST" && !e.Incremental():
			t.Errorf("%s: a POST (filter) list without a ModifiedField to filter on", e)
		case !strings.HasPrefix(e.Table, "plutora.") || !ident.MatchString(strings.TrimPrefix(e.Table, "plutora.")):
			t.Errorf("%s: table %q, want plutora.<identifier>", e, e.Table)
		case !strings.HasSuffix(e.Key, "_id") || !ident.MatchString(e.Key):
			t.Errorf("%s: key column %q, want <identifier>_id", e, e.Key)
		case len(e.Columns) == 0:
			t.Errorf("%s: no typed columns", e)
		}
		unique("name", e.Name, e.String())
		unique("table", e.Table, e.String())
		unique("key", e.Key, e.String())
		unique("variable", e.ScheduleVar(), e.String())
		checkColumns(t, e.String()+" "+e.Table, e.Columns)
		for _, ch := range e.Children {
			unique("table", ch.Table, e.String())
			if ch.ParentCol == "" || ch.Array == "" {
				t.Errorf("%s: child %s needs its parent column and array", e, ch.Table)
			}
			checkColumns(t, e.String()+" "+ch.Table, ch.Columns)
		}
		if p := e.Periods; p != nil && (!hasColumn(e.Columns, p.Status) || !hasColumn(e.Columns, p.StatusID) || p.Born != "" && !hasColumn(e.Columns, p.Born)) {
			t.Errorf("%s: periods %+v name a column it does not declare", e, *p)
		}
	}
}

func checkColumns(t *testing.T, where string, cols []Column) {
	t.Helper()
	names := map[string]bool{"id": true, "raw": true}
	for _, c := range cols {
		if names[c.Name] {
			t.Errorf("%s: column %q twice (or a reserved name)", where, c.Name)
		}
		names[c.Name] = true
		if c.Kind < KindText || c.Kind > KindItemVals {
			t.Errorf("%s: column %q has kind %d", where, c.Name, c.Kind)
		}
		if c.Or != nil && c.Kind != KindText {
			t.Errorf("%s: column %q: a fallback path is for text columns only", where, c.Name)
		}
	}
}

func hasColumn(cols []Column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}
