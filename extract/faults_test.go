package extract_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func TestTransientFaultsAreRetried(t *testing.T) {
	t.Parallel()
	// One sandbox: its records are generated once, each case sets its faults.
	s := newSandbox(t, plutoratest.Options{Seed: 11, Sizes: plutoratest.Sizes{Changes: 300, Hosts: 1000}})
	for _, tc := range []struct {
		name   string
		faults plutoratest.Faults
		status int // what the sandbox logs for the fault
	}{
		{"server errors", plutoratest.Faults{ServerErrors: 0.35}, -1},
		{"html error pages", plutoratest.Faults{HTMLErrors: 0.35}, 500},
		{"truncated bodies", plutoratest.Faults{Truncated: 0.3}, 200},
		{"garbled bodies", plutoratest.Faults{Garbled: 0.3}, 200},
		{"connection resets", plutoratest.Faults{Resets: 0.35}, 0},
		{"throttle bursts", plutoratest.Faults{ThrottleBursts: 0.15, BurstLength: 1, BurstRetryAfter: time.Millisecond}, 429},
		{"all at once", plutoratest.Faults{ServerErrors: 0.1, HTMLErrors: 0.1, Truncated: 0.1, Garbled: 0.1, Resets: 0.1}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Plutora.SetFaults(tc.faults)
			before := len(s.Plutora.RequestLog())
			cfg := configFor(s.Plutora)
			cfg.MaxAttempts = 10
			cfg.PagesInFlight = 1 // a fixed order of requests meets the same faults every run
			c := newClient(t, cfg)
			for _, name := range []string{"changes", "hosts"} {
				_, got, err := collect(t, c, mustEntity(t, name), synctype.Query{})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want := s.Records(name)
				if len(got) != len(want) {
					t.Errorf("%s: got %d records, want %d", name, len(got), len(want))
				}
				for id, raw := range want {
					if !jsonEqual(got[id], raw) {
						t.Errorf("%s %s: record missing or different", name, id)
						break
					}
				}
			}
			if statsOf(t, c).Retries == 0 {
				t.Errorf("no retries counted under %+v", tc.faults)
			}
			settleN(t, s.Plutora, int64(before)+statsOf(t, c).Requests)
			// Every request the server saw went through the pacer: none was
			// resent by the HTTP transport behind its back.
			if got := int64(len(s.Plutora.RequestLog()) - before); got != statsOf(t, c).Requests {
				t.Errorf("the sandbox saw %d requests, the pacer admitted %d", got, statsOf(t, c).Requests)
			}
			if tc.status >= 0 && countLogFrom(s.Plutora, before, tc.status) == 0 {
				t.Errorf("the sandbox logged no answer with status %d: the fault did not happen", tc.status)
			}
		})
	}
}

