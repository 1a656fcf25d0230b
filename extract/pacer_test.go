package extract

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

type interval struct{ admit, done time.Time }

// maxInAnyWindow returns the most requests whose [admit, done] intervals meet one closed
// window of length w: the most a server could have seen arrive in w, whatever the arrival
// times within the intervals.
func maxInAnyWindow(reqs []interval, w time.Duration) int {
	best := 0
	for _, r := range reqs {
		t := r.admit.Add(-w) // candidate window [t, t+w] ending at an admission
		n := 0
		for _, k := range reqs {
			if !k.admit.After(t.Add(w)) && !k.done.Before(t) {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// hourPacer is a pacer of limit requests an hour, with minute buckets, on
// hist under the key "plutora".
func hourPacer(t *testing.T, limit int, hist BudgetHistory) *pacer {
	t.Helper()
	p, err := newPacer(t.Context(), limit, time.Hour, time.Minute, time.Now, hist, "plutora", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// historyTotal returns the requests hist holds for "plutora" in the last
// hour, and in how many buckets.
func historyTotal(t *testing.T, hist BudgetHistory) (total, buckets int) {
	t.Helper()
	counts, err := hist.Recent(t.Context(), "plutora", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		total += c.Count
	}
	return total, len(counts)
}

func TestPacerNeverExceedsLimit(t *testing.T) {
	for _, tc := range []struct {
		name            string
		limit, workers  int
		window, latency time.Duration
		requests        int
	}{
		{"fast requests", 5, 4, 10 * time.Second, 10 * time.Millisecond, 40},
		{"slow requests", 5, 8, 10 * time.Second, 3 * time.Second, 30},
		{"latency over window", 3, 6, time.Second, 2500 * time.Millisecond, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, err := newPacer(t.Context(), tc.limit, tc.window, time.Second, time.Now, nil, "k", slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				var mu sync.Mutex
				var reqs []interval
				var wg sync.WaitGroup
				jobs := make(chan int, tc.requests)
				for i := range tc.requests {
					jobs <- i
				}
				close(jobs)
				for range tc.workers {
					wg.Go(func() {
						for range jobs {
							release, _, err := p.acquire(t.Context())
							if err != nil {
								t.Error(err)
								return
							}
							a := time.Now()
							time.Sleep(tc.latency)
							release()
							mu.Lock()
							reqs = append(reqs, interval{a, time.Now()})
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if got := maxInAnyWindow(reqs, tc.window); got > tc.limit {
					t.Errorf("max requests in a rolling %v = %d, limit %d", tc.window, got, tc.limit)
				}
				if len(reqs) != tc.requests {
					t.Errorf("completed %d requests, want %d", len(reqs), tc.requests)
				}
			})
		})
	}
}

func TestPacerLoadsHistoryConservatively(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Fake time starts at a minute boundary; move into the middle of a minute.
		time.Sleep(30 * time.Second)
		hist := NewMemoryHistory(time.Minute)
		start := time.Now()
		// A previous process used the whole budget during the current minute.
		if err := hist.Add(t.Context(), "plutora", start, 10); err != nil {
			t.Fatal(err)
		}
		p := hourPacer(t, 10, hist)
		defer p.close()
		if used := p.used(time.Now()); used != 10 {
			t.Fatalf("used after load = %d, want 10", used)
		}
		release, waited, err := p.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		release()
		// Stamped at the end of the minute: free only an hour after that.
		want := start.Truncate(time.Minute).Add(time.Minute + time.Hour)
		if got := start.Add(waited); got.Before(want) {
			t.Errorf("admitted at %v, want not before %v", got, want)
		}
	})
}

func TestPacerWritesCountsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist := NewMemoryHistory(time.Minute)
		p := hourPacer(t, 100, hist)
		for i := range 7 {
			release, _, err := p.acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(i) * 20 * time.Second)
			release()
		}
		p.close()
		total, minutes := historyTotal(t, hist)
		if total != 7 || minutes < 2 {
			t.Errorf("history holds %d requests in %d minutes, want 7 in several", total, minutes)
		}
		// A new pacer on the same history starts with those 7 in its window.
		p2 := hourPacer(t, 100, hist)
		defer p2.close()
		if used := p2.used(time.Now()); used != 7 {
			t.Errorf("restarted pacer sees %d used, want 7", used)
		}
	})
}

func TestPacerHoldAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _ := newPacer(t.Context(), 1, time.Minute, time.Second, time.Now, nil, "k", slog.New(slog.DiscardHandler))
		p.hold(time.Now().Add(5 * time.Second))
		release, waited, err := p.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if waited < 5*time.Second {
			t.Errorf("waited %v under a 5s hold", waited)
		}
		// The single slot is in flight: a second acquire waits until ctx ends.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if _, _, err := p.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("acquire with a full window: err = %v, want deadline exceeded", err)
		}
		release()
		if used := p.used(time.Now()); used != 1 {
			t.Errorf("used = %d, want 1", used)
		}
		// A hold longer than the window is capped at the window.
		p.hold(time.Now().Add(24 * time.Hour))
		release, waited, err = p.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		release()
		if waited > time.Minute+time.Second {
			t.Errorf("waited %v, want at most about one window", waited)
		}
	})
}

