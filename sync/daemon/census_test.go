package daemon

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestServeCensusAdaptive (issue 29 point 3): with CENSUS_SCHEDULE unset the
// daemon censuses each product's entities in turn, one at a time, round
// after round by itself, and a record deleted upstream is marked deleted by
// the next census of its entity, with no cron tick to wait for. An entity
// is not censused before a run of it other than a census completed (or was
// skipped, its page failing again and again): here the API fails every
// request about releases at first, and the census goes round the others.
// Hosts and changes churn from before the first request.
func TestServeCensusAdaptive(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 12, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	// The site changes from before the daemon's first request, as real ones
	// do: hosts are inserted, updated and deleted, changes updated (the one
	// change deleted is the test's own, below).
	defer sb.StartChurn(plutoratest.ChurnOptions{Entities: []string{plutoratest.Hosts}, Interval: 100 * time.Millisecond})()
	defer sb.StartChurn(plutoratest.ChurnOptions{Entities: []string{plutoratest.Changes}, Interval: 100 * time.Millisecond, Updates: 1})()
	db, dsn := newEmptyDB(t)
	var failing atomic.Bool
	failing.Store(true)
	env := sandboxEnv(sb, dsn, "CENSUS_FLOOR", "2s", "PLUTORA_BUDGET_PER_HOUR", "1000000", "DELETE_MAX_SHARE", "0.5",
		"POLL_FLOOR", "1s", "POLL_CEILING", "2s")
	env["PLUTORA_API_URL"], env["PLUTORA_TOKEN_URL"] = workertest.Front(t, sb.Plutora, func(r *http.Response) {
		if failing.Load() && strings.HasPrefix(strings.ToLower(r.Request.URL.Path), "/releases") {
			body := []byte("releases are down")
			r.StatusCode, r.Status, r.Body, r.ContentLength = 500, "500 Internal Server Error", io.NopCloser(bytes.NewReader(body)), int64(len(body))
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		}
	})
	cfg := loadConfig(t, env)
	if len(cfg.Schedules()) != 4 || len(cfg.Censuses()) != 2 {
		t.Fatalf("schedules %d and adaptive censuses %+v: want the 4 reference sweeps pinned and a census per product", len(cfg.Schedules()), cfg.Censuses())
	}
	var mu gosync.Mutex
	loaded, early := map[string]bool{}, map[string]bool{}
	recorded := make(chan synctype.RunResult, 256)
	a, err := Open(context.Background(), cfg, testLogger(t), Options{Recorded: func(res synctype.RunResult) {
		mu.Lock()
		if res.Mode != synctype.ModeCensus && (res.Outcome.Completed() || res.Outcome == synctype.OutcomeSkipped) {
			loaded[res.Entity] = true
		} else if res.Mode == synctype.ModeCensus && !loaded[res.Entity] {
			early[res.Entity] = true
		}
		mu.Unlock()
		if res.Mode == synctype.ModeCensus {
			select {
			case recorded <- res:
			default: // the test has seen what it waits for: never hold a run up
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close) // after Serve stops
	ctx := serveUntilCleanup(t, a)
	censused := map[string]int{}
	// await takes the censuses recorded until done says so, at most a minute.
	await := func(what string, done func(res synctype.RunResult) bool) {
		t.Helper()
		deadline := time.After(time.Minute)
		for {
			select {
			case res := <-recorded:
				if res.Outcome == synctype.OutcomeSuccess {
					censused[res.Entity]++
				}
				if done(res) {
					return
				}
			case <-deadline:
				t.Fatalf("%s: not within a minute; censuses so far %v", what, censused)
			}
		}
	}
	everyEntity := func(n int, but string) func(synctype.RunResult) bool {
		return func(synctype.RunResult) bool {
			for _, e := range synctype.Entities() {
				if e.Name != but && censused[e.Name] < n {
					return false
				}
			}
			return true
		}
	}
	await("every entity but releases censused twice", everyEntity(2, "releases"))
	failing.Store(false)
	await("every entity censused", everyEntity(1, ""))
	gone := sb.IDs(plutoratest.Changes)[5]
	if err := sb.Delete(plutoratest.Changes, gone); err != nil {
		t.Fatal(err)
	}
	await("the deleted change marked by the next census of changes", func(res synctype.RunResult) bool {
		return res.Entity == "changes" && res.Deleted == 1
	})
	await("every entity censused twice", everyEntity(2, ""))
	mu.Lock()
	if len(early) > 0 {
		t.Errorf("censused before a run of theirs completed: %v", early)
	}
	mu.Unlock()
	var live bool
	if err := db.QueryRowContext(ctx, `SELECT _deleted_at IS NULL FROM plutora.changes WHERE id = $1`, gone).Scan(&live); err != nil || live {
		t.Errorf("change %s deleted upstream: live %v (%v)", gone, live, err)
	}
	// One census at a time per product: no two of its census runs overlap.
	var overlaps int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM plutora_sync.runs x JOIN plutora_sync.runs y
		ON x.product = y.product AND x.id < y.id AND y.started_at < x.finished_at AND x.started_at < y.finished_at
		WHERE x.mode = 'census' AND y.mode = 'census'`).Scan(&overlaps); err != nil || overlaps != 0 {
		t.Errorf("%d pairs of census runs of one product overlapped (%v)", overlaps, err)
	}
}
