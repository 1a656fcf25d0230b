package sync

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestPollerAdapts: in fake time, polls come faster while records arrive
// (down to the floor), slower while quiet (up to the ceiling), and never
// spend more than the budget allows.
func TestPollerAdapts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		var at []time.Duration
		busyUntil := 3 * time.Minute
		p, err := NewPoller(PollerOptions{Mode: synctype.ModeIncremental, Floor: 5 * time.Second, Ceiling: 2 * time.Minute, PerHour: 360, // ≥ 10 s a request
			Poll: func(context.Context) (synctype.RunResult, error) {
				now := time.Since(start)
				at = append(at, now)
				res := synctype.RunResult{Requests: 1}
				if now < busyUntil {
					res.Updated = 5
				}
				if now > time.Hour {
					cancel()
				}
				return res, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		p.Run(ctx, 0)
		var busyGaps, quietGaps []time.Duration
		for i := 1; i < len(at); i++ {
			gap := at[i] - at[i-1]
			if gap < 10*time.Second {
				t.Fatalf("poll %d came %v after the last: the budget allows one request per 10s", i, gap)
			}
			if at[i] < busyUntil {
				busyGaps = append(busyGaps, gap)
			} else {
				quietGaps = append(quietGaps, gap)
			}
		}
		if len(busyGaps) == 0 || busyGaps[len(busyGaps)-1] != 10*time.Second {
			t.Errorf("busy gaps %v: want them at the budget's 10s", busyGaps)
		}
		if last := quietGaps[len(quietGaps)-1]; last != 2*time.Minute {
			t.Errorf("quiet gaps %v: want them grown to the 2m ceiling", quietGaps)
		}
		// An hour: 18 busy polls, then the quiet ones backing off: far under the 360 allowed.
		if len(at) > 60 {
			t.Errorf("%d polls in an hour", len(at))
		}
	})
}

func TestNewPollerRejects(t *testing.T) {
	poll := func(context.Context) (synctype.RunResult, error) { return synctype.RunResult{}, nil }
	for _, o := range []PollerOptions{
		{Mode: synctype.ModeIncremental, Floor: time.Second, Ceiling: time.Minute, PerHour: 1},
		{Poll: poll, Floor: time.Second, Ceiling: time.Minute, PerHour: 1},
		{Mode: synctype.ModeIncremental, Poll: poll, Floor: 0, Ceiling: time.Minute, PerHour: 1},
		{Mode: synctype.ModeIncremental, Poll: poll, Floor: time.Minute, Ceiling: time.Second, PerHour: 1},
		{Mode: synctype.ModeIncremental, Poll: poll, Floor: time.Second, Ceiling: time.Minute},
	} {
		if _, err := NewPoller(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// TestPollerSweeps: with floor = ceiling, as for an adaptive sweep, the
// budget alone sets the pace: a sweep of n requests waits n times the
// budget's interval, and LongestWait says so for the staleness alert.
func TestPollerSweeps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		var at []time.Duration
		opts := PollerOptions{Mode: synctype.ModeSweep, Floor: 5 * time.Second, Ceiling: 5 * time.Second, PerHour: 360} // 10 s a request
		opts.Poll = func(context.Context) (synctype.RunResult, error) {
			at = append(at, time.Since(start))
			if len(at) == 4 {
				cancel()
			}
			// Sweeps of 1, 7, then 0 requests (a failed run counts as one).
			return synctype.RunResult{Requests: []int64{1, 7, 0, 1}[len(at)-1], Unchanged: 90}, nil
		}
		p, err := NewPoller(opts)
		if err != nil {
			t.Fatal(err)
		}
		p.Run(ctx, 30*time.Second) // after a catch-up of 3 pages
		want := []time.Duration{30 * time.Second, 40 * time.Second, 110 * time.Second, 120 * time.Second}
		if !slices.Equal(at, want) {
			t.Errorf("sweeps at %v, want %v", at, want)
		}
		if got := opts.LongestWait(7); got != 70*time.Second {
			t.Errorf("LongestWait(7) = %v, want 70s", got)
		}
		if got := opts.LongestWait(0); got != 10*time.Second {
			t.Errorf("LongestWait(0) = %v, want 10s", got)
		}
	})
}

