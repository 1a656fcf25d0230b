package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestServeCensusAdaptive (issue 29 point 3): with CENSUS_SCHEDULE unset the
// daemon censuses each product's entities in turn, one at a time, round
// after round by itself, and a record deleted upstream is marked deleted by
// the next census of its entity, with no cron tick to wait for.
func TestServeCensusAdaptive(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 12, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn, "CENSUS_FLOOR", "2s", "PLUTORA_BUDGET_PER_HOUR", "1000000", "DELETE_MAX_SHARE", "0.5"))
	if len(cfg.Schedules()) != 4 || len(cfg.Censuses()) != 2 {
		t.Fatalf("schedules %d and adaptive censuses %+v: want the 4 reference sweeps pinned and a census per product", len(cfg.Schedules()), cfg.Censuses())
	}
	a, err := Open(context.Background(), cfg, testLogger(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close) // after Serve stops
	ctx := serveUntilCleanup(t, a)

	// awaitLedger waits, at most a minute, for query's count to reach n:
	// the ledger and the tables are the signal, read on a ticker.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	awaitLedger := func(what, query string, n int, args ...any) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			var got int
			if err := db.QueryRowContext(ctx, query, args...).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d after a minute, want %d", what, got, n)
			}
			<-tick.C
		}
	}
	everyEntity := `SELECT count(*) FROM (SELECT entity FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
		WHERE r.mode = 'census' AND r.status = 'success' GROUP BY entity HAVING count(*) >= $1) x`
	awaitLedger("entities censused", everyEntity, len(synctype.Entities()), 1)

	gone := sb.IDs(plutoratest.Changes)[5]
	if err := sb.Delete(plutoratest.Changes, gone); err != nil {
		t.Fatal(err)
	}
	awaitLedger("the deleted change marked", `SELECT count(*) FROM plutora.changes WHERE id = $1 AND _deleted_at IS NOT NULL`, 1, gone)
	awaitLedger("entities censused twice", everyEntity, len(synctype.Entities()), 2)

	// One census at a time per product: no two of its census runs overlap.
	var overlaps int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM plutora_sync.runs x JOIN plutora_sync.runs y
		ON x.product = y.product AND x.id < y.id AND y.started_at < x.finished_at AND x.started_at < y.finished_at
		WHERE x.mode = 'census' AND y.mode = 'census'`).Scan(&overlaps); err != nil || overlaps != 0 {
		t.Errorf("%d pairs of census runs of one product overlapped (%v)", overlaps, err)
	}
}
