package daemon

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/robfig/cron/v3"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// tick is one scheduled activation in simulated time.
type tick struct {
	at     time.Time
	entity synctype.Entity
	mode   synctype.Mode
}

// TestEndToEnd48Hours runs the daemon's jobs in-process against the sandbox
// and a real database over 48 simulated hours on a fake clock: tokens renew,
// incremental runs pick up the updates, inserts and deletes made meanwhile,
// the nightly census marks the deletes, and at the end (after the rolling
// refresh of summary lists' details) every table equals the sandbox.
func TestEndToEnd48Hours(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	clk := workertest.NewClock(t0)
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 7, Sizes: smallSizes, Now: clk.Now, Quirks: plutoratest.AllQuirks()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn,
		"SCHEDULE_CHANGES", "20 * * * *", "SCHEDULE_RELEASES", "25 * * * *", "SCHEDULE_DEFECTS", "20 * * * *",
		"SCHEDULE_ENVIRONMENTS", "5 */3 * * *", "SCHEDULE_HOSTS", "10 */3 * * *", "SCHEDULE_SYSTEMS", "5 */3 * * *",
		"CENSUS_SCHEDULE", "30 2 * * *", "DELETE_MAX_SHARE", "0.5"))
	a, err := Open(ctx, cfg, testLogger(t), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	// Every activation of every schedule over 48 hours, in time order.
	end := t0.Add(48 * time.Hour)
	var ticks []tick
	for _, s := range cfg.Schedules() {
		sched, err := cron.ParseStandard(s.Spec)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := a.entity(s.Entity)
		for at := sched.Next(t0.Add(-time.Second)); at.Before(end); at = sched.Next(at) {
			ticks = append(ticks, tick{at, e, s.Mode})
		}
	}
	sort.SliceStable(ticks, func(i, j int) bool { return ticks[i].at.Before(ticks[j].at) })

	rng := rand.New(rand.NewPCG(7, 7))
	deleted := map[string][]string{}
	nextChurn := t0.Add(20 * time.Minute)
	modes := map[synctype.Mode]int{}
	var checkedIncremental bool
	// Ticks at the same instant run concurrently, as under cron.
	for len(ticks) > 0 {
		n := 1
		for n < len(ticks) && ticks[n].at.Equal(ticks[0].at) {
			n++
		}
		group := ticks[:n]
		ticks = ticks[n:]
		for !nextChurn.After(group[0].at) {
			clk.Set(nextChurn)
			churn(t, sb, rng, deleted)
			nextChurn = nextChurn.Add(70 * time.Minute)
		}
		clk.Set(group[0].at)
		results := make([]synctype.RunResult, len(group))
		errs := make([]error, len(group))
		var wg gosync.WaitGroup
		for i, tk := range group {
			wg.Go(func() { results[i], errs[i] = a.Runner.Run(ctx, tk.entity, tk.mode) })
		}
		wg.Wait()
		for i, tk := range group {
			if errs[i] != nil {
				t.Fatalf("%s %s at %s: %v", tk.entity, tk.mode, tk.at, errs[i])
			}
			res := results[i]
			modes[res.Mode]++
			// After the first churn, the next incremental run of changes has
			// picked up its updates and inserts, though deletes wait for the census.
			if !checkedIncremental && tk.entity.Name == "changes" && res.Mode == synctype.ModeIncremental && res.Updated+res.Inserted > 0 {
				checkedIncremental = true
				assertIncrementalCaughtUp(t, a, sb, "changes", deleted["changes"])
			}
		}
	}
	if !checkedIncremental {
		t.Error("no incremental run of changes picked up an update or insert")
	}
	if modes[synctype.ModeIncremental] == 0 || modes[synctype.ModeSweep] == 0 || modes[synctype.ModeCensus] != 2*len(a.Entities()) {
		t.Errorf("runs per mode: %v", modes)
	}

	// The last churn happened after the last census; finish with one more
	// census of everything, as the next night would. A census fetches the
	// details of a summary list's changed items only: what an update hid
	// from the summaries is the rolling refresh's, which a sweep a day
	// later makes (DETAIL_REFRESH).
	for _, e := range a.Entities() {
		if _, err := a.Runner.Run(ctx, e, synctype.ModeCensus); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(24 * time.Hour)
	for _, name := range []string{"environments", "systems"} {
		e, _ := a.entity(name)
		if _, err := a.Runner.Run(ctx, e, synctype.ModeSweep); err != nil {
			t.Fatal(err)
		}
	}
	workertest.AssertTablesEqualSandbox(t, db, sb, pendingOverCap(t, db, a, sb)...)
	assertDeletesMarked(t, db, deleted)
	// Each deletion was confirmed with the API (GET /{entity}/{id} → 404)
	// before it was marked, and every product's detail endpoint was asked.
	for name, p := range map[string]*plutoratest.Product{"plutora": sb.Plutora, "plutoratest": sb.Test} {
		asked := 0
		for _, r := range p.RequestLog() {
			if r.Method == "GET" && r.Status == http.StatusNotFound && strings.Count(r.Path, "/") == 2 {
				asked++
			}
		}
		if asked == 0 {
			t.Errorf("%s: no deletion was confirmed with a GET of the record", name)
		}
	}

	// Tokens: 23-hour tokens over 48 hours: the first and at least two renewals.
	// The clients report to the metrics (their one observer).
	fams, err := a.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	renewals := map[string]float64{}
	for _, f := range fams {
		if f.GetName() == "plutora_sync_token_renewals_total" {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "product" {
						renewals[l.GetValue()] += m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	for product := range a.Clients {
		if n := renewals[string(product)]; n < 3 {
			t.Errorf("%s: %v tokens obtained in 48h, want ≥ 3 (two renewals)", product, n)
		}
	}
	for _, p := range []*plutoratest.Product{sb.Plutora, sb.Test} {
		tokens := 0
		for _, r := range p.RequestLog() {
			if r.Path == "/oauth/token" && r.Status == 200 {
				tokens++
			}
		}
		if tokens < 3 {
			t.Errorf("%s: sandbox issued %d tokens, want ≥ 3", p.URL, tokens)
		}
	}
	var failed int
	if err := db.QueryRow(`SELECT count(*) FROM plutora_sync.runs WHERE status <> 'success'`).Scan(&failed); err != nil || failed != 0 {
		t.Errorf("ledger: %d runs not successful (%v)", failed, err)
	}
}

// churn updates, inserts and deletes a few records of every entity.
func churn(t *testing.T, sb *plutoratest.Server, rng *rand.Rand, deleted map[string][]string) {
	t.Helper()
	for _, e := range []string{"changes", "releases", "environments", "hosts", "systems", "defects"} {
		ids := workertest.SortedIDs(sb, e)
		for range 3 {
			if err := sb.Update(e, ids[rng.IntN(len(ids))]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sb.Insert(e); err != nil {
			t.Fatal(err)
		}
		id := ids[rng.IntN(len(ids))]
		if err := sb.Delete(e, id); err != nil {
			t.Fatal(err)
		}
		deleted[e] = append(deleted[e], id)
	}
}

// assertIncrementalCaughtUp checks that every live sandbox record of entity
// is in the table as served, and that records deleted since the last census
// are still live rows (only a census marks deletes).
func assertIncrementalCaughtUp(t *testing.T, a *App, sb *plutoratest.Server, entity string, deleted []string) {
	t.Helper()
	for id, raw := range sb.Records(entity) {
		var got string
		if err := a.DB.QueryRow(`SELECT raw::text FROM plutora.`+entity+` WHERE id = $1`, id).Scan(&got); err != nil {
			t.Fatalf("%s %s not loaded by the incremental run: %v", entity, id, err)
		}
		if !workertest.SameJSON(t, []byte(got), raw) {
			t.Fatalf("%s %s stale after the incremental run", entity, id)
		}
	}
	for _, id := range deleted {
		var live bool
		err := a.DB.QueryRow(`SELECT _deleted_at IS NULL FROM plutora.`+entity+` WHERE id = $1`, id).Scan(&live)
		switch {
		case errors.Is(err, sql.ErrNoRows): // inserted and deleted between two runs: never synced
		case err != nil:
			t.Fatal(err)
		case !live:
			t.Errorf("%s %s deleted in the sandbox: marked deleted before any census", entity, id)
		}
	}
}

// assertDeletesMarked checks that every record deleted in the sandbox is
// kept with _deleted_at set.
func assertDeletesMarked(t *testing.T, db *sqlx.DB, deleted map[string][]string) {
	t.Helper()
	marked := 0
	for entity, ids := range deleted {
		for _, id := range ids {
			var gone bool
			err := db.QueryRow(`SELECT _deleted_at IS NOT NULL FROM plutora.`+entity+` WHERE id = $1`, id).Scan(&gone)
			switch {
			case errors.Is(err, sql.ErrNoRows): // inserted and deleted between two runs: never synced
			case err != nil:
				t.Fatal(err)
			case !gone:
				t.Errorf("%s %s deleted in the sandbox but not marked deleted", entity, id)
			default:
				marked++
			}
		}
	}
	if marked == 0 {
		t.Error("no delete was marked")
	}
}

// pendingOverCap returns the rows a census left live though the sandbox
// deleted them, and checks why: the entity has no GET by id to confirm a
// deletion with (synctype.Entity.DetailPath), and the churn deleted more of
// it than DELETE_MAX_SHARE lets a census mark on its counts alone (a
// release or environment deleted takes its bookings with it). The ledger
// must say so, with every such row counted as pending.
func pendingOverCap(t *testing.T, db *sqlx.DB, a *App, sb *plutoratest.Server) []string {
	t.Helper()
	var left []string
	for _, e := range a.Entities() {
		live := map[string]bool{}
		for id := range sb.Records(e.Name) {
			live[id] = true
		}
		var extra []string
		if err := db.Select(&extra, `SELECT id::text FROM `+e.Table+` WHERE _deleted_at IS NULL`); err != nil {
			t.Fatal(err)
		}
		extra = slices.DeleteFunc(extra, func(id string) bool { return live[id] })
		if len(extra) == 0 || e.DetailPath != "" {
			continue
		}
		var pending int
		var note string
		if err := db.QueryRow(`SELECT pending_deletions, COALESCE(deletion_note, '') FROM plutora_sync.run_entities
			WHERE entity = $1 AND complete ORDER BY run_id DESC LIMIT 1`, e.Name).Scan(&pending, &note); err != nil {
			t.Fatal(err)
		}
		if pending != len(extra) || !strings.Contains(note, "cap") {
			t.Errorf("%s: %d rows deleted upstream left live; the last census says %d pending: %q", e.Name, len(extra), pending, note)
		}
		left = append(left, extra...)
	}
	return left
}
