package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"Sunday, 01-Mar-26 12:00:30 GMT", 30 * time.Second, true}, // RFC 850, still allowed
	} {
		got, ok := retryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoffGrowsWithJitterWithinBounds(t *testing.T) {
	base, ceiling := 100*time.Millisecond, 2*time.Second
	for n := 1; n <= 10; n++ {
		want := min(base<<(n-1), ceiling)
		for range 50 {
			if d := backoff(base, ceiling, n); d < want/2 || d > want {
				t.Fatalf("backoff(attempt %d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "Sun, 01 Mar 2026 12:00:30 GMT", "", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d, ok := retryAfter(v, now); d < 0 || !ok && d != 0 {
			t.Fatalf("retryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

// TestUnreplayableGETGoesWithoutBody: the empty body that keeps the
// transport from resending a GET is not sent: no Content-Length, no
// chunked encoding, nothing to read.
func TestUnreplayableGETGoesWithoutBody(t *testing.T) {
	type seen struct {
		te     []string
		length int64
		body   string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.TransferEncoding, r.ContentLength, string(b)}
	}))
	defer srv.Close()
	req, err := http.NewRequest("GET", srv.URL+"/hosts", nil)
	if err != nil {
		t.Fatal(err)
	}
	r := unreplayable(req)
	if r == req || req.Body != nil {
		t.Fatal("unreplayable changed the caller's request instead of a copy")
	}
	resp, err := srv.Client().Transport.RoundTrip(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; len(s.te) != 0 || s.length != 0 || s.body != "" {
		t.Errorf("the server saw a body: transfer-encoding %v, length %d, %q", s.te, s.length, s.body)
	}
	post, _ := http.NewRequest("POST", srv.URL+"/changes/filter", strings.NewReader("{}"))
	if unreplayable(post) != post {
		t.Error("a POST was copied; it is not resent by the transport")
	}
}

// TestRedirectsRefused: the API does not redirect, so a redirect of the token request
// or of an API GET or POST, to another host or to http on the same host, is refused
// with an error naming the hop, and not retried; the redirect's target receives
// nothing (no client secret, password or token).
func TestRedirectsRefused(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = io.WriteString(w, `{"access_token":"stolen","expires_in":3600}`)
	}))
	defer other.Close()
	otherPort := other.Listener.Addr().(*net.TCPAddr).Port
	targets := map[string]string{
		"another host":       fmt.Sprintf("http://localhost:%d", otherPort),
		"http, same host":    fmt.Sprintf("http://127.0.0.1:%d", otherPort),
		"another https host": "https://example.invalid",
	}
	for _, tc := range []struct {
		path, endpoint string
		status         int
		call           func(c *Client) error
	}{
		{"/oauth/token", "POST /oauth/token", http.StatusTemporaryRedirect, me},
		{"/oauth/token", "POST /oauth/token", http.StatusFound, me},
		{"/me", "GET /me", http.StatusTemporaryRedirect, me},
		{"/me", "GET /me", http.StatusFound, me},
		{"/changes/filter", "POST /changes/filter", http.StatusTemporaryRedirect, firstPage},
		{"/changes/filter", "POST /changes/filter", http.StatusPermanentRedirect, firstPage},
	} {
		for name, target := range targets {
			t.Run(fmt.Sprintf("%d %s to %s", tc.status, tc.endpoint, name), func(t *testing.T) {
				var here atomic.Int64
				srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					here.Add(1)
					switch {
					case r.URL.Path == tc.path:
						http.Redirect(w, r, target+r.URL.Path+"?echo=x", tc.status)
					case r.URL.Path == "/oauth/token":
						w.Header().Set("Content-Type", "application/json")
						_, _ = io.WriteString(w, `{"access_token":"redirect-token","token_type":"bearer","expires_in":3600}`)
					default:
						t.Errorf("unexpected request %s %s", r.Method, r.URL)
					}
				}))
				defer srv.Close()
				before := elsewhere.Load()
				c, err := New(t.Context(), Config{
					Product:   synctype.ProductPlutora,
					Endpoints: Endpoints{APIURL: srv.URL, TokenURL: srv.URL + "/oauth/token"},
					ClientID:  "id", ClientSecret: "secret-value", Username: "user@example.com", Password: "password-value",
					Budget: 26000, PagesInFlight: 4, MaxBodyBytes: 8 << 20,
					MaxAttempts: 3, RetryBase: time.Millisecond, RetryMax: time.Millisecond,
					HTTPClient: srv.Client(),
				})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				err = tc.call(c)
				var redir *RedirectError
				if !errors.As(err, &redir) || !errors.Is(err, ErrBadResponse) {
					t.Fatalf("err = %v, want a RedirectError", err)
				}
				want := fmt.Sprintf("redirect from %s (HTTP %d) to %s%s: the API does not redirect; refused", tc.endpoint, tc.status, target, tc.path)
				if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "echo") {
					t.Errorf("err = %q, want it to hold %q and no query", err, want)
				}
				if n := elsewhere.Load() - before; n != 0 {
					t.Errorf("the redirect's target received %d requests", n)
				}
				wantHere := int64(2) // the token and the request, each once: not retried
				if tc.path == "/oauth/token" {
					wantHere = 1
				}
				if n := here.Load(); n != wantHere {
					t.Errorf("the API received %d requests, want %d", n, wantHere)
				}
			})
		}
	}
}

func me(c *Client) error { _, err := c.Me(context.Background()); return err }

func firstPage(c *Client) error {
	e, _ := synctype.EntityByName("changes")
	return c.Pages(context.Background(), e, synctype.Query{}, func(synctype.Page) error { return nil })
}
