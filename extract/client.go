package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/redact"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"golang.org/x/oauth2"
)

// Client reads one product's API with one API key. It is safe for concurrent use; all
// jobs of a product should share one Client, so that they share its token and its budget.
type Client struct {
	cfg     Config
	api     *url.URL
	pacer   *pacer
	tokens  *tokenSource
	wire    *transport
	retry   retryPolicy
	logger  *slog.Logger
	secrets *redact.Secrets // the configured secrets (secretsNow adds the token)

	noSortOnly sync.Map // entity names whose search refused a sort without a condition
}

// New validates cfg, loads the budget history and returns a Client. It makes no request:
// the first token is obtained by the first call (use Me to check credentials early).
func New(ctx context.Context, cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	api, _ := url.Parse(strings.TrimRight(cfg.Endpoints.APIURL, "/"))
	logger := cfg.Logger.With("component", "extract", "product", string(cfg.Product))
	c := &Client{
		cfg: cfg, api: api, logger: logger,
		secrets: redact.NewSecrets(cfg.ClientSecret, cfg.Password),
	}
	c.retry = retryPolicy{
		attempts: cfg.MaxAttempts, base: cfg.RetryBase, ceiling: cfg.RetryMax,
		total: cfg.RetryTimeout, perAttempt: cfg.RequestTimeout,
		decodeRetries: 3, throttleAttempts: 10,
		onRetry: func(ctx context.Context, endpoint string) { cfg.Observer.Retry(ctx, cfg.Product, endpoint) },
	}
	c.pacer, err = newPacer(ctx, cfg.limit(), cfg.Window, cfg.HistoryBucket, cfg.Now, withLegacyKey(cfg.History, cfg.Product), BudgetKey(cfg.Product, cfg.ClientID), logger)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	c.pacer.waiting = func(until time.Time, used, limit int) { cfg.Observer.PacerWaiting(cfg.Product, until, used, limit) }
	c.pacer.kept = int(math.Ceil(cfg.ForegroundShare * float64(cfg.limit())))
	// Several pages in flight and the token request share the connections: keep enough
	// idle ones (the default keeps 2 per host and would redial on every page).
	dt := http.DefaultTransport.(*http.Transport).Clone()
	dt.MaxIdleConnsPerHost = cfg.PagesInFlight + 4
	c.wire = &transport{
		base: dt, pacer: c.pacer, product: cfg.Product, obs: cfg.Observer, now: cfg.Now,
		backoff: func(n int) time.Duration { return backoff(cfg.RetryBase*4, cfg.RetryMax, n) },
		maxHold: cfg.MaxRetryAfter,
	}
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		c.wire.base = cfg.HTTPClient.Transport
	}
	c.tokens = &tokenSource{
		conf: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: cfg.Endpoints.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		},
		username: cfg.Username, password: cfg.Password,
		wire: c.wire, now: cfg.Now, renewBefore: cfg.RenewBefore, retry: c.retry, logger: logger,
		onRenew: func(ctx context.Context) { cfg.Observer.TokenRenewed(ctx, cfg.Product) },
	}
	return c, nil
}

// Close writes the pending request counts to the budget history. The Client must not be
// used afterwards.
func (c *Client) Close() { c.pacer.close() }

// Product returns the product the Client reads.
func (c *Client) Product() synctype.Product { return c.cfg.Product }

// BudgetUsed returns the requests counted in the window ending at now (in-flight ones
// and those loaded from the history included) and the most the pacer admits per window.
func (c *Client) BudgetUsed(now time.Time) (used, limit int) {
	return c.pacer.used(now), c.cfg.limit()
}

// Refusal returns the token endpoint's refusal of the credentials while it
// lasts (from a refused grant until one succeeds), and whether there is
// one. No token request is made before its Retry.
func (c *Client) Refusal() (Refusal, bool) { return c.tokens.currentRefusal() }

