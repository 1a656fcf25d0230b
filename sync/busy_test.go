package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestFirstLoadUnderChurn (issue 22): records are inserted, modified and
// deleted before the first request and between every page of the first
// sweep, and of the incremental run after it. The sweep still yields a
// watermark, the next run is incremental, and afterwards the warehouse
// equals the sandbox for every record modified before that run started;
// a census once the churn stops marks the records deleted meanwhile. The
// overlap is 0: the argument (sync.Runner's pages) must not lean on it.
// In the resumed case the sweep stops after its 5th page (a shutdown), the
// site goes on changing, and the next sweep resumes it: it may vouch for
// no change after its own start. Real HTTP client, sandbox and PostgreSQL;
// one product each.
func TestFirstLoadUnderChurn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, entity string
		stopAt       int // the sweep stops after this page, then resumes; 0 never
	}{
		{"changes", plutoratest.Changes, 0},
		{"defects", plutoratest.Defects, 0},
		{"changes resumed", plutoratest.Changes, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			firstLoadUnderChurn(t, tc.entity, tc.stopAt)
		})
	}
}

func firstLoadUnderChurn(t *testing.T, entity string, stopAt int) {
	e, _ := synctype.EntityByName(entity)
	clk := workertest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	sizes := plutoratest.Sizes{Changes: -1, Releases: -1, Environments: -1, Hosts: -1, Systems: -1, Defects: -1}
	if entity == plutoratest.Changes {
		sizes.Changes = 1200
	} else {
		sizes.Defects = 1200
	}
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 22, Now: clk.Now, Sizes: sizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	// One churn round per tick: the clock moves a second, then 3 inserts, 5
	// updates and 3 deletes (of records on pages already read, preferably).
	ticks, rounds := make(chan time.Time), make(chan int)
	stop := sb.StartChurn(plutoratest.ChurnOptions{Entities: []string{entity}, Tick: ticks, Rounds: rounds,
		Inserts: 3, Updates: 5, Deletes: 3, Seed: 7})
	defer stop()
	round := func() {
		clk.Advance(time.Second)
		ticks <- clk.Now()
		<-rounds
	}

	p := sb.Plutora
	if e.Product == synctype.ProductPlutoraTest {
		p = sb.Test
	}
	// No wall-clock deadline of its own: the runs wait on the sandbox and
	// PostgreSQL only, and on a loaded machine a fixed minute failed a
	// correct run; go test's -timeout stops a hang, with every stack.
	ctx := t.Context()
	sctx, shutdown := context.WithCancel(ctx) // the first sweep's
	churning := true
	r, db := sandboxRunner(t, p, e.Product, clk, sync.RunnerOptions{
		Progress: func(pr sync.Progress) {
			if churning {
				round() // between every two pages
			}
			if pr.Page+1 == stopAt {
				shutdown()
			}
		}})

	round() // before the first request
	sweepStart := clk.Now()
	sweep, err := r.Run(sctx, e, synctype.ModeIncremental)
	if stopAt > 0 {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("first sweep, stopped after page %d: %v", stopAt, err)
		}
		round() // while the worker is down
		sweep, err = r.Run(ctx, e, synctype.ModeSweep)
		if err == nil && (!sweep.Resumed || sweep.WatermarkAfter != nil && sweep.WatermarkAfter.After(sweep.StartedAt)) {
			t.Fatalf("resumed sweep: resumed %v, watermark %v after its start %v", sweep.Resumed, sweep.WatermarkAfter, sweep.StartedAt)
		}
	}
	if err != nil || sweep.Mode != synctype.ModeSweep || sweep.WatermarkAfter == nil {
		t.Fatalf("first sweep: %v, mode %s, watermark %v; want a sweep that yields a watermark", err, sweep.Mode, sweep.WatermarkAfter)
	}
	incStart := clk.Now()
	inc, err := r.Run(ctx, e, synctype.ModeIncremental)
	if err != nil || inc.Mode != synctype.ModeIncremental {
		t.Fatalf("second run: %v, mode %s; want incremental", err, inc.Mode)
	}
	churning = false
	stop()

	// Every record last modified before the incremental run started is in
	// the warehouse at that version; the churn must have touched some
	// while the sweep paged, or the test proves nothing.
	checked, duringSweep := checkModifiedBefore(t, db, sb, e, sweepStart, incStart)
	t.Logf("%s: sweep of %d pages, incremental run of %d pages; %d records checked, %d of them modified or inserted while the sweep paged",
		entity, sweep.Pages, inc.Pages, checked, duringSweep)
	if duringSweep < 3*max(sweep.Pages, stopAt) {
		t.Fatalf("only %d records changed while the sweep paged %d pages", duringSweep, sweep.Pages)
	}

	// The records deleted meanwhile are the census's: quiet now, it is
	// complete and marks them.
	census, err := r.Run(ctx, e, synctype.ModeCensus)
	if err != nil || census.Deleted == 0 {
		t.Fatalf("census: %v, %d marked deleted (%s); want the records deleted while the runs paged", err, census.Deleted, census.DeleteNote)
	}
	diffs, _, err := workertest.CompareTables(ctx, db, sb, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		if d.Entity == entity && !d.OK() {
			t.Error(d)
		}
	}
}

// checkModifiedBefore checks that every record of e the sandbox holds that
// was last modified by before is in the warehouse at that version. It
// returns how many it checked, and of them how many were modified after from.
func checkModifiedBefore(t *testing.T, db *sqlx.DB, sb *plutoratest.Server, e synctype.Entity, from, before time.Time) (checked, after int) {
	t.Helper()
	var rows []struct {
		ID  string `db:"id"`
		Raw string `db:"raw"`
	}
	if err := db.Select(&rows, `SELECT id::text AS id, raw::text AS raw FROM plutora.`+e.Name+` WHERE _deleted_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	live := make(map[string]string, len(rows))
	for _, r := range rows {
		live[r.ID] = r.Raw
	}
	for id, raw := range sb.Records(e.Name) {
		mod := modifiedAt(t, raw, e.ModifiedField)
		if mod.After(before) {
			continue
		}
		checked++
		if mod.After(from) {
			after++
		}
		if got, ok := live[id]; !ok {
			t.Errorf("%s %s (modified %s) is not in the warehouse", e.Name, id, mod.Format(time.RFC3339))
		} else if !workertest.SameJSON(t, []byte(got), raw) {
			t.Errorf("%s %s (modified %s) differs:\n db:      %.200s\n sandbox: %.200s", e.Name, id, mod.Format(time.RFC3339), got, raw)
		}
	}
	return checked, after
}

// modifiedAt reads a sandbox record's last-modified date (zone-less is UTC).
func modifiedAt(t *testing.T, raw json.RawMessage, field string) time.Time {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[field].(string)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if at, err := time.Parse(layout, s); err == nil {
			return at.UTC()
		}
	}
	t.Fatalf("record without a readable %s: %.200s", field, raw)
	return time.Time{}
}
