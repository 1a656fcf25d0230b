package sync_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// brokenPage stands before the sandbox's Plutora API: while broken is set,
// page `page` of GET /hosts answers a body that is not JSON; it counts the
// requests of every host page.
type brokenPage struct {
	page   string
	broken atomic.Bool
	mu     gosync.Mutex
	asked  map[string]int // pageNum → requests
}

func (b *brokenPage) serve(sandbox http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.URL.Path, "/hosts") {
			n := r.URL.Query().Get("pageNum")
			b.mu.Lock()
			b.asked[n]++
			b.mu.Unlock()
			if n == b.page && b.broken.Load() {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"resultSet":[{"id":`)
				return
			}
		}
		sandbox.ServeHTTP(w, r)
	}
}

func (b *brokenPage) requests(page string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.asked[page]
}

// TestFailedRunResumes: a run that fails at a bad page keeps its place, and
// the next run continues there without fetching the pages before it again;
// after sync.MaxPageFailures failures at that page the job is skipped, with
// the reason in the ledger and the page_failures metric, until a census
// succeeds. Real HTTP client, sandbox and PostgreSQL.
func TestFailedRunResumes(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 11,
		Sizes: plutoratest.Sizes{Changes: -1, Releases: -1, Environments: -1, Hosts: 450, Systems: -1, Defects: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	target, _ := url.Parse(sb.Plutora.URL)
	bp := &brokenPage{page: "2", asked: map[string]int{}}
	bp.broken.Store(true)
	proxy := httptest.NewServer(bp.serve(httputil.NewSingleHostReverseProxy(target)))
	defer proxy.Close()

	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr := sb.Plutora.Credentials()
	c, err := extract.New(t.Context(), extract.Config{Product: synctype.ProductPlutora,
		Endpoints: extract.Endpoints{APIURL: proxy.URL, TokenURL: sb.Plutora.TokenURL},
		ClientID:  cr.ClientID, ClientSecret: cr.ClientSecret, Username: cr.Username, Password: cr.Password,
		RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond,
		Budget: testBudget, Reserve: testReserve, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewRegistry()
	r, err := sync.NewRunner(sync.RunnerOptions{Writer: w, DeleteMaxShare: 0.5, Metrics: sync.NewMetrics(reg), RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh,
		Sources: map[synctype.Product]sync.Source{synctype.ProductPlutora: {API: c, URL: proxy.URL, Sandbox: true, Known: true}}})
	if err != nil {
		t.Fatal(err)
	}
	hosts, _ := synctype.EntityByName("hosts")
	run := func(mode synctype.Mode) synctype.RunResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := r.Run(ctx, hosts, mode)
		if res.Outcome == "" { // not recorded: Run's own failure
			t.Fatalf("run: %v", err)
		}
		return res
	}

	for i := 1; i <= sync.MaxPageFailures; i++ {
		res := run(synctype.ModeSweep)
		if res.Outcome != synctype.OutcomeFailed || !strings.Contains(res.Error, "page 2") || res.PageFailures != i {
			t.Fatalf("run %d: %s with %d page failures (%s); want failed at page 2, %d failures", i, res.Outcome, res.PageFailures, res.Error, i)
		}
		checkPlace(t, db, 2, i)
	}
	if n := bp.requests("0"); n != 1 {
		t.Errorf("page 0 fetched %d times over %d runs; want once: a failed run continues where it stopped", n, sync.MaxPageFailures)
	}
	before := bp.requests("2")
	res := run(synctype.ModeSweep)
	if res.Outcome != synctype.OutcomeSkipped || !strings.Contains(res.Error, "page 2 of this sweep run failed 3 runs in a row") {
		t.Fatalf("after %d failures: %s (%s); want skipped, naming the page and the failures", sync.MaxPageFailures, res.Outcome, res.Error)
	}
	if bp.requests("2") != before {
		t.Error("the skipped run fetched the bad page again")
	}
	var ledger string
	if err := db.Get(&ledger, `SELECT status || ': ' || error FROM plutora_sync.runs WHERE id = $1`, res.RunID); err != nil ||
		!strings.HasPrefix(ledger, "skipped: skipped: page 2") {
		t.Errorf("ledger of the skipped run: %q (%v)", ledger, err)
	}
	// Marked as a run of the sandbox like the others, or run and sync would
	// take the warehouse for a real one and refuse the sandbox next time.
	var unmarked int
	if err := db.Get(&unmarked, `SELECT count(*) FROM plutora_sync.runs WHERE sandbox IS NOT TRUE`); err != nil || unmarked != 0 {
		t.Errorf("%d runs not marked as the sandbox's (%v)", unmarked, err)
	}
	if v := sampleValue(t, reg, "plutora_sync_page_failures"); v != float64(sync.MaxPageFailures) {
		t.Errorf("plutora_sync_page_failures = %v, want %d", v, sync.MaxPageFailures)
	}

	// The page is mended; a census reads everything from page 0 and clears the
	// sweep's failed place; the next sweep starts afresh and succeeds.
	bp.broken.Store(false)
	if res := run(synctype.ModeCensus); res.Outcome != synctype.OutcomeSuccess {
		t.Fatalf("census: %s (%s)", res.Outcome, res.Error)
	}
	checkPlace(t, db, 0, 0)
	if res := run(synctype.ModeSweep); res.Outcome != synctype.OutcomeSuccess || res.Pages != 5 {
		t.Fatalf("sweep after the census: %s, %d pages (%s)", res.Outcome, res.Pages, res.Error)
	}
	var rows int
	if err := db.Get(&rows, `SELECT count(*) FROM plutora.hosts`); err != nil || rows != 450 {
		t.Errorf("%d hosts in the warehouse (%v), want 450", rows, err)
	}
}

// checkPlace checks the sweep checkpoint of hosts: its next page and failures.
func checkPlace(t *testing.T, db *sqlx.DB, next, failures int) {
	t.Helper()
	var got struct {
		Next     int `db:"next_page"`
		Failures int `db:"failures"`
	}
	if err := db.Get(&got, `SELECT next_page, failures FROM plutora_sync.checkpoints
		WHERE entity = 'hosts' AND mode = 'sweep'`); err != nil {
		t.Fatal(err)
	}
	if got.Next != next || got.Failures != failures {
		t.Errorf("hosts sweep checkpoint: next page %d, %d failures; want %d, %d", got.Next, got.Failures, next, failures)
	}
}
