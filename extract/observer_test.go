package extract_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// countingObserver counts the calls of each kind.
type countingObserver struct {
	mu                                  sync.Mutex
	requests                            map[string]int // "endpoint status"
	waits, renewals, retries, throttled int
	marked, unmarked                    int
	waited                              time.Duration
	waitings                            int
	badWaiting                          string // a PacerWaiting call that made no sense
}

func newCountingObserver() *countingObserver { return &countingObserver{requests: map[string]int{}} }

func (o *countingObserver) Request(_ context.Context, p synctype.Product, endpoint string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests[string(p)+" "+endpoint+" "+itoa(status)]++
}
func (o *countingObserver) DataAnswer(_ context.Context, _ synctype.Product, marked bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if marked {
		o.marked++
	} else {
		o.unmarked++
	}
}
func (o *countingObserver) PacerWait(p synctype.Product, d time.Duration) {
	o.mu.Lock()
	o.waits++
	o.waited += d
	o.mu.Unlock()
}
func (o *countingObserver) PacerWaiting(p synctype.Product, until time.Time, used, limit int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waitings++
	if p != "plutora" || until.IsZero() || limit <= 0 || used < limit {
		o.badWaiting = fmt.Sprintf("PacerWaiting(%s, %v, %d, %d)", p, until, used, limit)
	}
}
func (o *countingObserver) TokenRenewed(context.Context, synctype.Product) {
	o.mu.Lock()
	o.renewals++
	o.mu.Unlock()
}
func (o *countingObserver) Retry(context.Context, synctype.Product, string) {
	o.mu.Lock()
	o.retries++
	o.mu.Unlock()
}
func (o *countingObserver) Throttled(context.Context, synctype.Product) {
	o.mu.Lock()
	o.throttled++
	o.mu.Unlock()
}

// stats are the counts so far.
func (o *countingObserver) stats() synctype.SourceStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := synctype.SourceStats{Throttled: int64(o.throttled), Retries: int64(o.retries), TokenRenewals: int64(o.renewals),
		SandboxMarked: int64(o.marked), SandboxUnmarked: int64(o.unmarked)}
	for _, n := range o.requests {
		st.Requests += int64(n)
	}
	return st
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestObserverSeesEachRequestOnce: the client reports each request it
// sends to its Observer once, as the sandbox logs them, with the retries,
// 429s and tokens behind them, under faults and a budget that binds.
func TestObserverSeesEachRequestOnce(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{Seed: 7, Faults: plutoratest.Faults{ServerErrors: 0.4}})
	obs := newCountingObserver()
	cfg := configFor(s.Plutora)
	cfg.Observer = obs
	cfg.Budget, cfg.Window = 4, 100*time.Millisecond // binding: the pacer makes requests wait
	c := newClient(t, cfg)
	if _, _, err := collect(t, c, mustEntity(t, "changes"), synctype.Query{}); err != nil {
		t.Fatal(err)
	}
	st := obs.stats()
	settleN(t, s.Plutora, st.Requests)
	logged, tokens, faults := len(s.Plutora.RequestLog()), countLog(s.Plutora, "/oauth/token", 200), 0
	for _, r := range s.Plutora.RequestLog() {
		if r.Status >= 500 {
			faults++
		}
	}
	if st.Requests != int64(logged) || st.TokenRenewals != int64(tokens) || st.Retries != int64(faults) || st.Throttled != 0 {
		t.Errorf("observer saw %+v; the sandbox logged %d requests, %d tokens, %d faults (each retried), no 429", st, logged, tokens, faults)
	}
	if obs.requests["plutora POST /oauth/token 200"] != 1 || obs.requests["plutora POST /changes/filter 200"] != 5 {
		t.Errorf("requests by endpoint and status: %v", obs.requests)
	}
	if st.SandboxMarked != 5 || st.SandboxUnmarked != 0 {
		t.Errorf("data answers: %d marked, %d not; want the 5 pages, marked", st.SandboxMarked, st.SandboxUnmarked)
	}
	if st.Retries == 0 || obs.waits == 0 || obs.waited <= 0 {
		t.Errorf("retries %d, pacer waits %d (%v): the faults or the budget did not bind", st.Retries, obs.waits, obs.waited)
	}
	// A wait for the window is announced when it starts, with the full window
	// that causes it. A wait for a request in flight to complete has no known
	// end and is not announced (it lasts a request's time), and a wait
	// recomputed is announced again: so no count to compare, but some.
	if obs.waitings == 0 || obs.badWaiting != "" {
		t.Errorf("%d waits announced for %d waited; %s", obs.waitings, obs.waits, obs.badWaiting)
	}
}

// TestTallyCountsEachRequestOnce: a client given no Observer counts each
// request, token included, once in the Tally of the context it was made
// under, and nothing of another context's.
func TestTallyCountsEachRequestOnce(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{Seed: 7})
	c, err := extract.New(t.Context(), configFor(s.Plutora))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var mine, other synctype.Tally
	ctx := synctype.WithTally(t.Context(), &mine)
	if err := c.Pages(ctx, mustEntity(t, "changes"), synctype.Query{}, func(synctype.Page) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exists(synctype.WithTally(t.Context(), &other), mustEntity(t, "changes"), s.IDs("changes")[0]); err != nil {
		t.Fatal(err)
	}
	got, logged := mine.Stats(), len(s.Plutora.RequestLog())
	want := synctype.SourceStats{Requests: int64(logged - 1), TokenRenewals: 1, SandboxMarked: int64(logged - 2)}
	if got != want || other.Stats().Requests != 1 {
		t.Errorf("the pages' Tally counted %+v, want %+v (the sandbox logged %d requests, one of them the other Tally's: %+v)",
			got, want, logged, other.Stats())
	}
}
