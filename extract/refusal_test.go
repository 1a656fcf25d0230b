package extract_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestWrongSecretBacksOff: with a wrong client secret, calls every 5 s of a
// fake clock for 10 minutes cost a handful of token requests, counted on
// the sandbox's token endpoint (the wait after each refusal doubles from a
// minute: grants at 0, 1, 3 and 7 minutes), not one per call. Once the
// sandbox accepts the secret, the next attempt gets a token and the refusal
// is gone.
func TestWrongSecretBacksOff(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{})
	clk := workertest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	cfg := configFor(s.Plutora)
	cfg.ClientID, cfg.ClientSecret = "rotated-key", "a-wrong-secret"
	cfg.Now = clk.Now
	c := newClient(t, cfg)
	tokenRequests := func() int {
		n := 0
		for _, r := range s.Plutora.RequestLog() {
			if r.Path == "/oauth/token" {
				n++
			}
		}
		return n
	}

	start := clk.Now()
	var last error
	for clk.Now().Sub(start) < 10*time.Minute {
		_, err := c.Me(t.Context())
		if !errors.Is(err, extract.ErrInvalidCredentials) {
			t.Fatalf("at +%v: %v, want invalid credentials", clk.Now().Sub(start), err)
		}
		last = err
		clk.Advance(5 * time.Second)
	}
	if n := tokenRequests(); n < 2 || n > 5 {
		t.Errorf("%d token requests in 10 minutes, want 2 to 5", n)
	}
	r, ok := c.Refusal()
	if !ok || r.Count != 4 || r.Code != "invalid_client" || !r.Since.Equal(start) || !r.Retry.Equal(start.Add(15*time.Minute)) {
		t.Errorf("refusal %+v (%v), want 4 refusals of invalid_client since %v, next at +15m", r, ok, start)
	}
	var refusedErr *extract.RefusedError
	if !errors.As(last, &refusedErr) || !strings.Contains(last.Error(), "next attempt at 2025-06-01T12:15:00Z") {
		t.Errorf("the error between attempts: %v", last)
	}

	// The key is fixed on the server's side: the next attempt succeeds.
	good := s.Plutora.Credentials()
	s.Plutora.AddKey(plutoratest.Credentials{ClientID: "rotated-key", ClientSecret: "a-wrong-secret", Username: good.Username, Password: good.Password})
	before := tokenRequests()
	if _, err := c.Me(t.Context()); !errors.As(err, &refusedErr) {
		t.Fatalf("before the next attempt: %v, want a RefusedError", err)
	}
	clk.Set(r.Retry)
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatalf("at the next attempt, with the key accepted: %v", err)
	}
	if _, ok := c.Refusal(); ok {
		t.Error("the refusal outlived a token")
	}
	if _, _, err := collect(t, c, mustEntity(t, "hosts"), synctype.Query{}); err != nil {
		t.Fatalf("sweep after the fix: %v", err)
	}
	if n := tokenRequests() - before; n != 1 {
		t.Errorf("%d token requests after the fix, want 1", n)
	}
}

// TestTokenEndpointStatusesAreRefusals: an HTTP 400 without a known code
// and a 401 from the token endpoint are refusals too (backed off), while a
// 5xx is retried as a fault.
func TestTokenEndpointStatusesAreRefusals(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{TokenEcho: func(string) (string, string) { return "", "no" }})
	clk := workertest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	cfg := configFor(s.Plutora)
	cfg.Now = clk.Now
	c := newClient(t, cfg)
	for range 3 {
		if _, err := c.Me(t.Context()); !errors.Is(err, extract.ErrInvalidCredentials) {
			t.Fatalf("HTTP 400 without a code: %v", err)
		}
	}
	if r, ok := c.Refusal(); !ok || r.Count != 1 || r.Code != "(no error code)" {
		t.Errorf("refusal %+v (%v), want one, of HTTP 400", r, ok)
	}

	w := newSandbox(t, plutoratest.Options{WhitelistTokenEndpoint: true})
	w.Plutora.SetWhitelist("10.0.0.0/8")
	cfg = configFor(w.Plutora)
	cfg.Now = clk.Now
	c = newClient(t, cfg)
	for range 3 {
		if _, err := c.Me(t.Context()); !errors.Is(err, extract.ErrAccessDenied) {
			t.Fatalf("a token endpoint that denies access: %v", err)
		}
	}
	if r, ok := c.Refusal(); !ok || r.Count != 1 || !strings.HasPrefix(r.Code, "HTTP 40") {
		t.Errorf("refusal %+v (%v), want one, of HTTP 401 or 403", r, ok)
	}
}
