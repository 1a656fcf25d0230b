package extract

import (
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Observer receives what metrics need. Implementations must be safe for concurrent use
// and fast (they are called on the request path).
type Observer interface {
	// Request is called once per HTTP request; status 0 means a transport error.
	Request(product synctype.Product, endpoint string, status int, d time.Duration)
	// PacerWait is called when a request waited for the budget.
	PacerWait(product synctype.Product, d time.Duration)
	// PacerWaiting is called when a request starts to wait for the budget's
	// window (again, when a wait is recomputed): it may go at until; used is
	// the requests counted in the rolling window, of limit. A wait for a
	// request in flight to complete has no known end and is not announced.
	PacerWaiting(product synctype.Product, until time.Time, used, limit int)
	TokenRenewed(product synctype.Product)
	Retry(product synctype.Product, endpoint string)
	Throttled(product synctype.Product)
}

type nopObserver struct{}

func (nopObserver) Request(synctype.Product, string, int, time.Duration) {}
func (nopObserver) PacerWait(synctype.Product, time.Duration)            {}
func (nopObserver) PacerWaiting(synctype.Product, time.Time, int, int)   {}
func (nopObserver) TokenRenewed(synctype.Product)                        {}
func (nopObserver) Retry(synctype.Product, string)                       {}
func (nopObserver) Throttled(synctype.Product)                           {}
