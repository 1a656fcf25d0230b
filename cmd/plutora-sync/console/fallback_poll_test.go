package console

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// TestFallbackPollNotStarved (issue 22): the API fails on the filter of
// changes (a 500, as the real API answers a filter it cannot serve), so
// every poll of changes reads the whole list instead. Charged to the poll
// share (19 s a request here), the next poll would wait minutes; it waits
// at most POLL_CEILING, since the key's spare budget affords the sweep, and
// the wait and its reason show in the metric and in status.
func TestFallbackPollNotStarved(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 4,
		Sizes: plutoratest.Sizes{Changes: 450, Releases: 20, Environments: 5, Hosts: 5, Systems: 5, Defects: 20}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	target, _ := url.Parse(sb.Plutora.URL)
	proxy := httptest.NewServer(failChangesFilter(httputil.NewSingleHostReverseProxy(target)))
	defer proxy.Close()
	_, dsn := newEmptyDB(t)
	// Every other entity is pinned to a day that does not come: the key
	// spends its budget on the polls of changes alone.
	vars := []string{"PLUTORA_API_URL", proxy.URL, "PLUTORA_BUDGET_PER_HOUR", "20000", "POLL_FLOOR", "1s", "POLL_CEILING", "5s"}
	for _, e := range synctype.Entities() {
		if e.Name != "changes" {
			vars = append(vars, e.ScheduleVar(), "0 0 1 1 *")
		}
	}
	cfg := loadConfig(t, sandboxEnv(sb, dsn, vars...))
	started := make(chan struct{}, 64) // a run of changes committed its page 0
	a, err := daemon.Open(context.Background(), cfg, testLogger(t), daemon.Options{Progress: func(p sync.Progress) {
		if p.Entity.Name == "changes" && p.Page == 0 {
			started <- struct{}{}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close) // after Serve stops
	ctx := serveUntilCleanup(t, a)
	// The catch-up run and two polls, each a sweep of the whole list after
	// the client's retries of the failing filter.
	deadline := time.After(90 * time.Second)
	for range 3 {
		select {
		case <-started:
		case <-deadline:
			t.Fatal("fewer than 3 runs of changes in 90 s: the polls after a fallback wait too long")
		}
	}
	var reason string
	var wait float64
	fams, err := a.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "plutora_sync_poll_wait_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "entity" && l.GetValue() == "changes" {
					wait = m.GetGauge().GetValue()
					for _, l := range m.GetLabel() {
						if l.GetName() == "reason" {
							reason = l.GetValue()
						}
					}
				}
			}
		}
	}
	if (reason != sync.WaitFallback && reason != sync.WaitKeyBudget) || wait <= 0 || wait > 5 {
		t.Errorf("plutora_sync_poll_wait_seconds of changes: %v s, reason %q; want at most POLL_CEILING (5 s), a fallback", wait, reason)
	}
	var out bytes.Buffer
	if err := Status(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	if got := fieldsOf(out.String(), "plutora", "changes"); !strings.Contains(strings.Join(got, " "), "/filter_failed") {
		t.Errorf("status of changes %q, want its next run and the wait's reason (…/filter_failed):\n%s", got, out.String())
	}
	var runs int
	if err := a.DB.QueryRowContext(ctx, `SELECT count(*) FROM plutora_sync.run_entities
		WHERE entity = 'changes' AND fallback IS NOT NULL`).Scan(&runs); err != nil || runs < 2 {
		t.Errorf("%d runs of changes fell back in the ledger (%v), want the polls'", runs, err)
	}
}

// failChangesFilter stands before the sandbox's Plutora: it renames the
// field of every filter of changes with a condition (a seek's) to one the
// entity lacks, which the sandbox answers with 500, as the real API does.
func failChangesFilter(sandbox http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && strings.EqualFold(r.URL.Path, "/changes/filter") {
			body, _ := io.ReadAll(r.Body)
			if bytes.Contains(body, []byte(`"operator":"GreaterOrEqual"`)) {
				body = bytes.ReplaceAll(body, []byte(`"lastModifiedDate"`), []byte(`"lastModifiedOn"`))
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		sandbox.ServeHTTP(w, r)
	}
}
