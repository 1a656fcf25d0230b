package extract

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// transport sends a product's HTTP requests, API and token requests alike: each one is
// admitted by the pacer, reported to the Observer once, and a 429 answer holds the
// pacer for every request of the product.
type transport struct {
	base    http.RoundTripper
	pacer   *pacer
	product synctype.Product
	obs     Observer
	now     func() time.Time
	backoff func(n int) time.Duration // hold after the n-th 429 in a row without Retry-After
	maxHold time.Duration             // cap on a Retry-After

	mu      sync.Mutex
	run429s int
}

// exchange waits for the budget and returns an HTTP client for one request to endpoint,
// and done, to call once the answer is read or the attempt given up (a request admitted
// but never sent still counts: the history has it already). Waiting comes before the
// caller starts the attempt's timeout. The client follows no redirect (RedirectError):
// the API does not redirect, and a redirect followed would carry the token or the
// client secret and password to wherever it points.
func (t *transport) exchange(ctx context.Context, endpoint string) (*http.Client, func(), error) {
	release, err := t.admit(ctx)
	if err != nil {
		return nil, nil, err
	}
	hc := &http.Client{
		Transport: metered{t, endpoint},
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			e := &RedirectError{Endpoint: endpoint, To: hop(req.URL)}
			if req.Response != nil {
				e.Status = req.Response.StatusCode
			}
			return e
		},
	}
	return hc, release, nil
}

// hop is where a redirect points, without user info, query or fragment (which may
// hold anything the server chose to echo).
func hop(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return v.String()
}

// admit waits for a pacer slot and reports the wait.
func (t *transport) admit(ctx context.Context) (release func(), _ error) {
	release, waited, err := t.pacer.acquire(ctx)
	if err != nil {
		return nil, err
	}
	if waited > 0 {
		t.obs.PacerWait(t.product, waited)
	}
	return release, nil
}

// metered carries the requests of one exchange: it reports each one under endpoint, and
// turns a 429 into a hold of the pacer. Admission is the exchange's.
type metered struct {
	t        *transport
	endpoint string
}

func (m metered) RoundTrip(req *http.Request) (*http.Response, error) {
	t, ctx := m.t, req.Context()
	start := t.now()
	resp, err := t.base.RoundTrip(unreplayable(req))
	if err != nil {
		t.obs.Request(ctx, t.product, m.endpoint, 0, t.now().Sub(start))
		return nil, err
	}
	t.obs.Request(ctx, t.product, m.endpoint, resp.StatusCode, t.now().Sub(start))
	t.throttle(ctx, resp)
	return resp, nil
}

// throttle holds the pacer after a 429 for its Retry-After (at most maxHold), or for a
// growing backoff when it has none or a negative one; any other answer ends a run of 429s.
func (t *transport) throttle(ctx context.Context, resp *http.Response) {
	t.mu.Lock()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.run429s = 0
		t.mu.Unlock()
		return
	}
	t.run429s++
	n := t.run429s
	t.mu.Unlock()
	t.obs.Throttled(ctx, t.product)
	d, ok := retryAfter(resp.Header.Get("Retry-After"), t.now())
	if !ok {
		d = t.backoff(n)
	}
	d = min(d, t.maxHold)
	t.pacer.hold(t.now().Add(d))
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