// TestPollerFallbackWaits (issue 22): a poll that falls back to a sweep (no
// watermark yet, a filter the API fails on, a resumed run) is not charged to
// the poll share, which would hold the entity back for hours (the first load
// below for 500 × 10 s = 83 minutes): it waits the interval, at most the
// ceiling, unless the key's spare budget cannot afford its size; the reason
// goes with each wait.
// TestPollerLeavesTheRefreshOut: the rolling refresh a poll's run made after
// its page (RefreshRequests) is a class of its own: the poll waits for its
// interval, not for the refresh's part of its share.
func TestPollerLeavesTheRefreshOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var got []string
		n := 0
		p, err := NewPoller(PollerOptions{Mode: synctype.ModeIncremental, Floor: 5 * time.Second, Ceiling: 2 * time.Minute,
			PerHour: 360, // 10 s a request of the share
			Waited:  func(w Wait) { got = append(got, w.For.String()+" "+w.String()) },
			Poll: func(context.Context) (synctype.RunResult, error) {
				if n++; n > 2 {
					cancel()
					return synctype.RunResult{}, context.Canceled
				}
				// A page, and 10 releases read again at 6 requests each.
				return synctype.RunResult{Mode: synctype.ModeIncremental, Requests: 61, RefreshRequests: 60, Refreshed: 10}, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		p.Run(ctx, 0)
		if want := []string{"10s adaptive", "20s adaptive"}; !slices.Equal(got, want) {
			t.Errorf("waits %q, want %q (61 requests charged would be 10m10s)", got, want)
		}
	})
}

func TestPollerFallbackWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		incremental, sweep := synctype.ModeIncremental, synctype.ModeSweep
		runs := []synctype.RunResult{
			{Mode: sweep, Requests: 500, Inserted: 50_000},             // the first load: no watermark
			{Mode: incremental, Requests: 1, Updated: 3},               // a poll
			{Mode: incremental, Requests: 30, Updated: 2_900},          // a big poll: charged to the share
			{Mode: incremental, Requests: 480, Fallback: "HTTP 500 …"}, // the filter failed: the whole list
			{Mode: incremental, Requests: 100, Resumed: true},          // a run a restart left
			{Mode: sweep, Requests: 5_000, Unchanged: 500_000},         // too big for the spare budget
			{Mode: incremental, Requests: 1},                           // a quiet poll
		}
		var got []string
		opts := PollerOptions{Mode: incremental, Floor: 5 * time.Second, Ceiling: 2 * time.Minute,
			PerHour: 360, Spare: 24_000, // 10 s a request of the share; 0.15 s of the spare budget
			Waited: func(w Wait) { got = append(got, w.For.String()+" "+w.String()) }}
		n := 0
		opts.Poll = func(context.Context) (synctype.RunResult, error) {
			if n++; n > len(runs) {
				cancel()
				return synctype.RunResult{}, context.Canceled
			}
			return runs[n-1], nil
		}
		p, err := NewPoller(opts)
		if err != nil {
			t.Fatal(err)
		}
		p.Run(ctx, 0)
		want := []string{
			"1m15s key_budget/no_watermark", // 500 × 0.15 s, more than the 5 s interval
			"10s budget_share",
			"5m0s budget_share",
			"1m12s key_budget/filter_failed",
			"20s fallback/resumed", // the interval: 100 × 0.15 s is less
			"12m30s key_budget/no_watermark",
			"1m20s adaptive",
		}
		if !slices.Equal(got, want) {
			t.Errorf("waits\n got %q\nwant %q", got, want)
		}
	})
}