// Me returns the e-mail of the API user: a cheap call that checks the credentials, the
// token and the IP whitelist.
func (c *Client) Me(ctx context.Context) (string, error) {
	var me string
	err := c.do(ctx, request{method: "GET", path: "/me", page: -1}, func(body []byte) error {
		return json.Unmarshal(body, &me)
	})
	if err != nil {
		return "", fmt.Errorf("get /me: %w", err)
	}
	return me, nil
}

// Exists asks the API whether the record of entity e with id exists: GET
// {detail path}/{id} answers it (true) or 404 or 410 (false). Any other
// answer is an error. A census confirms a deletion with it before marking
// a row deleted. The request counts against the budget like any other. For
// an entity the API does not serve one by one (the reference data) it
// returns synctype.ErrNoDetail and sends nothing.
func (c *Client) Exists(ctx context.Context, e synctype.Entity, id string) (bool, error) {
	rec, err := c.record(ctx, e, id) // its sub-resources say nothing of whether it exists
	return rec != nil, err
}

// request is one API call.
type request struct {
	method string
	path   string // with the query
	route  string // the path's pattern ("/changes/{id}") when it holds an id: metrics and messages name it, not the id
	body   []byte // JSON, for POST
	page   int    // -1 when not paged
}

func (r request) endpoint() string {
	if r.route != "" {
		return r.method + " " + r.route
	}
	p, _, _ := strings.Cut(r.path, "?")
	return r.method + " " + p
}

// do sends r until it succeeds and decode accepts the body, or a permanent error, or
// the retry bounds are reached. The retry deadline (RetryTimeout) bounds the waits for
// 429s too: a request whose next attempt the key's 429 hold puts past it gives up.
func (c *Client) do(ctx context.Context, r request, decode func([]byte) error) error {
	deadline := c.cfg.Now().Add(c.retry.total)
	var a attempts
	for {
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return err
		}
		status, body, marked, err := c.send(ctx, r, tok)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		throttles := a.throttles
		fault, again, err := c.judge(ctx, r, tok, status, body, err, decode, &a)
		switch {
		case err != nil || fault == nil && !again:
			if err == nil { // a data answer, decoded: the run counts its sandbox marker
				c.cfg.Observer.DataAnswer(ctx, c.cfg.Product, marked)
			}
			return err // nil: done
		case again && a.throttles > throttles:
			if until := c.pacer.heldUntil(); until.After(deadline) {
				return &giveUpError{kind: ErrThrottled, endpoint: r.endpoint(), attempts: a.failures + a.throttles,
					last: fmt.Errorf("HTTP 429: the key is held until %s, past the request's retry deadline %s (RetryTimeout %v)",
						until.UTC().Format(time.RFC3339), deadline.UTC().Format(time.RFC3339), c.retry.total)}
			}
			continue // the pacer holds for the Retry-After
		case again:
			continue // a replay after a 401
		}
		a.failures++
		d := c.retry.wait(a.failures)
		if a.failures >= c.retry.attempts || c.cfg.Now().Add(d).After(deadline) {
			return &giveUpError{kind: ErrServer, endpoint: r.endpoint(), attempts: a.failures + a.throttles, last: fault}
		}
		c.logger.Debug("retrying", "endpoint", r.endpoint(), "page", r.page, "attempt", a.failures, "wait", d, "fault", fault)
		c.retry.onRetry(ctx, r.endpoint())
		if err := sleepCtx(ctx, d); err != nil {
			return err
		}
	}
}

// attempts is the retry state of one request.
type attempts struct {
	failures, throttles, decodeFails int
	replayed                         bool
}

