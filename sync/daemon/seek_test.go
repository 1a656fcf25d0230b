package daemon

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestSeekUnderChurn runs incremental runs of changes while the sandbox
// churns (updates ahead of and behind the cursor, inserts, deletes) through
// the real client and a real database. Every record modified before a run
// ends is in the warehouse after that run or the next; the watermark keeps
// moving on a site that never stops changing; each run re-reads only the
// overlap; and once the churn stops a poll is exactly one request, in the
// ledger as in the sandbox's own log.
func TestSeekUnderChurn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Each churn round is 100 ms later on the clock of the sandbox and the
	// runner: a real site's changes are spread in time (the runs of one
	// timestamp are paged, and tested, in sync's TestSeekGroupShrinks).
	clk := workertest.NewClock(time.Now())
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 11, Sizes: smallSizes, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := newEmptyDB(t)
	// An overlap of 10 churn rounds: each run re-reads them, and no more.
	cfg := loadConfig(t, sandboxEnv(sb, dsn, "INCREMENTAL_OVERLAP", "1s"))
	tick, rounds := make(chan time.Time), make(chan int)
	round := func() { clk.Advance(100 * time.Millisecond); tick <- clk.Now(); <-rounds }
	var paging atomic.Bool // churn a round after each page of an incremental run
	a, err := Open(ctx, cfg, testLogger(t), Options{Now: clk.Now, Progress: func(p sync.Progress) {
		if paging.Load() && p.Mode == synctype.ModeIncremental {
			round()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	changes, _ := a.entity("changes")
	if _, err := a.Runner.Run(ctx, changes, synctype.ModeSweep); err != nil {
		t.Fatal(err)
	}
	stop := sb.StartChurn(plutoratest.ChurnOptions{Entities: []string{"changes"}, Tick: tick, Rounds: rounds,
		Inserts: 2, Updates: 6, Deletes: 1})
	var wm []time.Time
	for range 4 {
		for range 40 { // a backlog of several pages before each run
			round()
		}
		paging.Store(true)
		_, err := a.Runner.Run(ctx, changes, synctype.ModeIncremental)
		paging.Store(false)
		if err != nil {
			t.Fatal(err)
		}
		var w time.Time
		if err := a.DB.QueryRow(`SELECT max(watermark) FROM plutora_sync.checkpoints WHERE entity = 'changes'`).Scan(&w); err != nil {
			t.Fatal(err)
		}
		wm = append(wm, w)
	}
	stop()
	for i := 1; i < len(wm); i++ {
		if !wm[i].After(wm[i-1]) {
			t.Errorf("watermark stalled under churn: %v", wm)
		}
	}
	if _, err := a.Runner.Run(ctx, changes, synctype.ModeIncremental); err != nil {
		t.Fatal(err)
	}
	assertIncrementalCaughtUp(t, a, sb, "changes", nil)
	var changed int
	var p95 *string
	if err := a.DB.QueryRow(`SELECT changed_last_hour, lag_p95::text FROM reporting.freshness WHERE entity = 'changes'`).Scan(&changed, &p95); err != nil ||
		changed == 0 || p95 == nil {
		t.Errorf("reporting.freshness: %d changed in the last hour, lag p95 %v (%v); want the churned records and a p95", changed, p95, err)
	}

	// Every run re-read at most the overlap and what changed since: no more
	// pages than its changed records need, plus a boundary page per seek.
	var maxPages int
	if err := a.DB.QueryRow(`SELECT max(pages - CEIL((inserted + updated) / 100.0))::int FROM plutora_sync.run_entities
		WHERE entity = 'changes' AND mode = 'incremental'`).Scan(&maxPages); err != nil || maxPages > 2 {
		t.Errorf("an incremental run read %d pages beyond its changes (%v)", maxPages, err)
	}
	// Quiet now: a poll is one request, counted as one.
	before := len(sb.Plutora.RequestLog())
	res, err := a.Runner.Run(ctx, changes, synctype.ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(sb.Plutora.RequestLog()) - before; got != 1 || res.Requests != 1 || res.Pages != 1 {
		t.Errorf("quiet poll: the sandbox saw %d requests, the ledger counted %d for %d pages; want 1, 1, 1", got, res.Requests, res.Pages)
	}
}
