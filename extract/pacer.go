package extract

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
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
	// waiting, when set, is told each time a request starts to wait for the
	// budget: until when, and the requests the window holds of its limit.
	waiting func(until time.Time, used, limit int)
	// kept is how many of the limit's slots a background request
	// (synctype.WithBackground) leaves to the others: it is admitted only
	// while the window holds fewer than limit − kept requests.
	kept int

	mu        sync.Mutex
	stamps    []time.Time // completed requests, ascending
	inflight  int
	holdUntil time.Time     // 429 back-off: nothing is admitted before it
	wake      chan struct{} // closed (and replaced) when a request completes
	pending   map[time.Time]int
	lastUse   time.Time         // of the log; after an idle bucket the history is read again
	known     map[time.Time]int // requests per history bucket the log holds (own and loaded)

	reloadMu sync.Mutex // one history reload at a time
	// flushing holds a token while a history write runs, one at a time: a
	// channel rather than a Mutex, so that synctest sees its waiters blocked.
	flushing chan struct{}

	flush chan struct{}
	done  chan struct{}
	wg    sync.WaitGroup
}

func newPacer(ctx context.Context, limit int, window, bucket time.Duration, now func() time.Time,
	hist BudgetHistory, key string, logger *slog.Logger) (*pacer, error) {
	p := &pacer{
		limit: limit, window: window, bucket: bucket, now: now, hist: hist, key: key, logger: logger,
		wake: make(chan struct{}), pending: map[time.Time]int{}, known: map[time.Time]int{},
		flush: make(chan struct{}, 1), done: make(chan struct{}), flushing: make(chan struct{}, 1),
	}
	if hist == nil {
		return p, nil
	}
	if err := p.reload(ctx); err != nil {
		return nil, err
	}
	p.wg.Add(1)
	go p.writer()
	return p, nil
}

// acquire waits until a request may be sent and admits it. The returned release must be
// called exactly once, when the request has completed (response body closed or error).
// A background request (synctype.WithBackground) waits while the window holds more than
// limit − kept: the slots kept are the foreground's.
func (p *pacer) acquire(ctx context.Context) (release func(), waited time.Duration, err error) {
	start := p.now()
	limit := p.limit
	if synctype.IsBackground(ctx) {
		limit = max(1, p.limit-p.kept)
	}
	p.reloadIfIdle(ctx, start)
	for {
		p.mu.Lock()
		now := p.now()
		p.prune(now)
		var wait time.Duration
		over := len(p.stamps) + p.inflight - limit // slots to free before one is admitted, minus one
		switch {
		case now.Before(p.holdUntil):
			wait = p.holdUntil.Sub(now)
		case over < 0:
			b, near := p.admitLocked(now)
			p.mu.Unlock()
			return p.counted(b, near), p.now().Sub(start), nil
		case over < len(p.stamps):
			wait = p.stamps[over].Add(p.window).Sub(now) + time.Nanosecond
		default:
			wait = -1 // only in-flight requests hold the slots: wait for one to complete
		}
		wake := p.wake
		used := len(p.stamps) + p.inflight
		p.mu.Unlock()
		if wait > 0 && p.waiting != nil {
			p.waiting(now.Add(wait), used, p.limit)
		}
		if err := sleepOrWake(ctx, wait, wake); err != nil {
			return nil, p.now().Sub(start), err
		}
	}
}

// reloadIfIdle reads the history again after an idle bucket: another process (a
// replica that held the key before) may have used the budget while this one was idle.
func (p *pacer) reloadIfIdle(ctx context.Context, now time.Time) {
	if p.hist == nil || !p.idle(now) {
		return
	}
	if err := p.reload(ctx); err != nil {
		p.logger.Warn("budget history unreadable; pacing on what this process knows", "key", p.key, "err", err)
	}
}

