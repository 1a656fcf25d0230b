package statuspage

import (
	"context"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
)

// readTimeout bounds one read of the warehouse.
const readTimeout = 10 * time.Second

// snapshot is one read of the warehouse, or why it failed.
type snapshot struct {
	o    *load.Overview
	err  error
	at   time.Time     // when the read began
	took time.Duration // how long it took
}

// cache keeps one snapshot per run filter for a short while, so that a
// refresh storm costs one read: callers wait for the read in progress
// instead of starting their own. The filters come from closed lists (the
// entities and the run statuses), so the map stays small; stale entries are
// dropped at each read.
type cache struct {
	read  func(context.Context, load.RunFilter) (*load.Overview, error)
	every time.Duration
	now   func() time.Time

	mu    gosync.Mutex
	snaps map[load.RunFilter]snapshot
}

func newCache(read func(context.Context, load.RunFilter) (*load.Overview, error), every time.Duration, now func() time.Time) *cache {
	return &cache{read: read, every: every, now: now, snaps: map[load.RunFilter]snapshot{}}
}

// slowFactor stretches the interval after a slow read: a snapshot that
// took d to read serves for at least slowFactor × d, so that reading the
// warehouse never takes more than 1/slowFactor of the database's time, however
// large the warehouse and however many people refresh.
const slowFactor = 10

// fresh reports whether s may still serve at now.
func (c *cache) fresh(s snapshot, now time.Time) bool {
	return now.Sub(s.at) < max(c.every, slowFactor*s.took) && !now.Before(s.at)
}

// get returns the snapshot of f, read again when the last is older than the
// interval or slowFactor times its read (or from the future: a clock set
// back). The read does not end
// with the caller's request: a client that hangs up must not leave a failed
// snapshot for the others.
func (c *cache) get(ctx context.Context, f load.RunFilter) snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if s, ok := c.snaps[f]; ok && c.fresh(s, now) {
		return s
	}
	for k, s := range c.snaps {
		if !c.fresh(s, now) {
			delete(c.snaps, k)
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
	defer cancel()
	o, err := c.read(rctx, f)
	s := snapshot{o: o, err: err, at: now, took: c.now().Sub(now)}
	c.snaps[f] = s
	return s
}
