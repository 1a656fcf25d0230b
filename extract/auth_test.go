package extract_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		ttl         time.Duration
		renewBefore time.Duration
		steps       []time.Duration // clock advances, each followed by calls
		renewals    []int64         // cumulative renewals after each step
	}{
		// 2 h tokens renewed 30 min ahead: a run of 3 h 15 spans two renewals.
		{"23h-style", 2 * time.Hour, 30 * time.Minute,
			[]time.Duration{0, time.Hour, 40 * time.Minute, time.Hour, 35 * time.Minute},
			[]int64{1, 1, 2, 2, 3}},
		// 20 min tokens (shorter than RenewBefore): renewed at half their life.
		{"short-lived", 20 * time.Minute, 30 * time.Minute,
			[]time.Duration{0, 9 * time.Minute, 2 * time.Minute, 9 * time.Minute, 2 * time.Minute},
			[]int64{1, 1, 2, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := workertest.NewClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
			s := newSandbox(t, plutoratest.Options{Now: clock.Now, TokenTTL: tc.ttl})
			cfg := configFor(s.Plutora)
			cfg.Now, cfg.RenewBefore = clock.Now, tc.renewBefore
			c := newClient(t, cfg)
			for i, d := range tc.steps {
				clock.Advance(d)
				// Several jobs at once: one renews, the others wait for it.
				var wg sync.WaitGroup
				for range 6 {
					wg.Go(func() {
						if _, err := c.Me(t.Context()); err != nil {
							t.Errorf("step %d: Me: %v", i, err)
						}
					})
				}
				wg.Wait()
				if got := statsOf(t, c).TokenRenewals; got != tc.renewals[i] {
					t.Errorf("after step %d (+%v): %d renewals, want %d", i, d, got, tc.renewals[i])
				}
			}
			settle(t, s.Plutora, c)
			if n := countLog(s.Plutora, "/oauth/token", 200); n != int(tc.renewals[len(tc.renewals)-1]) {
				t.Errorf("sandbox saw %d token requests, want %d", n, tc.renewals[len(tc.renewals)-1])
			}
			if n := countLog(s.Plutora, "", 401); n != 0 {
				t.Errorf("sandbox answered %d 401s: a token was used after its expiry", n)
			}
		})
	}
}

func TestRevokedTokenRenewedAndReplayed(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{})
	c := newClient(t, configFor(s.Plutora))
	me, err := c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if me != s.Plutora.Credentials().Username {
		t.Errorf("Me = %q, want %q", me, s.Plutora.Credentials().Username)
	}
	s.Plutora.RevokeTokens()
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatalf("Me after revocation: %v", err)
	}
	if st := statsOf(t, c); st.TokenRenewals != 2 {
		t.Errorf("renewals = %d, want 2", st.TokenRenewals)
	}
	settle(t, s.Plutora, c)
	if n := countLog(s.Plutora, "/me", 401); n != 1 {
		t.Errorf("%d 401 answers on /me, want 1 (then a replay with the new token)", n)
	}

	// Revocation in the middle of paging, with pages in flight.
	s.Plutora.SetFaults(plutoratest.Faults{RevokeAtRequest: s.Plutora.Requests() + 3})
	_, got, err := collect(t, c, mustEntity(t, "changes"), synctype.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != s.Count("changes") {
		t.Errorf("got %d changes, want %d", len(got), s.Count("changes"))
	}
	if r := statsOf(t, c).TokenRenewals; r != 3 {
		t.Errorf("renewals = %d, want 3 (one for all the requests refused at once)", r)
	}
}

// TestWhitelistDenial: a refusal that survives a fresh token is access
// denied, whether the API answers it 401 or 403 (docs/plutora-api.md,
// "Errors and limits"), with the same message about the whitelist and permissions, on /me, a page and
// a record's detail alike.
func TestWhitelistDenial(t *testing.T) {
	for _, status := range []int{401, 403} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			testWhitelistDenial(t, status)
		})
	}
}

