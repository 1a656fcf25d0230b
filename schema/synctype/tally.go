package synctype

import (
	"context"
	"sync/atomic"
)

// Tally counts what an API client did on behalf of one caller: the requests
// made under a context carrying it (WithTally), token requests included, and
// their 429s, retries and token renewals. A run puts its own Tally in its
// context, so that runs side by side on one key never count each other's
// requests. Like net/http/httptrace, it travels in the context so that every
// call a run makes (pages, detail fetches, existence checks) is counted
// without each signature growing a counter. The client's observer
// (extract.Observer) is what counts in it, once per request. Safe for
// concurrent use; a nil *Tally counts nothing.
type Tally struct {
	requests, throttled, retries, renewals atomic.Int64
	marked, unmarked                       atomic.Int64
}

type tallyKey struct{}

// WithTally returns ctx carrying t: the requests made under it count in t.
func WithTally(ctx context.Context, t *Tally) context.Context {
	return context.WithValue(ctx, tallyKey{}, t)
}

// TallyFrom returns the Tally ctx carries, or nil.
func TallyFrom(ctx context.Context) *Tally {
	t, _ := ctx.Value(tallyKey{}).(*Tally)
	return t
}

// Request counts one HTTP request sent.
func (t *Tally) Request() {
	if t != nil {
		t.requests.Add(1)
	}
}

// Throttle counts one 429 answer.
func (t *Tally) Throttle() {
	if t != nil {
		t.throttled.Add(1)
	}
}

// Retry counts one repeated attempt.
func (t *Tally) Retry() {
	if t != nil {
		t.retries.Add(1)
	}
}

// Renewal counts one token obtained.
func (t *Tally) Renewal() {
	if t != nil {
		t.renewals.Add(1)
	}
}

// Marker counts one data answer of the API (a 2xx to an API request, not
// a token answer) that carried the sandbox marker (SandboxHeader: 1) or
// not. A run is the sandbox's only if every one of its data answers did.
func (t *Tally) Marker(marked bool) {
	if t == nil {
		return
	}
	if marked {
		t.marked.Add(1)
	} else {
		t.unmarked.Add(1)
	}
}

// Stats returns the counts so far.
func (t *Tally) Stats() SourceStats {
	if t == nil {
		return SourceStats{}
	}
	return SourceStats{Requests: t.requests.Load(), Throttled: t.throttled.Load(),
		Retries: t.retries.Load(), TokenRenewals: t.renewals.Load(),
		SandboxMarked: t.marked.Load(), SandboxUnmarked: t.unmarked.Load()}
}
