package daemon

import (
	"context"
	"log/slog"
	gosync "sync"
	"time"
)

const (
	// readyEvery is how long a readiness answer is reused: a flood of
	// probes costs at most one database ping per interval.
	readyEvery = 3 * time.Second
	// readyTimeout bounds one ping.
	readyTimeout = 5 * time.Second
)

// readyCheck is /readyz's check: it runs check at most once per interval
// and reuses its result in between, and logs the real error once per change
// of state (the HTTP answer never carries it).
type readyCheck struct {
	check  func(context.Context) error
	every  time.Duration
	now    func() time.Time
	logger *slog.Logger

	mu      gosync.Mutex
	checked bool
	at      time.Time
	err     error
}

func newReadyCheck(check func(context.Context) error, every time.Duration, now func() time.Time, logger *slog.Logger) *readyCheck {
	return &readyCheck{check: check, every: every, now: now, logger: logger}
}

// Ready returns the last result if it is younger than the interval, else
// checks again. Concurrent callers wait for the one check in progress. The
// check does not end with the caller's request: a probe that hangs up must
// not be cached as a failure.
func (c *readyCheck) Ready(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.now(); c.checked && t.Sub(c.at) < c.every && !t.Before(c.at) {
		return c.err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	err := c.check(cctx)
	cancel()
	switch {
	case err != nil && (!c.checked || c.err == nil):
		c.logger.Warn("not ready: database unavailable", "error", err)
	case err == nil && c.checked && c.err != nil:
		c.logger.Info("ready: database available again")
	}
	c.checked, c.at, c.err = true, c.now(), err
	return err
}
