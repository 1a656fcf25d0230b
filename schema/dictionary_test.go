package schema_test

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
)

var update = flag.Bool("update", false, "rewrite warehouse.md from the migrated catalog")

// TestDictionaryMatchesMigrations checks that warehouse.md is what the
// migrations make. After a migration: go test ./schema -run Dictionary -update
func TestDictionaryMatchesMigrations(t *testing.T) {
	db := loadtest.NewDB(t)
	got, err := schema.Dictionary(context.Background(), db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("warehouse.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("warehouse.md")
	if err != nil {
		t.Fatalf("%v (go test ./schema -run Dictionary -update writes it)", err)
	}
	if got != string(want) {
		t.Error("schema/warehouse.md differs from the migrated catalog; run go test ./schema -run Dictionary -update and review the diff")
	}
}

// TestEveryRelationAndColumnHasAComment: the schema explains itself.
func TestEveryRelationAndColumnHasAComment(t *testing.T) {
	db := loadtest.NewDB(t)
	var missing []string
	if err := db.Select(&missing, `
		SELECT n.nspname || '.' || c.relname || '.' || a.attname
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE n.nspname IN ('plutora', 'plutora_sync', 'reporting') AND c.relkind IN ('r', 'v')
		  AND col_description(c.oid, a.attnum) IS NULL
		UNION ALL
		SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('plutora', 'plutora_sync', 'reporting') AND c.relkind IN ('r', 'v')
		  AND obj_description(c.oid, 'pg_class') IS NULL
		ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("%s has no COMMENT (schema/migrations/00015_comments.sql lists them)", m)
	}
}