// judge classifies the outcome of one attempt: done (all nil), a transient fault to retry
// after a backoff, again at once (after a 401 or a 429), or a permanent error.
func (c *Client) judge(ctx context.Context, r request, tok string, status int, body []byte, err error, decode func([]byte) error, a *attempts) (fault error, again bool, _ error) {
	var bad *BadResponseError
	var redir *RedirectError
	switch {
	case errors.As(err, &bad), errors.As(err, &redir):
		return nil, false, err
	case err != nil:
		return err, false, nil
	case status >= 200 && status < 300:
		derr := decode(body)
		if derr == nil {
			return nil, false, nil
		}
		if a.decodeFails++; a.decodeFails > c.retry.decodeRetries {
			return nil, false, &BadResponseError{Endpoint: r.endpoint(), Page: r.page, Status: status, Reason: c.redact(derr.Error())}
		}
		return fmt.Errorf("undecodable answer: %s", c.redact(derr.Error())), false, nil
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if a.replayed {
			return nil, false, &AccessDeniedError{Host: c.api.Host, Endpoint: r.endpoint(), Status: status}
		}
		a.replayed = true
		c.tokens.invalidate(tok)
		c.logger.Info("token refused; renewing it and replaying once", "endpoint", r.endpoint(), "status", status)
		return nil, true, nil
	case status == http.StatusTooManyRequests:
		if a.throttles++; a.throttles > c.retry.throttleAttempts {
			return nil, false, &giveUpError{kind: ErrThrottled, endpoint: r.endpoint(), attempts: a.failures + a.throttles, last: errors.New("HTTP 429")}
		}
		c.logger.Info("throttled (429); waiting as the server asks", "endpoint", r.endpoint())
		c.retry.onRetry(ctx, r.endpoint())
		return nil, true, nil
	case status >= 500:
		return fmt.Errorf("HTTP %d: %s", status, c.snippet(body)), false, nil
	}
	return nil, false, &BadResponseError{Endpoint: r.endpoint(), Page: r.page, Status: status, Reason: "unexpected status: " + c.snippet(body)}
}

// send makes one attempt and reads the whole body (size-limited); marked says whether the
// answer carried the sandbox's marker (synctype.SandboxHeader). The wait for the budget
// comes before the attempt's timeout starts.
func (c *Client) send(ctx context.Context, r request, tok string) (int, []byte, bool, error) {
	hc, done, err := c.wire.exchange(ctx, r.endpoint())
	if err != nil {
		return 0, nil, false, err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, c.retry.perAttempt)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.api.String()+r.path, body)
	if err != nil {
		return 0, nil, false, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds no secret, but is already named by the caller
		}
		return 0, nil, false, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= c.cfg.MaxBodyBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, c.cfg.MaxBodyBytes+1))
	data := buf.Bytes()
	if err != nil {
		return resp.StatusCode, nil, false, fmt.Errorf("read body: %w", err)
	}
	if int64(len(data)) > c.cfg.MaxBodyBytes {
		size := fmt.Sprintf("more than %d bytes", c.cfg.MaxBodyBytes)
		if resp.ContentLength > 0 {
			size = fmt.Sprintf("%d bytes", resp.ContentLength)
		}
		return resp.StatusCode, nil, false, &BadResponseError{Endpoint: r.endpoint(), Page: r.page, Status: resp.StatusCode,
			Reason: fmt.Sprintf("body of %s is over the limit of %d bytes: raise MAX_BODY_BYTES (MaxBodyBytes), "+
				"and the memory limit with it (docs/operations.md, \"Memory\")", size, c.cfg.MaxBodyBytes)}
	}
	return resp.StatusCode, data, resp.Header.Get(synctype.SandboxHeader) == "1", nil
}

// secretsNow are the configured secrets and the current token.
func (c *Client) secretsNow() *redact.Secrets {
	var tok string
	if c.tokens != nil {
		c.tokens.mu.Lock()
		tok = c.tokens.tok
		c.tokens.mu.Unlock()
	}
	if tok == "" {
		return c.secrets
	}
	return redact.NewSecrets(c.cfg.ClientSecret, c.cfg.Password, tok)
}

// redact removes the secrets, in every form (redact.Forms), from s.
func (c *Client) redact(s string) string { return c.secretsNow().Replace(s) }

// snippet is a body fit for an error message (redact.Secrets.ServerText).
func (c *Client) snippet(body []byte) string { return c.secretsNow().ServerText(string(body)) }
