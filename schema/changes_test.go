package schema_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

var backticked = regexp.MustCompile("`([a-z_]+)`")

// noteRows returns the rows of the table after heading in the change
// notes, each as its cells' backticked names.
func noteRows(t *testing.T, notes, heading string) (rows [][][]string, lines []string) {
	t.Helper()
	_, after, ok := strings.Cut(notes, heading)
	if !ok {
		t.Fatalf("schema/changes.md has no %s", heading)
	}
	for _, line := range strings.Split(after, "\n")[1:] {
		if line == "" && len(lines) > 0 {
			break
		}
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		var cells [][]string
		for _, cell := range strings.Split(strings.Trim(line, "| "), " | ") {
			var names []string
			for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
				names = append(names, m[1])
			}
			cells = append(cells, names)
		}
		rows, lines = append(rows, cells), append(lines, line)
	}
	return rows, lines
}

// TestChangeNotesMatchTheCatalog: every rename the change notes list
// (schema/changes.md, the end of the data dictionary) is true of the
// migrated catalog, the old name gone and the new one there; every column
// they list as dropped is gone; and the warehouse guide lists the same rows.
func TestChangeNotesMatchTheCatalog(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	b, err := os.ReadFile("changes.md")
	if err != nil {
		t.Fatal(err)
	}
	guide, err := os.ReadFile("../docs/warehouse.md")
	if err != nil {
		t.Fatal(err)
	}
	has := func(view, col string) bool {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass('reporting.' || $1)
			AND attname = $2 AND NOT attisdropped`, view, col); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	renamed, renamedLines := noteRows(t, string(b), "**Renamed**")
	dropped, droppedLines := noteRows(t, string(b), "**Dropped**")
	if len(renamed) < 20 || len(dropped) < 5 {
		t.Fatalf("%d renamed and %d dropped rows: the notes are read wrong", len(renamed), len(dropped))
	}
	for _, r := range renamed {
		if len(r) != 3 || len(r[1]) != len(r[2]) {
			t.Errorf("renamed row %v: want views, then as many new names as old ones", r)
			continue
		}
		for _, view := range r[0] {
			for i, old := range r[1] {
				if has(view, old) || !has(view, r[2][i]) {
					t.Errorf("reporting.%s: %s → %s is not what the catalog holds", view, old, r[2][i])
				}
			}
		}
	}
	for _, r := range dropped {
		for _, view := range r[0] {
			for _, col := range r[1] {
				if has(view, col) {
					t.Errorf("reporting.%s still has %s, which the notes say was dropped", view, col)
				}
			}
		}
	}
	for _, line := range append(renamedLines, droppedLines...) {
		if !strings.Contains(string(guide), line) {
			t.Errorf("docs/warehouse.md does not list %s", line)
		}
	}
}
