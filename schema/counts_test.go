package schema_test

import (
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// TestFreshnessCountsReadAnIndex: reporting.freshness counts each entity
// table's live and deleted rows with the query below (migration 00091, run
// per table through query_to_xml); every entity table has an index on
// _deleted_at holding every row (migration 00135), so the planner, told not
// to scan, still finds a plan without a Seq Scan: an index-only scan of a
// small index instead of a read of the whole table (docs/performance.md,
// "Counting for reporting.freshness").
func TestFreshnessCountsReadAnIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := loadtest.NewDB(t)
	var tables []string
	if err := db.SelectContext(ctx, &tables, `SELECT format('%I.%I', table_schema, table_name) FROM plutora_sync.entities ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 13 {
		t.Fatalf("%d entity tables registered, want 13 or more", len(tables))
	}
	explain := withoutSeqScan(t, db)
	for _, table := range tables {
		p := explain(`SELECT count(*) FILTER (WHERE _deleted_at IS NULL) AS live, count(_deleted_at) AS deleted FROM ` + table)
		if strings.Contains(p, "Seq Scan") {
			t.Errorf("counting %s scans the table:\n%s", table, p)
		}
	}
}
