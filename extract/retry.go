package extract

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff returns the wait before attempt n+1 (n ≥ 1): exponential from base, capped,
// with "equal jitter" (half fixed, half random) so retries of many requests spread out.
func backoff(base, ceiling time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	half := d / 2
	return half + rand.N(half+1)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryPolicy bounds the retries of one request.
type retryPolicy struct {
	attempts         int
	base, ceiling    time.Duration
	total            time.Duration // all attempts and waits of one request
	perAttempt       time.Duration
	onRetry          func(ctx context.Context, endpoint string)
	decodeRetries    int // 200 answers that fail to decode, retried this many times
	throttleAttempts int // 429 answers tolerated per request
}

// wait is the backoff before attempt n+1.
func (r retryPolicy) wait(n int) time.Duration { return backoff(r.base, r.ceiling, n) }