func testWhitelistDenial(t *testing.T, status int) {
	s := newSandbox(t, plutoratest.Options{Errors: plutoratest.ErrorVariants{Deny403: status == 403}})
	s.Plutora.SetWhitelist("10.0.0.0/8")
	c := newClient(t, configFor(s.Plutora))
	_, err := c.Me(t.Context())
	var denied *extract.AccessDeniedError
	if !errors.As(err, &denied) || !errors.Is(err, extract.ErrAccessDenied) {
		t.Fatalf("err = %v, want an AccessDeniedError", err)
	}
	if denied.Status != status || !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", status)) {
		t.Errorf("Status = %d in %q, want %d", denied.Status, err, status)
	}
	for _, want := range []string{"freshly issued token", "or the API user lacks permission"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	host := strings.TrimPrefix(s.Plutora.URL, "http://")
	for _, want := range []string{host, "IP whitelist", "this worker's address"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if denied.Host != host {
		t.Errorf("Host = %q, want %q", denied.Host, host)
	}
	// One renewal, one replay: no retry storm.
	settle(t, s.Plutora, c)
	if n := countLog(s.Plutora, "/me", -1); n != 2 {
		t.Errorf("%d requests to /me, want 2", n)
	}
	if n := countLog(s.Plutora, "/oauth/token", -1); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	err = c.Pages(t.Context(), mustEntity(t, "hosts"), synctype.Query{}, func(synctype.Page) error { return nil })
	if !errors.Is(err, extract.ErrAccessDenied) || !strings.Contains(err.Error(), "fetch hosts page 0") {
		t.Errorf("Pages: err = %v, want access denied on hosts page 0", err)
	}
	// A refused detail is neither a record nor "not found" (a census must
	// not read it as a deletion).
	if rec, err := c.Detail(t.Context(), mustEntity(t, "systems"), s.IDs("systems")[0]); !errors.Is(err, extract.ErrAccessDenied) || rec != nil {
		t.Errorf("Detail: %s, %v; want access denied", rec, err)
	}
	s.Plutora.SetWhitelist("127.0.0.0/8")
	if _, err := c.Me(t.Context()); err != nil {
		t.Errorf("Me once whitelisted: %v", err)
	}
}

func TestInvalidCredentials(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*extract.Config)
	}{
		{"password", func(c *extract.Config) { c.Password = "not-the-password" }},
		{"user", func(c *extract.Config) { c.Username = "someone.else@example.com" }},
		{"secret", func(c *extract.Config) { c.ClientSecret = "not-the-secret" }},
		{"client id", func(c *extract.Config) { c.ClientID = "not-the-client" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t, plutoratest.Options{})
			cfg := configFor(s.Plutora)
			tc.change(&cfg)
			c := newClient(t, cfg)
			_, err := c.Me(t.Context())
			if !errors.Is(err, extract.ErrInvalidCredentials) {
				t.Fatalf("err = %v, want ErrInvalidCredentials", err)
			}
			settle(t, s.Plutora, c)
			if n := countLog(s.Plutora, "/oauth/token", -1); n != 1 {
				t.Errorf("%d token requests, want 1 (no retry)", n)
			}
			if n := countLog(s.Plutora, "/me", -1); n != 0 {
				t.Errorf("%d API requests without a token", n)
			}
		})
	}
}

func TestThrottleHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	// Bursts of 429s with Retry-After (the sandbox's minimum, 1 s), at fixed request numbers.
	s := newSandbox(t, plutoratest.Options{Seed: 7, Faults: plutoratest.Faults{ThrottleBursts: 0.25, BurstLength: 1}})
	cfg := configFor(s.Plutora)
	cfg.PagesInFlight = 1 // so that no request is already in flight when a 429 arrives, and the order is fixed
	c := newClient(t, cfg)
	_, got, err := collect(t, c, mustEntity(t, "changes"), synctype.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != s.Count("changes") {
		t.Errorf("got %d changes, want %d", len(got), s.Count("changes"))
	}
	settle(t, s.Plutora, c)
	throttled := countLog(s.Plutora, "", 429)
	if throttled == 0 || statsOf(t, c).Throttled != int64(throttled) {
		t.Errorf("sandbox answered %d 429s, client counted %d; want the same, at least one", throttled, statsOf(t, c).Throttled)
	}
	// Every request after a 429 waited for its Retry-After (1 s, the sandbox's minimum).
	log := s.Plutora.RequestLog()
	for i, r := range log {
		if r.Status != 429 {
			continue
		}
		for _, later := range log[i+1:] {
			if later.At.Before(r.At.Add(time.Second)) && later.Path != "/oauth/token" {
				t.Errorf("request %s at %v, less than Retry-After after the 429 at %v", later.Path, later.At, r.At)
			}
		}
	}
}

func TestThrottleGivesUp(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{ThrottleStatus: 429})
	s.Plutora.SetFaults(plutoratest.Faults{ThrottleBursts: 1, BurstLength: 1, BurstRetryAfter: time.Millisecond})
	cfg := configFor(s.Plutora)
	cfg.Window = 50 * time.Millisecond // caps every hold at one window
	c := newClient(t, cfg)
	_, err := c.Me(t.Context())
	if !errors.Is(err, extract.ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}
}

