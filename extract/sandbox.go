package extract

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Sandbox asks the API whether it is the sandbox (extract/plutoratest), which
// marks every answer with synctype.SandboxHeader; Plutora never does, and a
// URL proves nothing (a loopback address may be a proxy to a real site). It
// sends GET /me without credentials (Plutora answers 401: no token needed),
// admitted by the pacer and counted like any request, and retries a failed
// attempt as the client's other requests do.
func (c *Client) Sandbox(ctx context.Context) (bool, error) {
	var last error
	for attempt := 1; attempt <= c.retry.attempts; attempt++ {
		sandbox, err := c.askSandbox(ctx)
		if err == nil {
			return sandbox, nil
		}
		last = err
		if ctx.Err() != nil || attempt == c.retry.attempts {
			break
		}
		c.retry.onRetry(ctx, "GET /me")
		if err := sleepCtx(ctx, c.retry.wait(attempt)); err != nil {
			return false, err
		}
	}
	return false, fmt.Errorf("ask %s whether it is the sandbox: %w", c.cfg.Endpoints.APIURL, last)
}

// askSandbox makes one attempt of Sandbox.
func (c *Client) askSandbox(ctx context.Context) (bool, error) {
	hc, done, err := c.wire.exchange(ctx, "GET /me")
	if err != nil {
		return false, err
	}
	defer done()
	actx, cancel := context.WithTimeout(ctx, min(c.retry.perAttempt, 30*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, c.api.String()+"/me", nil)
	if err != nil {
		return false, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.Header.Get(synctype.SandboxHeader) == "1", nil
}
