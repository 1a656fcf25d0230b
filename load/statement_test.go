package load

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestPageStatementGolden compares each entity's page statement with
// testdata/page_<entity>.sql, so that every change to the SQL shows in a
// diff. After a deliberate change: go test ./load -run Golden -update
func TestPageStatementGolden(t *testing.T) {
	for _, s := range specs {
		t.Run(s.Name, func(t *testing.T) {
			path := filepath.Join("testdata", "page_"+s.Name+".sql")
			got := pageStatement(s) + "\n"
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./load -run Golden -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("the %s page statement differs from %s; if the change is meant, run go test ./load -run Golden -update and review the diff", s.Name, path)
			}
		})
	}
}
