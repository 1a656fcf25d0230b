package extract

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
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

// TestRedirectIsARequestOfItsOwn: a redirect the client follows reaches the server
// as a request of its own, so the pacer admits it in its turn and it is counted.
func TestRedirectIsARequestOfItsOwn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oauth/token":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"redirect-token","token_type":"bearer","expires_in":3600}`)
		case "/me":
			http.Redirect(w, r, "/v2/me", http.StatusTemporaryRedirect)
		case "/v2/me":
			_, _ = io.WriteString(w, `"user@example.com"`)
		}
	}))
	defer srv.Close()
	client := func(budget int) *Client {
		c, err := New(t.Context(), Config{
			Product:   synctype.ProductPlutora,
			Endpoints: Endpoints{APIURL: srv.URL, TokenURL: srv.URL + "/oauth/token"},
			ClientID:  "id", ClientSecret: "secret-value", Username: "user@example.com", Password: "password-value",
			Budget: budget, Reserve: NoReserve, Window: time.Hour, MaxAttempts: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	// Budget 3: the token, /me and the redirected /v2/me.
	c := client(3)
	if me, err := c.Me(t.Context()); err != nil || me != "user@example.com" {
		t.Fatalf("Me = %q, %v", me, err)
	}
	if used, _ := c.BudgetUsed(time.Now()); used != 3 || c.Stats().Requests != 3 {
		t.Errorf("budget used %d, requests %d; want 3 and 3", used, c.Stats().Requests)
	}
	// Budget 2: the redirect finds the hour's budget spent and is not sent.
	c = client(2)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Me(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Me with no budget left for the redirect: err = %v, want it to wait past the deadline", err)
	}
	if n := c.Stats().Requests; n != 2 {
		t.Errorf("%d requests sent, want 2 (the token and /me)", n)
	}
}
