package extract

import (
	"context"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Observer is the client's one instrumentation path: the client reports each
// request, and each thing that came of one, to it once, and keeps no counts
// of its own. An implementation counts what it is told in the
// synctype.Tally the context carries (synctype.TallyFrom: a run's own
// requests, and its check of the sandbox marker, rest on it) and in whatever
// else it keeps: sync.Metrics feeds the metrics from the same calls.
// Implementations must be safe for concurrent use and fast (they are called
// on the request path).
type Observer interface {
	// Request is called once per HTTP request sent, token requests
	// included, when its answer (or failure) is in; status 0 means a
	// transport error.
	Request(ctx context.Context, product synctype.Product, endpoint string, status int, d time.Duration)
	// DataAnswer is called once per data answer decoded (a 2xx to an API
	// request, not a token answer): marked says whether it carried the
	// sandbox marker (synctype.SandboxHeader).
	DataAnswer(ctx context.Context, product synctype.Product, marked bool)
	TokenRenewed(ctx context.Context, product synctype.Product)
	Retry(ctx context.Context, product synctype.Product, endpoint string)
	Throttled(ctx context.Context, product synctype.Product)
	// PacerWait is called when a request waited for the budget.
	PacerWait(product synctype.Product, d time.Duration)
	// PacerWaiting is called when a request starts to wait for the budget's
	// window (again, when a wait is recomputed): it may go at until; used is
	// the requests counted in the rolling window, of limit. A wait for a
	// request in flight to complete has no known end and is not announced.
	PacerWaiting(product synctype.Product, until time.Time, used, limit int)
}

// TallyObserver is the Observer of a client given none: it counts in the
// context's synctype.Tally only (no metrics).
type TallyObserver struct{}

// Request counts one request in ctx's Tally.
func (TallyObserver) Request(ctx context.Context, _ synctype.Product, _ string, _ int, _ time.Duration) {
	synctype.TallyFrom(ctx).Request()
}

// DataAnswer counts one data answer and its marker in ctx's Tally.
func (TallyObserver) DataAnswer(ctx context.Context, _ synctype.Product, marked bool) {
	synctype.TallyFrom(ctx).Marker(marked)
}

// TokenRenewed counts one token obtained in ctx's Tally.
func (TallyObserver) TokenRenewed(ctx context.Context, _ synctype.Product) {
	synctype.TallyFrom(ctx).Renewal()
}

// Retry counts one repeated attempt in ctx's Tally.
func (TallyObserver) Retry(ctx context.Context, _ synctype.Product, _ string) {
	synctype.TallyFrom(ctx).Retry()
}

// Throttled counts one 429 answer in ctx's Tally.
func (TallyObserver) Throttled(ctx context.Context, _ synctype.Product) {
	synctype.TallyFrom(ctx).Throttle()
}

// PacerWait does nothing: a run does not count its waits.
func (TallyObserver) PacerWait(synctype.Product, time.Duration) {}

// PacerWaiting does nothing.
func (TallyObserver) PacerWaiting(synctype.Product, time.Time, int, int) {}