// admitLocked admits a request at now, with p.mu held: it occupies a slot, and
// is counted in its history bucket b at admission, not at completion (a worker
// killed mid-request must not forget the requests it had sent). near: the
// window is within the sync margin of the limit.
func (p *pacer) admitLocked(now time.Time) (b time.Time, near bool) {
	p.inflight++
	p.lastUse = now
	b = now.UTC().Truncate(p.bucket) // UTC: map keys compare locations too
	if p.hist != nil {
		p.pending[b]++
		p.known[b]++
		near = len(p.stamps)+p.inflight > p.limit-p.syncMargin()
	}
	return b, near
}

// counted has the admitted request's count written, and returns its release.
// Close to the limit (near), the count is written before the request goes: a
// worker killed between the two would otherwise restart short of the requests
// it sent, and could pass the limit by them.
func (p *pacer) counted(b time.Time, near bool) (release func()) {
	if near {
		p.flushPending()
	} else {
		p.signalFlush()
	}
	var once sync.Once
	return func() { once.Do(func() { p.complete(b) }) }
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

// idle reports whether no request was admitted or completed for more than a bucket.
func (p *pacer) idle(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inflight == 0 && now.Sub(p.lastUse) > p.bucket
}

// reload reads the history of the window and adds the requests it holds beyond those in
// the log (made by other processes), stamped at the end of their bucket.
func (p *pacer) reload(ctx context.Context) error {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	t := p.now()
	counts, err := p.hist.Recent(ctx, p.key, t.Add(-p.window-p.bucket))
	if err != nil {
		return fmt.Errorf("load budget history of %s: %w", p.key, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for b := range p.known {
		if b.Add(p.bucket + p.window).Before(t) {
			delete(p.known, b)
		}
	}
	for _, mc := range counts {
		b := mc.Minute.UTC().Truncate(p.bucket)
		end := b.Add(p.bucket) // the conservative stamp: the end of its bucket
		if end.Add(p.window).Before(t) {
			continue
		}
		for range mc.Count - p.known[b] {
			p.stamps = append(p.stamps, end)
			p.known[b]++
		}
	}
	slices.SortFunc(p.stamps, func(a, b time.Time) int { return a.Compare(b) })
	p.lastUse = t
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

// complete turns one in-flight request, admitted in history bucket admitted,
// into a stamp at the current time. A request that completes in a later
// bucket moves its count there: a restarted pacer stamps a bucket's counts
// at the bucket's end, which must not come before the request's arrival.
func (p *pacer) complete(admitted time.Time) {
	p.mu.Lock()
	now := p.now()
	p.inflight--
	p.lastUse = now
	i, _ := slices.BinarySearchFunc(p.stamps, now, func(a, b time.Time) int { return a.Compare(b) })
	p.stamps = slices.Insert(p.stamps, i, now)
	moved := false
	if b := now.UTC().Truncate(p.bucket); p.hist != nil && b.After(admitted) {
		p.pending[admitted]--
		p.known[admitted]--
		p.pending[b]++
		p.known[b]++
		moved = true
	}
	close(p.wake)
	p.wake = make(chan struct{})
	p.mu.Unlock()
	if moved {
		p.signalFlush()
	}
}

// signalFlush wakes the history writer, if there is one.
func (p *pacer) signalFlush() {
	if p.hist == nil {
		return
	}
	select {
	case p.flush <- struct{}{}:
	default:
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

// heldUntil is the end of the current 429 hold (zero or past when none).
func (p *pacer) heldUntil() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.holdUntil
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

// syncMargin is how close to the limit (in requests in the window) the
// pacer writes each admission to the history before the request goes: the
// last 5% of the limit.
func (p *pacer) syncMargin() int { return max(1, p.limit/20) }

// flushPending writes the pending counts. When it returns, every count that
// was pending when it was called is written (or, the write having failed,
// pending again): one write at a time makes a caller wait for a write in
// progress that took its count.
func (p *pacer) flushPending() {
	p.flushing <- struct{}{}
	defer func() { <-p.flushing }()
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
