package extract

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// stats are the client's cumulative counters.
type stats struct {
	requests, throttled, retries, renewals atomic.Int64
}

type endpointKey struct{}

type slotKey struct{}

// slot is a pacer admission taken before a request's own timeout starts, so that waiting
// for the budget does not eat into the time allowed for the attempt.
type slot struct {
	release func()
	waited  time.Duration
	taken   atomic.Bool // by the transport (which then releases it) or by done
}

// preAdmit waits for the budget with ctx and returns a context carrying the admission for
// the next request made with it, and a done func to call when the attempt is over.
func preAdmit(ctx context.Context, p *pacer) (context.Context, func(), error) {
	release, waited, err := p.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	s := &slot{release: release, waited: waited}
	done := func() {
		if s.taken.CompareAndSwap(false, true) {
			p.abandon() // never sent
		}
	}
	return context.WithValue(ctx, slotKey{}, s), done, nil
}

// withEndpoint labels the requests made with ctx for the Observer.
func withEndpoint(ctx context.Context, endpoint string) context.Context {
	return context.WithValue(ctx, endpointKey{}, endpoint)
}

// pacedTransport admits every request through the pacer, counts it, reports it and
// turns 429 answers into a global hold of the pacer.
type pacedTransport struct {
	base    http.RoundTripper
	pacer   *pacer
	product synctype.Product
	obs     Observer
	stats   *stats
	now     func() time.Time
	backoff func(n int) time.Duration // hold after the n-th 429 in a row without Retry-After

	mu      sync.Mutex
	run429s int
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var release func()
	var waited time.Duration
	var err error
	if s, ok := req.Context().Value(slotKey{}).(*slot); ok && s.taken.CompareAndSwap(false, true) {
		release, waited = s.release, s.waited
	} else {
		release, waited, err = t.pacer.acquire(req.Context())
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if waited > 0 {
		t.obs.PacerWait(t.product, waited)
	}
	endpoint, _ := req.Context().Value(endpointKey{}).(string)
	if endpoint == "" {
		endpoint = req.URL.Path
	}
	t.stats.requests.Add(1)
	start := t.now()
	resp, err := t.base.RoundTrip(unreplayable(req))
	if err != nil {
		release()
		t.obs.Request(t.product, endpoint, 0, t.now().Sub(start))
		return nil, err
	}
	t.obs.Request(t.product, endpoint, resp.StatusCode, t.now().Sub(start))
	t.mu.Lock()
	if resp.StatusCode == http.StatusTooManyRequests {
		t.run429s++
		n := t.run429s
		t.mu.Unlock()
		t.stats.throttled.Add(1)
		t.obs.Throttled(t.product)
		d, ok := retryAfter(resp.Header.Get("Retry-After"), t.now())
		if !ok {
			d = t.backoff(n)
		}
		t.pacer.hold(t.now().Add(d))
	} else {
		t.run429s = 0
		t.mu.Unlock()
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releasingBody completes the pacer slot when the body is fully read or closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, 1<<31)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// unreplayable returns req (or a copy) such that the HTTP transport will not
// send it a second time by itself. net/http resends a GET when a reused
// keep-alive connection fails before the answer's first byte; the server has
// counted the first copy, the pacer has not, and under connection resets
// the budget would be overrun (the sandbox saw 21 requests where the pacer
// admitted 16). The transport resends only requests without a body or with
// GetBody: an empty body without GetBody stops it, and is sent as no body
// at all (net/http probes a GET's body and finds it empty). The client's own
// retry, admitted by the pacer, takes over.
//
// A request with a body is left alone: the client's are POSTs, which the
// transport resends only when marked idempotent, and it never marks them.
func unreplayable(req *http.Request) *http.Request {
	if req.Body != nil && req.Body != http.NoBody {
		return req
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(strings.NewReader(""))
	r.GetBody = nil
	return r
}