// flakyTokenEndpoint answers 503 for token requests while down is set.
type flakyTokenEndpoint struct {
	mu   sync.Mutex
	down bool
}

func (f *flakyTokenEndpoint) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

func (f *flakyTokenEndpoint) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down && strings.HasSuffix(req.URL.Path, "/oauth/token") {
		return &http.Response{StatusCode: 503, Status: "503 Service Unavailable", Header: http.Header{},
			Body: io.NopCloser(strings.NewReader("down")), Request: req}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestTokenEndpointDownDuringRenewal(t *testing.T) {
	clock := workertest.NewClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	s := newSandbox(t, plutoratest.Options{Now: clock.Now, TokenTTL: 2 * time.Hour})
	flaky := &flakyTokenEndpoint{}
	cfg := configFor(s.Plutora)
	cfg.Now, cfg.HTTPClient, cfg.MaxAttempts = clock.Now, &http.Client{Transport: flaky}, 3
	c := newClient(t, cfg)
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Due for renewal, but the token endpoint is down: the current token still works.
	clock.Advance(100 * time.Minute)
	flaky.set(true)
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatalf("Me with a due renewal failing: %v", err)
	}
	// Expired, endpoint still down: a server fault naming the token host.
	clock.Advance(30 * time.Minute)
	_, err := c.Me(t.Context())
	if !errors.Is(err, extract.ErrServer) || !strings.Contains(err.Error(), "token request to "+strings.TrimPrefix(s.Plutora.URL, "http://")) {
		t.Fatalf("Me with an expired token and no token endpoint: err = %v, want a server fault naming the token host", err)
	}
	if n := strings.Count(err.Error(), "token request to"); n != 1 {
		t.Errorf("the error names the token request %d times: %v", n, err)
	}
	flaky.set(false)
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatalf("Me once the endpoint is back: %v", err)
	}
	if r := statsOf(t, c).TokenRenewals; r != 2 {
		t.Errorf("renewals = %d, want 2", r)
	}
}

func TestTokenEndpointBehindWhitelist(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{WhitelistTokenEndpoint: true})
	s.Plutora.SetWhitelist("10.0.0.0/8")
	c := newClient(t, configFor(s.Plutora))
	_, err := c.Me(t.Context())
	var denied *extract.AccessDeniedError
	if !errors.As(err, &denied) || denied.Endpoint != "POST /oauth/token" || !strings.Contains(err.Error(), "IP whitelist") {
		t.Fatalf("err = %v, want access denied on the token endpoint", err)
	}
}

func TestCancelStopsPaging(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{})
	c := newClient(t, configFor(s.Plutora))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	err := c.Pages(ctx, mustEntity(t, "changes"), synctype.Query{}, func(p synctype.Page) error {
		if p.Num == 1 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	// A budget wait also ends with the context.
	cfg := configFor(s.Plutora)
	cfg.Budget, cfg.Reserve, cfg.Window = 1, extract.NoReserve, time.Hour
	c2 := newClient(t, cfg)
	ctx2, cancel2 := context.WithCancel(t.Context())
	cancel2()
	if _, err := c2.Me(ctx2); !errors.Is(err, context.Canceled) {
		t.Errorf("Me with a cancelled context: err = %v", err)
	}
}

// TestTokenRenewedDuringARun pages through changes while a fake clock moves 45 minutes per
// page: with 2-hour tokens renewed 30 minutes ahead, the run spans two renewals and the
// sandbox never sees an expired token.
func TestTokenRenewedDuringARun(t *testing.T) {
	clock := workertest.NewClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	s := newSandbox(t, plutoratest.Options{Now: clock.Now, TokenTTL: 2 * time.Hour})
	cfg := configFor(s.Plutora)
	cfg.Now, cfg.PagesInFlight = clock.Now, 1 // each page is fetched after the clock moved
	c := newClient(t, cfg)
	err := c.Pages(t.Context(), mustEntity(t, "changes"), synctype.Query{}, func(synctype.Page) error {
		clock.Advance(45 * time.Minute)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s.Plutora, c)
	if pages := countLog(s.Plutora, "/changes/filter", 200); pages != 5 {
		t.Errorf("%d pages, want 5", pages)
	}
	if r := statsOf(t, c).TokenRenewals; r != 3 {
		t.Errorf("%d tokens over 3 h of paging, want 3 (renewed at 1h30 and 3h00)", r)
	}
	if n := countLog(s.Plutora, "", 401); n != 0 {
		t.Errorf("%d 401 answers: a token expired during the run", n)
	}
}
