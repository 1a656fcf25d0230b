package schema_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestIncrementalViewsAreIndexed: the views meant for downstream
// incremental copies (their comment says "Incremental:") are every declared
// entity's view and reporting.deletions, and each reads its rows changed since a
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
	want := []string{"deletions"} // and every entity's view
	for _, e := range synctype.Entities() {
		want = append(want, e.Name)
	}
	slices.Sort(want)
	if !slices.Equal(views, want) {
		t.Errorf("views meant for incremental copies: %v, want %v", views, want)
	}
	explain := withoutSeqScan(t, db)
	for _, v := range views {
		column := "changed_in_warehouse_at"
		if v == "deletions" {
			column = "deleted_at"
		}
		if p := explain(`SELECT * FROM reporting.` + v + ` WHERE ` + column + ` > now() - interval '1 hour'`); strings.Contains(p, "Seq Scan") {
			t.Errorf("reporting.%s by %s scans a table:\n%s", v, column, p)
		}
	}
}

// TestDeletionsFeedListsEveryEntity: reporting.deletions reads every
// declared entity's table (the catalog's dependencies, as reporting.census
// reads them), made from plutora_sync.entities with no SQL per entity; and
// registering again leaves it untouched.
func TestDeletionsFeedListsEveryEntity(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := loadtest.NewDB(t)
	var listed, want []string
	if err := db.SelectContext(ctx, &listed, `SELECT entity FROM reporting.census WHERE view_name = 'deletions' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	for _, e := range synctype.Entities() {
		want = append(want, e.Name)
	}
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("reporting.deletions reads %v, want every entity %v", listed, want)
	}
	var before, after string
	read := `SELECT updated_at::text FROM plutora_sync.generated_views WHERE view_name = 'deletions'`
	if err := db.GetContext(ctx, &before, read); err != nil {
		t.Fatal(err)
	}
	if err := load.RegisterEntities(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &after, read); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("registering the same entities again made reporting.deletions anew (%s, then %s)", before, after)
	}
}

// withoutSeqScan returns a function giving a query's plan on a connection of
// db where the planner is told not to scan tables: a plan that still holds
// a Seq Scan has no index to read instead.
func withoutSeqScan(t *testing.T, db *sqlx.DB) func(query string) string {
	t.Helper()
	conn, err := db.Connx(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(t.Context(), "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	return func(query string) string {
		t.Helper()
		var plan []string
		if err := conn.SelectContext(t.Context(), &plan, "EXPLAIN "+query); err != nil {
			t.Fatal(err)
		}
		return strings.Join(plan, "\n")
	}
}
