package extract_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// countingObserver counts the calls of each kind.
type countingObserver struct {
	mu                                  sync.Mutex
	requests                            map[string]int // "endpoint status"
	waits, renewals, retries, throttled int
	waited                              time.Duration
	waitings                            int
	badWaiting                          string // a PacerWaiting call that made no sense
}

func (o *countingObserver) Request(p synctype.Product, endpoint string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests[string(p)+" "+endpoint+" "+itoa(status)]++
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
func (o *countingObserver) TokenRenewed(synctype.Product)  { o.mu.Lock(); o.renewals++; o.mu.Unlock() }
func (o *countingObserver) Retry(synctype.Product, string) { o.mu.Lock(); o.retries++; o.mu.Unlock() }
func (o *countingObserver) Throttled(synctype.Product)     { o.mu.Lock(); o.throttled++; o.mu.Unlock() }

func itoa(n int) string { return strconv.Itoa(n) }

func TestObserverSeesWhatStatsCount(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{Seed: 7, Faults: plutoratest.Faults{ServerErrors: 0.4}})
	obs := &countingObserver{requests: map[string]int{}}
	cfg := configFor(s.Plutora)
	cfg.Observer = obs
	cfg.Budget, cfg.Window = 4, 100*time.Millisecond // binding: the pacer makes requests wait
	c := newClient(t, cfg)
	if _, _, err := collect(t, c, mustEntity(t, "changes"), synctype.Query{}); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	total := 0
	for _, n := range obs.requests {
		total += n
	}
	if int64(total) != st.Requests || obs.renewals != int(st.TokenRenewals) || obs.retries != int(st.Retries) || obs.throttled != int(st.Throttled) {
		t.Errorf("observer saw %d requests, %d renewals, %d retries, %d throttled; stats %+v", total, obs.renewals, obs.retries, obs.throttled, st)
	}
	if obs.requests["plutora POST /oauth/token 200"] != 1 || obs.requests["plutora POST /changes/filter 200"] != 5 {
		t.Errorf("requests by endpoint and status: %v", obs.requests)
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
