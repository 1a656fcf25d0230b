package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// PollerOptions configure a Poller.
type PollerOptions struct {
	// Floor and Ceiling bound the interval between polls: it halves after a
	// poll that brought changes, down to Floor, and doubles after a quiet
	// one, up to Ceiling.
	Floor, Ceiling time.Duration
	// PerHour is the requests per hour this entity's runs may spend (its
	// part of the key's poll or sweep share of the budget): a run of n
	// requests is followed by a wait of at least n × hour / PerHour.
	PerHour float64
	// Poll runs one incremental run (or sweep).
	Poll   func(ctx context.Context) (synctype.RunResult, error)
	Logger *slog.Logger
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
		wait = p.next(res, err)
		p.opts.Logger.Debug("next poll", "entity", res.Entity, "in", wait, "changed", res.Inserted+res.Updated)
	}
}

// next adapts the interval to the poll just made and returns the wait
// before the next one: never less than its requests' part of the budget.
func (p *Poller) next(res synctype.RunResult, err error) time.Duration {
	if err == nil && res.Inserted+res.Updated > 0 {
		p.interval = max(p.opts.Floor, p.interval/2)
	} else {
		p.interval = min(p.opts.Ceiling, p.interval*2)
	}
	return max(p.interval, p.opts.budgetWait(res.Requests))
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