// TestPacerReadsHistoryAfterIdle: a standby replica made its client long before it takes
// over the key; the requests the previous holder made in the meantime must count.
func TestPacerReadsHistoryAfterIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist := NewMemoryHistory(time.Minute)
		standby := hourPacer(t, 10, hist)
		defer standby.close()
		time.Sleep(5 * time.Minute)
		holder := hourPacer(t, 10, hist)
		for range 8 {
			release, _, err := holder.acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			release()
		}
		holder.close()
		time.Sleep(2 * time.Minute) // the holder's session ends; the standby takes over
		for i := range 2 {
			release, waited, err := standby.acquire(t.Context())
			if err != nil || waited > 0 {
				t.Fatalf("request %d: waited %v, err %v", i, waited, err)
			}
			release()
		}
		if got := standby.used(time.Now()); got != 10 {
			t.Errorf("the standby counts %d requests, want 10 (the holder's 8 and its own 2)", got)
		}
		// Its own requests are in the history too: reading it again adds nothing twice.
		time.Sleep(2 * time.Minute)
		if err := standby.reload(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := standby.used(time.Now()); got != 10 {
			t.Errorf("used after a second reload = %d, want 10", got)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Minute)
		defer cancel()
		if _, _, err := standby.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("an 11th request within the hour: err = %v, want a wait past the deadline", err)
		}
	})
}

// failingHistory fails its first n writes.
type failingHistory struct {
	*MemoryHistory
	mu    sync.Mutex
	fails int
}

func (h *failingHistory) Add(ctx context.Context, key string, at time.Time, n int) error {
	h.mu.Lock()
	fail := h.fails > 0
	h.fails--
	h.mu.Unlock()
	if fail {
		return errors.New("database unavailable")
	}
	return h.MemoryHistory.Add(ctx, key, at, n)
}

func TestPacerKeepsCountsAWriteFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist := &failingHistory{MemoryHistory: NewMemoryHistory(time.Minute), fails: 3}
		p := hourPacer(t, 100, hist)
		for range 5 {
			release, _, err := p.acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			release()
			synctest.Wait() // let the writer try (and fail) before the next request
		}
		p.close()
		total, _ := historyTotal(t, hist)
		if total != 5 {
			t.Errorf("history holds %d requests after 3 failed writes, want all 5", total)
		}
	})
}

// TestPacerCountsInFlightRequests: a request is in the history as soon as it is
// admitted, so a worker killed (SIGKILL) while requests are in flight does not
// restart with those requests forgotten.
func TestPacerCountsInFlightRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist := NewMemoryHistory(time.Minute)
		p := hourPacer(t, 100, hist)
		for range 4 {
			if _, _, err := p.acquire(t.Context()); err != nil { // never released: killed mid-request
				t.Fatal(err)
			}
		}
		synctest.Wait() // the history writer has flushed
		restarted := hourPacer(t, 100, hist)
		if used := restarted.used(time.Now()); used != 4 {
			t.Errorf("a pacer restarted while 4 requests were in flight sees %d used, want 4", used)
		}
		restarted.close()
		p.close()
	})
}

