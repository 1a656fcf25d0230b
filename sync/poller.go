package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// PollerOptions configure a Poller.
type PollerOptions struct {
	// Mode is what the Poller asks for: ModeIncremental (it polls),
	// ModeSweep (an adaptive sweep) or ModeCensus (a product's adaptive
	// census, NewCensus).
	Mode synctype.Mode
	// Floor and Ceiling bound the interval between polls: it halves after a
	// poll that brought changes, down to Floor, and doubles after a quiet
	// one, up to Ceiling.
	Floor, Ceiling time.Duration
	// PerHour is the requests per hour this entity's runs may spend (its
	// part of the key's poll or sweep share of the budget): a run of n
	// requests is followed by a wait of at least n × hour / PerHour.
	PerHour float64
	// Spare is the requests per hour a poll that fell back to a sweep may
	// spend (Fallback): the key's budget less what every class of work
	// plans, as this entity's part. Below PerHour, PerHour counts.
	Spare float64
	// Poll runs one incremental run (or sweep).
	Poll func(ctx context.Context) (synctype.RunResult, error)
	// Waited, when set, is told the wait before each next run, and why.
	Waited func(Wait)
	Logger *slog.Logger
}

// Why a Poller waits as long as it does (Wait.Reason).
const (
	// WaitAdaptive: the interval, between Floor and Ceiling.
	WaitAdaptive = "adaptive"
	// WaitShare: the run's requests against the entity's part of its
	// class's share (PerHour).
	WaitShare = "budget_share"
	// WaitFallback: the poll fell back to a sweep; it waits the interval,
	// never more than Ceiling, as a poll would.
	WaitFallback = "fallback"
	// WaitKeyBudget: the poll fell back to a sweep too big for the key's
	// spare budget at the interval (Spare).
	WaitKeyBudget = "key_budget"
	// WaitCatchUp: after the catch-up run each leadership starts with,
	// outside the share (the daemon's).
	WaitCatchUp = "catch_up"
)

// Wait is the wait a Poller chose before its next run.
type Wait struct {
	For    time.Duration
	Reason string // WaitAdaptive, WaitShare, WaitFallback or WaitKeyBudget
	// Fallback says why the run was a sweep instead of a poll
	// (PollerOptions.Fallback); "" when it was not.
	Fallback string
	Requests int64 // the run's
}

// String is the reason, and why the run fell back when it did
// ("key_budget/no_watermark"): what status shows.
func (w Wait) String() string {
	if w.Fallback != "" {
		return w.Reason + "/" + w.Fallback
	}
	return w.Reason
}

// Poller runs one entity again and again at an interval that adapts to how
// much arrives, within a budget: one loop, waiting on a timer and on
// ctx.Done(). It polls an incremental entity, or sweeps a sweep entity (with
// Floor = Ceiling the budget alone sets the pace). An entity pinned to a cron
// schedule (SCHEDULE_*) has no Poller.
type Poller struct {
	opts     PollerOptions
	interval time.Duration
}

// NewPoller checks opts and returns a Poller that starts at Floor.
func NewPoller(opts PollerOptions) (*Poller, error) {
	switch {
	case opts.Poll == nil:
		return nil, errors.New("sync: PollerOptions.Poll is nil")
	case opts.Mode != synctype.ModeIncremental && opts.Mode != synctype.ModeSweep && opts.Mode != synctype.ModeCensus:
		return nil, fmt.Errorf("sync: PollerOptions.Mode %q: want incremental, sweep or census", opts.Mode)
	case opts.Floor <= 0 || opts.Ceiling < opts.Floor:
		return nil, fmt.Errorf("sync: poll floor %v and ceiling %v: want 0 < floor ≤ ceiling", opts.Floor, opts.Ceiling)
	case opts.PerHour <= 0:
		return nil, fmt.Errorf("sync: poll budget %v requests per hour: must be positive", opts.PerHour)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Poller{opts: opts, interval: opts.Floor}, nil
}

// Run waits first, then polls until ctx ends.
func (p *Poller) Run(ctx context.Context, first time.Duration) {
	wait := first
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		res, err := p.opts.Poll(ctx)
		if ctx.Err() != nil {
			return
		}
		w := p.next(res, err)
		if p.opts.Waited != nil {
			p.opts.Waited(w)
		}
		wait = w.For
		p.opts.Logger.Debug("next poll", "entity", res.Entity, "in", wait, "reason", w.String(), "changed", res.Inserted+res.Updated)
	}
}

// next adapts the interval to the poll just made and returns the wait
// before the next one: never less than its requests' part of the budget. A
// poll that fell back to a sweep is no poll to charge to the share: it waits
// as a poll would, unless the key's spare budget cannot afford its size.
// The rolling refresh of details the run made after its pages is charged to
// neither (RefreshRequests): it is a class of its own, which takes only
// what the key's budget leaves. Charged to the share it held the polls
// back: 400 releases read again daily at 6 requests are 100 of the
// share's 123.5 an hour (the default sandbox polled them every 175 s on
// average, past POLL_CEILING's 2m), and 8,000 are 2,000, each poll's
// refresh making the next wait longer.
func (p *Poller) next(res synctype.RunResult, err error) Wait {
	if err == nil && res.Inserted+res.Updated > 0 {
		p.interval = max(p.opts.Floor, p.interval/2)
	} else {
		p.interval = min(p.opts.Ceiling, p.interval*2)
	}
	w := Wait{For: p.interval, Reason: WaitAdaptive, Requests: res.Requests}
	charged := res.Requests - res.RefreshRequests
	if w.Fallback = p.opts.Fallback(res); w.Fallback != "" {
		w.Reason = WaitFallback
		if d := p.opts.spareWait(charged); d > w.For {
			w.For, w.Reason = d, WaitKeyBudget
		}
		return w
	}
	if d := p.opts.budgetWait(charged); d > w.For {
		w.For, w.Reason = d, WaitShare
	}
	return w
}

// Fallback says why a run of a polled entity was a sweep instead of a
// poll: "resumed" (it went on with a run a shutdown or a crash left),
// "filter_failed" (the API kept failing on the filter, see RunResult's
// Fallback) or "no_watermark" (nothing yet to poll from). It is "" when the
// run was a poll, or the Poller sweeps anyway.
func (o PollerOptions) Fallback(res synctype.RunResult) string {
	switch {
	case o.Mode != synctype.ModeIncremental || res.Mode == "":
		return "" // an adaptive sweep; or a run that never started
	case res.Resumed:
		return "resumed"
	case res.Fallback != "":
		return "filter_failed"
	case res.Mode != synctype.ModeIncremental:
		return "no_watermark"
	}
	return ""
}

// LongestWait is the longest a Poller with these options waits after a poll
// of that many requests: what the staleness alert measures against.
func (o PollerOptions) LongestWait(requests int64) time.Duration {
	return max(o.Ceiling, o.budgetWait(requests))
}

// budgetWait is the wait that keeps a poll of n requests within PerHour.
func (o PollerOptions) budgetWait(n int64) time.Duration {
	return time.Duration(float64(max(n, 1)) * float64(time.Hour) / o.PerHour)
}

// spareWait is the wait that keeps a sweep of n requests, made instead of a
// poll, within the key's spare budget.
func (o PollerOptions) spareWait(n int64) time.Duration {
	return time.Duration(float64(max(n, 1)) * float64(time.Hour) / max(o.Spare, o.PerHour))
}