func TestTimeoutsAreRetried(t *testing.T) {
	t.Parallel()
	// A third of the answers take 200–300 ms, beyond the 150 ms allowed per attempt.
	s := newSandbox(t, plutoratest.Options{Seed: 3, Jitter: 300 * time.Millisecond, Sizes: plutoratest.Sizes{Hosts: 400}})
	cfg := configFor(s.Plutora)
	cfg.RequestTimeout = 150 * time.Millisecond
	cfg.MaxAttempts = 20
	c := newClient(t, cfg)
	_, got, err := collect(t, c, mustEntity(t, "hosts"), synctype.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 400 {
		t.Errorf("got %d hosts, want 400", len(got))
	}
	if statsOf(t, c).Retries == 0 {
		t.Error("no retries: no attempt timed out")
	}
}

func TestPersistentFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		faults   plutoratest.Faults
		is       error
		attempts int    // requests to the list endpoint
		text     string // in the error message
	}{
		{"server errors", plutoratest.Faults{ServerErrors: 1}, extract.ErrServer, 4, "POST /changes/filter: server fault after 4 attempts: HTTP 50"},
		{"html pages", plutoratest.Faults{HTMLErrors: 1}, extract.ErrServer, 4, ": <!DOCTYPE html>"},
		{"resets", plutoratest.Faults{Resets: 1}, extract.ErrServer, 4, "server fault after 4 attempts"},
		{"truncated", plutoratest.Faults{Truncated: 1}, extract.ErrBadResponse, 4, "bad response from POST /changes/filter page 0 (HTTP 200): not a page envelope"},
		{"garbled", plutoratest.Faults{Garbled: 1}, extract.ErrBadResponse, 4, "bad response from POST /changes/filter page 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t, plutoratest.Options{Faults: tc.faults})
			cfg := configFor(s.Plutora)
			cfg.MaxAttempts = 4
			c := newClient(t, cfg)
			_, _, err := collect(t, c, mustEntity(t, "changes"), synctype.Query{})
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "fetch changes page 0: ") {
				t.Errorf("err = %q, want it to start with the entity and page and contain %q", err, tc.text)
			}
			settle(t, s.Plutora, c)
			if n := countLog(s.Plutora, "/changes/filter", -1); n != tc.attempts {
				t.Errorf("%d attempts, want %d", n, tc.attempts)
			}
			var bad *extract.BadResponseError
			if errors.As(err, &bad) && (bad.Endpoint != "POST /changes/filter" || bad.Page != 0) {
				t.Errorf("BadResponseError names %q page %d", bad.Endpoint, bad.Page)
			}
		})
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{})
	// Under a base path the sandbox does not serve, every list is an unknown route.
	cfg := configFor(s.Plutora)
	cfg.Endpoints.APIURL += "/nowhere"
	c := newClient(t, cfg)
	err := c.Pages(t.Context(), mustEntity(t, "hosts"), synctype.Query{}, func(synctype.Page) error { return nil })
	var bad *extract.BadResponseError
	if !errors.As(err, &bad) || bad.Status != 404 || !strings.Contains(err.Error(), "No HTTP resource") {
		t.Fatalf("err = %v, want a 404 BadResponseError quoting the answer", err)
	}
	settle(t, s.Plutora, c)
	if n := countLog(s.Plutora, "/nowhere/hosts", -1); n != 1 {
		t.Errorf("%d requests, want 1 (a 404 is not retried)", n)
	}
}

func TestBodySizeLimit(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{})
	cfg := configFor(s.Plutora)
	cfg.MaxBodyBytes = 4096
	c := newClient(t, cfg)
	_, _, err := collect(t, c, mustEntity(t, "changes"), synctype.Query{})
	if !errors.Is(err, extract.ErrBadResponse) || !strings.Contains(err.Error(), "over the limit of 4096 bytes: raise MAX_BODY_BYTES") {
		t.Fatalf("err = %v, want a body-size BadResponseError", err)
	}
	settle(t, s.Plutora, c)
	if n := countLog(s.Plutora, "/changes/filter", -1); n != 1 {
		t.Errorf("%d requests, want 1 (an oversized body is not retried)", n)
	}
}

func TestBudgetWaitIsNotAnAttemptTimeout(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{})
	cfg := configFor(s.Plutora)
	// Two requests per 2.5 s, but only 1 s allowed per attempt: the third request waits
	// longer for the budget than an attempt may take.
	cfg.Budget, cfg.Reserve, cfg.Window, cfg.RequestTimeout, cfg.MaxAttempts = 2, extract.NoReserve, 2500*time.Millisecond, time.Second, 1
	c := newClient(t, cfg)
	for i := range 3 {
		if _, err := c.Me(t.Context()); err != nil {
			t.Fatalf("Me %d: %v", i, err)
		}
	}
	if st := statsOf(t, c); st.Retries != 0 || st.Requests != 4 {
		t.Errorf("stats %+v, want 4 requests and no retry", st)
	}
}

func TestRetriesBoundedInTime(t *testing.T) {
	s := newSandbox(t, plutoratest.Options{Faults: plutoratest.Faults{ServerErrors: 1}})
	cfg := configFor(s.Plutora)
	cfg.MaxAttempts, cfg.RetryBase, cfg.RetryMax, cfg.RetryTimeout = 1000, 20*time.Millisecond, 40*time.Millisecond, 150*time.Millisecond
	c := newClient(t, cfg)
	_, err := c.Me(t.Context())
	if !errors.Is(err, extract.ErrServer) {
		t.Fatalf("err = %v, want ErrServer", err)
	}
	// Waits of 10–40 ms within 150 ms: a handful of attempts (one on a slow machine), far from 1000.
	if n := statsOf(t, c).Requests - 1; n < 1 || n > 16 {
		t.Errorf("%d attempts, want a handful bounded by RetryTimeout", n)
	}
}
