package sync_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// unknownField stands before the sandbox: while failing is set, it renames
// the field of every filter with a condition (a seek's) to one the entity
// lacks, so the sandbox answers 500 as the real API does
// (docs/plutora-api.md, "Errors and limits"); it counts those requests.
func unknownField(sandbox http.Handler, failing *atomic.Bool, filtered *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() && r.Method == "POST" && strings.HasSuffix(strings.ToLower(r.URL.Path), "/filter") {
			body, _ := io.ReadAll(r.Body)
			if bytes.Contains(body, []byte(`"operator":"GreaterOrEqual"`)) {
				filtered.Add(1)
				body = bytes.ReplaceAll(body, []byte(`"lastModifiedDate"`), []byte(`"lastModifiedOn"`))
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		sandbox.ServeHTTP(w, r)
	}
}

// TestFilterFaultFallsBackToSweep: a filter the API answers with 500 is
// retried a few times (the client's MaxAttempts), then the run reads the
// whole list instead; the ledger, the metric and the log say so, the
// records modified since the last run are loaded, and no more requests go
// to the failing filter in that run. In both worlds of filter answers.
func TestFilterFaultFallsBackToSweep(t *testing.T) {
	t.Parallel()
	for _, summaries := range []bool{false, true} {
		t.Run(map[bool]string{false: "full", true: "summary"}[summaries], func(t *testing.T) {
			t.Parallel()
			clk := workertest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
			sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 12, Now: clk.Now,
				Sizes:          plutoratest.Sizes{Changes: 250, Releases: -1, Environments: -1, Hosts: -1, Systems: -1, Defects: -1},
				SummaryFilters: map[string]bool{"changes": summaries}})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			target, _ := url.Parse(sb.Plutora.URL)
			var failing atomic.Bool
			var filtered atomic.Int64
			proxy := httptest.NewServer(unknownField(httputil.NewSingleHostReverseProxy(target), &failing, &filtered))
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
				RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond, MaxAttempts: 3, Now: clk.Now,
				Budget: testBudget, Reserve: testReserve, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			reg := prometheus.NewRegistry()
			r, err := sync.NewRunner(sync.RunnerOptions{Writer: w, DeleteMaxShare: 0.5, Metrics: sync.NewMetrics(reg), Now: clk.Now,
				RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh,
				Sources: map[synctype.Product]sync.Source{synctype.ProductPlutora: {API: c, URL: proxy.URL, Sandbox: true, Known: true}}})
			if err != nil {
				t.Fatal(err)
			}
			changes, _ := synctype.EntityByName("changes")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if res, err := r.Run(ctx, changes, synctype.ModeIncremental); err != nil || res.Fallback != "" {
				t.Fatalf("first run (a sweep, the filter still served): %v, fallback %q", err, res.Fallback)
			}
			failing.Store(true)
			clk.Advance(time.Hour)
			ids := sb.IDs("changes")
			for _, id := range ids[:5] {
				if err := sb.Update("changes", id); err != nil {
					t.Fatal(err)
				}
			}
			clk.Advance(time.Minute)
			res, err := r.Run(ctx, changes, synctype.ModeIncremental)
			if err != nil || res.Outcome != synctype.OutcomeSuccess {
				t.Fatalf("incremental run: %v (%s: %s)", err, res.Outcome, res.Error)
			}
			if !strings.Contains(res.Fallback, "read the whole list instead") || !strings.Contains(res.Fallback, "HTTP 500") {
				t.Errorf("fallback %q, want the 500 and what the run did", res.Fallback)
			}
			if n := filtered.Load(); n != 3 {
				t.Errorf("%d requests to the failing filter, want the 3 attempts of one request", n)
			}
			if res.Updated != 5 || res.Pages != 3 {
				t.Errorf("fallback sweep: %d pages, %d updated; want 3 pages and the 5 updates", res.Pages, res.Updated)
			}
			var ledger string
			if err := db.Get(&ledger, `SELECT coalesce(fallback, '') FROM plutora_sync.run_entities WHERE run_id = $1`, res.RunID); err != nil || ledger != res.Fallback {
				t.Errorf("ledger fallback %q (%v), want %q", ledger, err, res.Fallback)
			}
			if v := sampleValue(t, reg, "plutora_sync_filter_fallbacks_total"); v != 1 {
				t.Errorf("plutora_sync_filter_fallbacks_total = %v, want 1", v)
			}
			diffs, _, err := workertest.CompareTables(ctx, db, sb, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diffs {
				if d.Entity == "changes" && !d.OK() { // the only entity this test syncs
					t.Error(d)
				}
			}
		})
	}
}

// sampleValue is the value of the single sample of a counter or gauge in reg.
func sampleValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			m := f.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue() // the other is nil: 0
		}
	}
	t.Fatalf("no single sample of %s", name)
	return 0
}
