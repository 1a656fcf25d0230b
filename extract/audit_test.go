package extract_test

import (
	"context"
	"flag"
	"sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

var (
	auditWindow = flag.Duration("extract.audit-window", 3*time.Second, "compressed budget window of TestBudgetAudit")
	auditBudget = flag.Int("extract.audit-budget", 10, "budget per window of TestBudgetAudit")
)

// TestBudgetAudit runs a client against the sandbox for more than three compressed
// windows with the budget binding, restarting the client midway, and audits the sandbox's
// request log: no rolling window holds more than the budget, and no answer is a 429.
func TestBudgetAudit(t *testing.T) {
	t.Parallel()
	window, budget := *auditWindow, *auditBudget
	s := newSandbox(t, plutoratest.Options{Budget: budget, Window: window, Sizes: plutoratest.Sizes{Hosts: 2000, Systems: 1000}})
	hist := extract.NewMemoryHistory(window / 20)
	cfg := configFor(s.Plutora)
	cfg.Budget, cfg.Window, cfg.History, cfg.HistoryBucket = budget, window, hist, window/20
	limit := int(float64(budget) * (1 - testReserve))

	start := time.Now()
	// sweepUntil runs two jobs sharing the client (hosts and systems), each paging through
	// its entity over and over until the wall clock passes end.
	sweepUntil := func(c *extract.Client, end time.Time) {
		ctx, cancel := context.WithDeadline(t.Context(), end)
		defer cancel()
		var wg sync.WaitGroup
		for _, name := range []string{"hosts", "systems"} {
			e := mustEntity(t, name)
			wg.Go(func() {
				for ctx.Err() == nil {
					err := c.Pages(ctx, e, synctype.Query{}, func(synctype.Page) error { return nil })
					if err != nil && ctx.Err() == nil {
						t.Errorf("sweep %s: %v", name, err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	first, err := extract.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sweepUntil(first, start.Add(window*3/2))
	first.Close() // the restart: a new client, the same history
	second := newClient(t, cfg)
	now := time.Now()
	firstUsed, _ := first.BudgetUsed(now)
	if used, _ := second.BudgetUsed(now); used < firstUsed {
		t.Errorf("restarted client starts with %d used, the first had %d in its window", used, firstUsed)
	}
	sweepUntil(second, start.Add(window*7/2))

	var times []time.Time
	throttled, tokens := 0, 0
	for _, r := range s.Plutora.RequestLog() {
		times = append(times, r.At)
		if r.Status == 429 {
			throttled++
		}
		if r.Path == "/oauth/token" {
			tokens++
		}
	}
	most, at := plutoratest.MaxInWindow(times, window)
	t.Logf("%d requests (%d token requests) in %v; most in any rolling %v: %d (from %v); limit %d, budget %d; 429s: %d",
		len(times), tokens, time.Since(start).Round(time.Millisecond), window, most, at.Sub(start), limit, budget, throttled)
	if most > limit {
		t.Errorf("a rolling window held %d requests, over the client's limit %d", most, limit)
	}
	if throttled != 0 {
		t.Errorf("the sandbox answered %d 429s", throttled)
	}
	if tokens < 2 {
		t.Errorf("%d token requests, want one per client", tokens)
	}
	// The budget was binding: most windows were (nearly) full.
	if len(times) < 3*limit*9/10 || most < limit*9/10 {
		t.Errorf("%d requests, most %d in a window: the budget %d was not binding over three windows", len(times), most, limit)
	}
}
