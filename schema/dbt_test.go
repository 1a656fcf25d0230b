package schema_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
)

// TestDBTSchemaMatchesMigrations checks that dbt/schema.yml is what the
// migrations make, and that it holds the tests a dbt user runs: unique and
// not_null on changes.change_id, relationships from changes.raised_by_id to
// users. After a migration: go test ./schema -run DBT -update
func TestDBTSchemaMatchesMigrations(t *testing.T) {
	db := loadtest.NewDB(t)
	got, err := schema.DBTSchema(context.Background(), db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("dbt/schema.yml", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("dbt/schema.yml")
	if err != nil {
		t.Fatalf("%v (go test ./schema -run DBT -update writes it)", err)
	}
	if got != string(want) {
		t.Error("schema/dbt/schema.yml differs from the migrated catalog; run go test ./schema -run DBT -update and review the diff")
	}
	var doc struct {
		Sources []struct {
			Tables []struct {
				Name    string
				Columns []struct {
					Name  string
					Tests []any
				}
			}
		}
	}
	if err := yaml.Unmarshal([]byte(got), &doc); err != nil || len(doc.Sources) != 1 {
		t.Fatalf("not a dbt properties file with one source: %v", err)
	}
	tests := map[string]string{}
	for _, tb := range doc.Sources[0].Tables {
		for _, c := range tb.Columns {
			s, _ := yaml.Marshal(c.Tests)
			tests[tb.Name+"."+c.Name] = string(s)
		}
	}
	for col, want := range map[string][]string{
		"changes.change_id":             {"unique", "not_null"},
		"changes.raised_by_id":          {"to: source('reporting', 'users')", "field: user_id"},
		"tecr_linked_changes.change_id": {"to: source('reporting', 'changes')"},
	} {
		for _, w := range want {
			if !strings.Contains(tests[col], w) {
				t.Errorf("%s: tests %q lack %q", col, tests[col], w)
			}
		}
	}
}
