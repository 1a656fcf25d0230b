package extract

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// pacer is a strict sliding-window log: at most limit requests in any rolling window.
//
// The server counts a request at its arrival, which the client cannot see. So a request
// occupies a slot from the moment it is admitted (it counts as "now" while in flight) and,
// when it completes, is stamped with its completion time: it leaves the log at
// completion+window, never before arrival+window. History loaded at start is stamped at the
// end of its bucket, for the same reason.
type pacer struct {
	limit  int
	window time.Duration
	bucket time.Duration
	now    func() time.Time
	hist   BudgetHistory
	key    string
	logger *slog.Logger

	mu        sync.Mutex
	stamps    []time.Time // completed requests, ascending
	inflight  int
	holdUntil time.Time     // 429 back-off: nothing is admitted before it
	wake      chan struct{} // closed (and replaced) when a request completes
	pending   map[time.Time]int

	flush chan struct{}
	done  chan struct{}
	wg    sync.WaitGroup
}

func newPacer(ctx context.Context, limit int, window, bucket time.Duration, now func() time.Time,
	hist BudgetHistory, key string, logger *slog.Logger) (*pacer, error) {
	p := &pacer{
		limit: limit, window: window, bucket: bucket, now: now, hist: hist, key: key, logger: logger,
		wake: make(chan struct{}), pending: map[time.Time]int{},
		flush: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if hist == nil {
		return p, nil
	}
	t := now()
	counts, err := hist.Recent(ctx, key, t.Add(-window-bucket))
	if err != nil {
		return nil, fmt.Errorf("load budget history of %s: %w", key, err)
	}
	for _, mc := range counts {
		end := mc.Minute.Add(bucket) // the conservative stamp: the end of its bucket
		if !end.Add(window).Before(t) {
			for range mc.Count {
				p.stamps = append(p.stamps, end)
			}
		}
	}
	slices.SortFunc(p.stamps, func(a, b time.Time) int { return a.Compare(b) })
	p.wg.Add(1)
	go p.writer()
	return p, nil
}

// acquire waits until a request may be sent and admits it. The returned release must be
// called exactly once, when the request has completed (response body closed or error).
func (p *pacer) acquire(ctx context.Context) (release func(), waited time.Duration, err error) {
	start := p.now()
	for {
		p.mu.Lock()
		now := p.now()
		p.prune(now)
		var wait time.Duration
		over := len(p.stamps) + p.inflight - p.limit // slots to free before one is admitted, minus one
		switch {
		case now.Before(p.holdUntil):
			wait = p.holdUntil.Sub(now)
		case over < 0:
			p.inflight++
			p.mu.Unlock()
			var once sync.Once
			return func() { once.Do(p.complete) }, p.now().Sub(start), nil
		case over < len(p.stamps):
			wait = p.stamps[over].Add(p.window).Sub(now) + time.Nanosecond
		default:
			wait = -1 // only in-flight requests hold the slots: wait for one to complete
		}
		wake := p.wake
		p.mu.Unlock()
		if err := sleepOrWake(ctx, wait, wake); err != nil {
			return nil, p.now().Sub(start), err
		}
	}
}

func sleepOrWake(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer:
	case <-wake:
	}
	return nil
}

// prune drops the stamps that left the window. A stamp at exactly now−window still counts.
func (p *pacer) prune(now time.Time) {
	cut := now.Add(-p.window)
	i := 0
	for i < len(p.stamps) && p.stamps[i].Before(cut) {
		i++
	}
	if i > 0 {
		p.stamps = p.stamps[i:]
	}
}

// abandon frees the slot of an admitted request that was never sent.
func (p *pacer) abandon() {
	p.mu.Lock()
	p.inflight--
	close(p.wake)
	p.wake = make(chan struct{})
	p.mu.Unlock()
}

// complete turns one in-flight request into a stamp at the current time.
func (p *pacer) complete() {
	p.mu.Lock()
	now := p.now()
	p.inflight--
	i, _ := slices.BinarySearchFunc(p.stamps, now, func(a, b time.Time) int { return a.Compare(b) })
	p.stamps = slices.Insert(p.stamps, i, now)
	if p.hist != nil {
		p.pending[now.Truncate(p.bucket)]++
	}
	close(p.wake)
	p.wake = make(chan struct{})
	p.mu.Unlock()
	if p.hist != nil {
		select {
		case p.flush <- struct{}{}:
		default:
		}
	}
}

// hold admits nothing before until (a 429's Retry-After), capped at one window.
func (p *pacer) hold(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if lim := p.now().Add(p.window); until.After(lim) {
		until = lim
	}
	if until.After(p.holdUntil) {
		p.holdUntil = until
	}
}

// used returns the requests in the window ending at now, in-flight ones included.
func (p *pacer) used(now time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune(now)
	return len(p.stamps) + p.inflight
}

// writer writes the counts back to the history, batching whatever accumulated while the
// previous write was in progress.
func (p *pacer) writer() {
	defer p.wg.Done()
	for {
		select {
		case <-p.flush:
			p.flushPending()
		case <-p.done:
			p.flushPending()
			return
		}
	}
}

func (p *pacer) flushPending() {
	p.mu.Lock()
	batch := p.pending
	p.pending = map[time.Time]int{}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for at, n := range batch {
		if err := p.hist.Add(ctx, p.key, at, n); err != nil {
			p.logger.Warn("budget history write failed; will retry", "key", p.key, "err", err)
			p.mu.Lock()
			p.pending[at] += n
			p.mu.Unlock()
		}
	}
}

// close flushes the pending counts and stops the writer.
func (p *pacer) close() {
	if p.hist == nil {
		return
	}
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	p.wg.Wait()
}