// TestPacerHistoryNeverBeforeCompletion: a request that completes in a later
// history bucket than it was admitted in is counted in the later one, so a
// restarted pacer (which stamps a bucket's counts at its end) does not let
// the request leave the window before its arrival at the server has.
func TestPacerHistoryNeverBeforeCompletion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist := NewMemoryHistory(time.Minute)
		p := hourPacer(t, 100, hist)
		release, _, err := p.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Second) // a slow answer: completes two buckets later
		release()
		done := time.Now()
		p.close()
		restarted := hourPacer(t, 100, hist)
		defer restarted.close()
		time.Sleep(time.Hour - time.Second) // just before done+1h: the request must still count
		if used := restarted.used(time.Now()); used != 1 || !time.Now().Before(done.Add(time.Hour)) {
			t.Errorf("%v after a request completed, a restarted pacer counts %d, want 1", time.Since(done), used)
		}
	})
}

// gatedHistory holds every write until its gate is opened.
type gatedHistory struct {
	*MemoryHistory
	gate chan struct{}
}

func (h *gatedHistory) Add(ctx context.Context, key string, at time.Time, n int) error {
	<-h.gate
	return h.MemoryHistory.Add(ctx, key, at, n)
}

// TestPacerWritesNearTheLimitBeforeSending: far from the limit a request
// goes while its count is still being written; within the last 5% of the
// window it waits until the count is in the history, so a worker killed
// right after sending cannot restart short of it and pass the limit.
func TestPacerWritesNearTheLimitBeforeSending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hist := &gatedHistory{MemoryHistory: NewMemoryHistory(time.Minute), gate: make(chan struct{})}
		// 90 requests of the 100 are already in the window (another process's).
		if err := hist.MemoryHistory.Add(t.Context(), "plutora", time.Now().Add(-10*time.Minute), 90); err != nil {
			t.Fatal(err)
		}
		p := hourPacer(t, 100, hist)
		// The 91st to 95th go at once: their counts wait for the writer.
		for i := range 5 {
			if _, _, err := p.acquire(t.Context()); err != nil {
				t.Fatalf("request %d: %v", 91+i, err)
			}
		}
		// The 96th is within the last 5 of 100: it waits for its count to be written.
		admitted := make(chan struct{})
		go func() {
			if _, _, err := p.acquire(t.Context()); err != nil {
				t.Error(err)
			}
			close(admitted)
		}()
		synctest.Wait()
		select {
		case <-admitted:
			t.Fatal("request 96 went before its count was in the history")
		default:
		}
		close(hist.gate)
		<-admitted
		total, _ := historyTotal(t, hist)
		if total != 96 {
			t.Errorf("history holds %d requests when the 96th goes, want 96", total)
		}
		p.close()
	})
}

// TestPacerBackgroundYields (issue 22): a background request (the census)
// waits while the window holds more than limit − kept, and foreground
// requests (polls) still get the slots kept; once the window frees, the
// background request goes.
func TestPacerBackgroundYields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _ := newPacer(t.Context(), 10, time.Minute, time.Second, time.Now, nil, "k", slog.New(slog.DiscardHandler))
		p.kept = 3
		bg := synctype.WithBackground(t.Context())
		for range 7 { // background requests fill the window up to limit − kept
			release, waited, err := p.acquire(bg)
			if err != nil || waited != 0 {
				t.Fatalf("background request under limit − kept: waited %v, err %v", waited, err)
			}
			release()
			time.Sleep(time.Second)
		}
		admitted := make(chan time.Duration, 1)
		go func() {
			release, waited, err := p.acquire(bg)
			if err != nil {
				t.Error(err)
			}
			release()
			admitted <- waited
		}()
		synctest.Wait()
		select {
		case w := <-admitted:
			t.Fatalf("a background request went with only the kept slots free (waited %v)", w)
		default:
		}
		for i := range 3 { // the foreground gets every slot kept, at once
			release, waited, err := p.acquire(t.Context())
			if err != nil || waited != 0 {
				t.Fatalf("foreground request %d: waited %v, err %v", i, waited, err)
			}
			release()
		}
		// It goes once the window holds fewer than limit − kept again: the
		// background requests of 0s, 1s and 2s must leave it (at 60s, 61s,
		// 62s), so it is admitted at 63s, 56s after it asked.
		if w := <-admitted; w < 56*time.Second || w >= 57*time.Second {
			t.Errorf("the background request waited %v, want 56s: until fewer than limit − kept are in the window", w)
		}
	})
}
