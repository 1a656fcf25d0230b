package extract

import "time"

// Observer receives what metrics need. Implementations must be safe for concurrent use
// and fast (they are called on the request path).
type Observer interface {
	// Request is called once per HTTP request; status 0 means a transport error.
	Request(product Product, endpoint string, status int, d time.Duration)
	// PacerWait is called when a request waited for the budget.
	PacerWait(product Product, d time.Duration)
	TokenRenewed(product Product)
	Retry(product Product, endpoint string)
	Throttled(product Product)
}

type nopObserver struct{}

func (nopObserver) Request(Product, string, int, time.Duration) {}
func (nopObserver) PacerWait(Product, time.Duration)            {}
func (nopObserver) TokenRenewed(Product)                        {}
func (nopObserver) Retry(Product, string)                       {}
func (nopObserver) Throttled(Product)                           {}
