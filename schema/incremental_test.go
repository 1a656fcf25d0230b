package schema_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// TestIncrementalViewsAreIndexed: the views meant for downstream
// incremental copies (their comment says "Incremental:") are the entity
// views and reporting.deletions, and each reads its rows changed since a
// time through an index, not a scan of the table: the planner, told not to
// scan, still finds a plan without a Seq Scan.
func TestIncrementalViewsAreIndexed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := loadtest.NewDB(t)
	var views []string
	if err := db.SelectContext(ctx, &views, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind = 'v'
		  AND obj_description(c.oid, 'pg_class') LIKE '%Incremental:%' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	want := []string{"changes", "defects", "deletions", "environment_groups", "environments", "hosts",
		"lookup_values", "organizations", "releases", "systems", "users"}
	if !slices.Equal(views, want) {
		t.Errorf("views meant for incremental copies: %v, want %v", views, want)
	}
	conn, err := db.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		column := "changed_in_warehouse_at"
		if v == "deletions" {
			column = "deleted_at"
		}
		var plan []string
		if err := conn.SelectContext(ctx, &plan, `EXPLAIN SELECT * FROM reporting.`+v+` WHERE `+column+` > now() - interval '1 hour'`); err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(plan, "\n"); strings.Contains(p, "Seq Scan") {
			t.Errorf("reporting.%s by %s scans a table:\n%s", v, column, p)
		}
	}
}
