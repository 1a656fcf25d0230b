package sync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// hostileAPI is a Plutora API whose list answers page(n) gives for page n
// (pageNum of the query or of the POST body), with a working token
// endpoint. It counts the list requests.
func hostileAPI(t *testing.T, page func(n int) string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/token" {
			_, _ = io.WriteString(w, `{"access_token":"hostile-token","token_type":"bearer","expires_in":86400}`)
			return
		}
		lists.Add(1)
		n, _ := strconv.Atoi(r.URL.Query().Get("pageNum"))
		var q struct{ PageNum int }
		if json.Unmarshal(body, &q) == nil && r.Method == http.MethodPost {
			n = q.PageNum
		}
		_, _ = io.WriteString(w, page(n))
	}))
	t.Cleanup(srv.Close)
	return srv, &lists
}

// hostilePage renders 100 records of set (ids differ between sets), all
// modified at one time, under totalCount total.
func hostilePage(total, set int) string {
	recs := make([]string, extract.RecordsPerPage)
	for i := range recs {
		recs[i] = fmt.Sprintf(`{"id":"00000000-0000-4000-8%03x-%012x","name":"record %d","environmentID":null,"layers":[],`+
			`"lastModifiedDate":"2025-01-01T00:00:00"}`, set%0x1000, i, i)
	}
	return fmt.Sprintf(`{"resultSet":[%s],"totalCount":%d}`, strings.Join(recs, ","), total)
}

// hostileRunner is a Runner over a real client of url and a real warehouse;
// the lists are full (no detail to compare with).
func hostileRunner(t *testing.T, url string) (*sync.Runner, *sqlx.DB) {
	t.Helper()
	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := extract.New(t.Context(), extract.Config{Product: synctype.ProductPlutora,
		Endpoints: extract.Endpoints{APIURL: url, TokenURL: url + "/oauth/token"},
		ClientID:  "hostile", ClientSecret: "hostile-secret", Username: "hostile@example.com", Password: "hostile-password",
		RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond,
		Budget: testBudget, Reserve: testReserve, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	r, err := sync.NewRunner(sync.RunnerOptions{Writer: w, DeleteMaxShare: 0.5, RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh,
		ListKinds: map[string]synctype.ListKind{"changes": synctype.ListFull, "hosts": synctype.ListFull},
		Sources:   map[synctype.Product]sync.Source{synctype.ProductPlutora: {API: c, URL: url}}})
	if err != nil {
		t.Fatal(err)
	}
	return r, db
}

// hostileRun runs e once with a deadline; a run that would loop until it
// fails the test instead of hanging.
func hostileRun(t *testing.T, r *sync.Runner, e string, mode synctype.Mode) synctype.RunResult {
	t.Helper()
	ent, _ := synctype.EntityByName(e)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := r.Run(ctx, ent, mode)
	if ctx.Err() != nil {
		t.Fatalf("%s run still going after 30s (%d pages): %v", e, res.Pages, err)
	}
	if res.Outcome == "" {
		t.Fatalf("%s run not recorded: %v", e, err)
	}
	return res
}

// A seek's pages cycle A, B, A, B inside one timestamp (every record
// modified at the same time, a totalCount of 1e9): each page is a call of
// its own, and the run's memory of its pages stops it when page 2 of the
// group repeats page 0. Real client and warehouse; the ledger says why.
func TestSeekCycleFails(t *testing.T) {
	t.Parallel()
	srv, lists := hostileAPI(t, func(n int) string { return hostilePage(1_000_000_000, n%2) })
	r, db := hostileRunner(t, srv.URL)
	res := hostileRun(t, r, "changes", synctype.ModeSweep)
	want := "page 2 repeats the 100 records of page 0, both of the records modified from 2025-01-01T00:00:00Z before 2025-01-01T00:00:00.001Z"
	if res.Outcome != synctype.OutcomeFailed || !strings.Contains(res.Error, "fetch changes page 2") || !strings.Contains(res.Error, want) {
		t.Fatalf("%s after %d pages: %s; want failed naming changes and the pages", res.Outcome, res.Pages, res.Error)
	}
	// A at the floor, A again from its time, then A, B and A inside it.
	if n := lists.Load(); res.Pages != 4 || n != 5 {
		t.Errorf("%d pages committed, %d list requests; want 4 and 5", res.Pages, n)
	}
	var rows int
	var ledger string
	if err := db.Get(&rows, `SELECT count(*) FROM plutora.changes`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&ledger, `SELECT error FROM plutora_sync.run_entities WHERE run_id = $1`, res.RunID); err != nil {
		t.Fatal(err)
	}
	if rows != 200 || !strings.Contains(ledger, want) {
		t.Errorf("warehouse: %d changes, ledger error %q; want A's and B's 200, and the cycle", rows, ledger)
	}
}

// A sweep of a list whose totalCount grows with every page fails past
// twice its first totalCount (1,100: page 32); the runs that continue it
// keep that limit (the checkpoint keeps the first total) and fail before
// asking anything, until the job is skipped, instead of reading ten pages
// more at every resumption.
func TestResumedRunKeepsFirstTotal(t *testing.T) {
	t.Parallel()
	srv, lists := hostileAPI(t, func(n int) string { return hostilePage(1000+(n+1)*extract.RecordsPerPage, n) })
	r, db := hostileRunner(t, srv.URL)
	limit := 2*1100/extract.RecordsPerPage + extract.RunawaySlackPages
	want := fmt.Sprintf("fetch hosts page %d: bad page: runaway paging: page %d is past twice the run's first totalCount 1100", limit, limit)
	for i := 1; i <= sync.MaxPageFailures; i++ {
		before := lists.Load()
		res := hostileRun(t, r, "hosts", synctype.ModeSweep)
		if res.Outcome != synctype.OutcomeFailed || !strings.Contains(res.Error, want) || res.PageFailures != i {
			t.Fatalf("run %d: %s, %d page failures: %s; want failed with %q", i, res.Outcome, res.PageFailures, res.Error, want)
		}
		wantReq := int64(0) // a continued run past its limit asks nothing
		if i == 1 {
			wantReq = int64(limit) + 1 // pages 0..limit, at most the pages in flight beyond
		}
		if n := lists.Load() - before; n < wantReq || n > wantReq+testPagesInFlight {
			t.Errorf("run %d: %d list requests; want %d", i, n, wantReq)
		}
		var cp struct {
			Next  int `db:"next_page"`
			First int `db:"first_total"`
		}
		if err := db.Get(&cp, `SELECT next_page, first_total FROM plutora_sync.checkpoints WHERE entity = 'hosts'`); err != nil {
			t.Fatal(err)
		}
		if cp.Next != limit || cp.First != 1100 {
			t.Errorf("run %d: checkpoint at page %d, first total %d; want %d and 1100", i, cp.Next, cp.First, limit)
		}
	}
	if res := hostileRun(t, r, "hosts", synctype.ModeSweep); res.Outcome != synctype.OutcomeSkipped {
		t.Errorf("after %d failures: %s; want skipped", sync.MaxPageFailures, res.Outcome)
	}
}
