package sync

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// stallingSource delivers pages until page stall, then waits for its
// context, as a server that stops answering (or a 429 hold) would.
type stallingSource struct {
	*fakeSource
	stall int
}

func (s stallingSource) Pages(ctx context.Context, e synctype.Entity, q synctype.Query, fn func(synctype.Page) error) error {
	return s.fakeSource.Pages(ctx, e, q, func(p synctype.Page) error {
		if p.Num == s.stall {
			<-ctx.Done()
			return ctx.Err()
		}
		return fn(p)
	})
}

// A run past RunTimeout fails with the reason, after committing the pages it
// had; the daemon's context is not involved (fake time: no waiting).
func TestRunTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, w := newFakeSource(), newFakeWriter()
		seed(src, "hosts", 20)
		r, err := NewRunner(RunnerOptions{Writer: w, DeleteMaxShare: 0.5, RunTimeout: time.Hour, DetailRefresh: testDetailRefresh,
			Sources: map[synctype.Product]Source{"plutora": {API: stallingSource{src, 2}, URL: "http://127.0.0.1:1"}}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := r.Run(t.Context(), hosts, synctype.ModeSweep)
		if err == nil || res.Outcome != synctype.OutcomeFailed || res.Pages != 2 ||
			!strings.Contains(res.Error, "run deadline passed (RUN_TIMEOUT 1h0m0s) after 2 pages") {
			t.Fatalf("outcome %s, %d pages, error %q; want failed after 2 pages at the deadline", res.Outcome, res.Pages, res.Error)
		}
		if d := time.Since(start); d != time.Hour {
			t.Errorf("the run ended after %v, want 1h", d)
		}
		if w.runs[res.RunID] == nil || w.runs[res.RunID].Outcome != synctype.OutcomeFailed {
			t.Error("the failed run is not in the ledger")
		}
	})
}
