package extract_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// pageServer is a hostile API: page answers the list request of page n (the
// body holds pageNum) with a status, headers and body; the token endpoint
// works. It counts the list requests.
func pageServer(t *testing.T, page func(n int, w http.ResponseWriter)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var lists atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/token" {
			_, _ = io.WriteString(w, `{"access_token":"hostile-token","token_type":"bearer","expires_in":3600}`)
			return
		}
		lists.Add(1)
		n := 0
		if i := strings.Index(string(body), `"pageNum":`); i >= 0 {
			_, _ = fmt.Sscanf(string(body[i+len(`"pageNum":`):]), "%d", &n)
		}
		page(n, w)
	}))
	t.Cleanup(srv.Close)
	return srv, &lists
}

// ids renders records with the given ids as a page envelope.
func envelopeOf(total int, ids ...string) string {
	recs := make([]string, len(ids))
	for i, id := range ids {
		recs[i] = fmt.Sprintf(`{"id":%q,"lastModifiedDate":"2025-01-01T00:00:00"}`, id)
	}
	return fmt.Sprintf(`{"resultSet":[%s],"totalCount":%d}`, strings.Join(recs, ","), total)
}

// pageIDs are 100 distinct ids of page n.
func pageIDs(n int) []string {
	ids := make([]string, extract.RecordsPerPage)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-0000-%04x-%012x", n, i)
	}
	return ids
}

// allPages reads every page of changes with a deadline: a hang is an error.
func allPages(t *testing.T, c *extract.Client) (pages int, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, _ := synctype.EntityByName("changes")
	err = c.Pages(ctx, e, synctype.Query{}, func(synctype.Page) error { pages++; return nil })
	return pages, err
}

// A server that answers the same page whatever pageNum is asked (a loop) is
// stopped at the second page, which repeats the first's ids.
func TestRunawayRepeatedPage(t *testing.T) {
	srv, lists := pageServer(t, func(_ int, w http.ResponseWriter) {
		_, _ = io.WriteString(w, envelopeOf(1_000_000, pageIDs(0)...))
	})
	pages, err := allPages(t, hostileClient(t, srv.URL))
	if !errors.Is(err, extract.ErrRunaway) || !errors.Is(err, synctype.ErrBadPage) || !strings.Contains(err.Error(), "page 1 repeats the 100 records of page 0") {
		t.Fatalf("err = %v; want ErrRunaway (a bad page) naming page 1 and the repeat", err)
	}
	if pages != 1 || lists.Load() > 1+testPagesInFlight {
		t.Errorf("%d pages delivered, %d requested; want 1, and no more than the pages in flight", pages, lists.Load())
	}
}

// A server whose totalCount grows with every page, with fresh ids each time,
// is stopped past twice the first totalCount plus slack.
func TestRunawayGrowingTotal(t *testing.T) {
	srv, lists := pageServer(t, func(n int, w http.ResponseWriter) {
		_, _ = io.WriteString(w, envelopeOf(1000+(n+1)*extract.RecordsPerPage, pageIDs(n)...))
	})
	pages, err := allPages(t, hostileClient(t, srv.URL))
	limit := 2*1100/extract.RecordsPerPage + extract.RunawaySlackPages // pages 0..limit-1 pass
	if !errors.Is(err, extract.ErrRunaway) || !strings.Contains(err.Error(), fmt.Sprintf("page %d is past twice the run's first totalCount 1100", limit)) {
		t.Fatalf("err = %v; want ErrRunaway at page %d", err, limit)
	}
	if pages != limit || lists.Load() > int64(limit+1+testPagesInFlight) {
		t.Errorf("%d pages delivered, %d requested; want %d", pages, lists.Load(), limit)
	}
}

// Retry-After is honoured up to MaxRetryAfter: an absurd one (or a negative
// one, which falls back to the backoff) does not hold the key for hours.
func TestRetryAfterCapped(t *testing.T) {
	for _, ra := range []string{"99999999999", "-5", "Wed, 21 Oct 2205 07:28:00 GMT"} {
		t.Run(ra, func(t *testing.T) {
			var calls atomic.Int64
			srv, _ := pageServer(t, func(_ int, w http.ResponseWriter) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", ra)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				_, _ = io.WriteString(w, envelopeOf(1, "00000000-0000-0000-0000-000000000001"))
			})
			obs := newCountingObserver()
			c, err := extract.New(context.Background(), extract.Config{
				Product:   synctype.ProductPlutora,
				Endpoints: extract.Endpoints{APIURL: srv.URL, TokenURL: srv.URL + "/oauth/token"},
				ClientID:  "c", ClientSecret: "hostile-secret", Username: "u@example.com", Password: "hostile-password",
				Budget: 1 << 30, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes,
				RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond,
				Observer: obs,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			pages, err := allPages(t, c)
			if err != nil || pages != 1 || obs.stats().Throttled != 1 {
				t.Fatalf("pages %d, throttled %d, err %v; want the page after one capped hold", pages, obs.stats().Throttled, err)
			}
		})
	}
}

// An oversize page, plain or a gzip bomb, fails with a message naming the
// entity, the page, the size and the variable to raise, and is a bad page.
func TestOversizePage(t *testing.T) {
	big := envelopeOf(1, "00000000-0000-0000-0000-000000000001")
	big = strings.Replace(big, `"lastModifiedDate"`, `"pad":"`+strings.Repeat("x", 5<<20)+`","lastModifiedDate"`, 1)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = io.WriteString(zw, big)
	_ = zw.Close()
	for name, tc := range map[string]struct {
		gzip bool
		size string
	}{
		"plain": {false, fmt.Sprintf("body of %d bytes", len(big))},
		"gzip":  {true, "body of more than 4194304 bytes"},
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := pageServer(t, func(_ int, w http.ResponseWriter) {
				if tc.gzip {
					w.Header().Set("Content-Encoding", "gzip")
					_, _ = w.Write(zipped.Bytes())
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(big)))
				_, _ = io.WriteString(w, big)
			})
			_, err := allPages(t, hostileClient(t, srv.URL)) // MaxBodyBytes 4 MiB
			if !errors.Is(err, synctype.ErrBadPage) {
				t.Fatalf("err = %v; want a bad page", err)
			}
			for _, want := range []string{"fetch changes page 0", tc.size, "over the limit of 4194304 bytes", "raise MAX_BODY_BYTES"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// A server whose pages cycle A, B, A, B… under a totalCount of 1e9 (each
// page different from the one before it) is stopped at the third page,
// which repeats the first: not after the key's budget or RUN_TIMEOUT.
func TestRunawayCycle(t *testing.T) {
	srv, lists := pageServer(t, func(n int, w http.ResponseWriter) {
		_, _ = io.WriteString(w, envelopeOf(1_000_000_000, pageIDs(n%2)...))
	})
	pages, err := allPages(t, hostileClient(t, srv.URL))
	if !errors.Is(err, extract.ErrRunaway) || !strings.Contains(err.Error(), "fetch changes page 2") ||
		!strings.Contains(err.Error(), "page 2 repeats the 100 records of page 0") {
		t.Fatalf("err = %v; want ErrRunaway naming the entity and pages 2 and 0", err)
	}
	if pages != 2 || lists.Load() > 3+testPagesInFlight {
		t.Errorf("%d pages delivered, %d requested; want 2, and no more than the pages in flight beyond the third", pages, lists.Load())
	}
}

// A run that resumes past its page limit keeps the limit of its first
// totalCount (Query.FirstTotal), though the totalCount has grown since: it
// fails at once, asking for nothing, instead of reading 10 pages more at
// every resumption.
func TestRunawayResumedKeepsFirstTotal(t *testing.T) {
	growing := func(n int, w http.ResponseWriter) {
		_, _ = io.WriteString(w, envelopeOf(1000+(n+1)*extract.RecordsPerPage, pageIDs(n)...))
	}
	first, _ := pageServer(t, growing)
	pages, err := allPages(t, hostileClient(t, first.URL))
	limit := 2*1100/extract.RecordsPerPage + extract.RunawaySlackPages
	if !errors.Is(err, extract.ErrRunaway) || pages != limit {
		t.Fatalf("first run: %d pages, err %v; want %d pages and a runaway", pages, err, limit)
	}
	// The resumptions ask a server of their own: a request of the first
	// run's pages in flight, cancelled by the runaway, may still reach its
	// server after the run returned, and would be counted as theirs.
	srv, lists := pageServer(t, growing)
	c := hostileClient(t, srv.URL)
	e, _ := synctype.EntityByName("changes")
	for _, start := range []int{limit, limit + 5} {
		before := lists.Load()
		err := c.Pages(t.Context(), e, synctype.Query{StartPage: start, FirstTotal: 1100}, func(synctype.Page) error {
			t.Fatal("a page was delivered past the limit")
			return nil
		})
		want := fmt.Sprintf("fetch changes page %d: bad page: runaway paging: page %d is past twice the run's first totalCount 1100", start, start)
		if !errors.Is(err, extract.ErrRunaway) || !strings.Contains(err.Error(), want) {
			t.Errorf("resumed at page %d: err = %v; want %q", start, err, want)
		}
		if n := lists.Load() - before; n != 0 {
			t.Errorf("resumed at page %d: %d list requests; want none", start, n)
		}
	}
}

// throttlingAPI answers every API request 429 with Retry-After 120 (and
// the token endpoint a token), in memory: under synctest's fake clock a
// storm of them costs no real time. It counts the API requests.
type throttlingAPI struct{ asked atomic.Int64 }

func (a *throttlingAPI) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Request: req}
	body := `{"access_token":"storm-token","token_type":"bearer","expires_in":86400}`
	if req.URL.Path != "/oauth/token" {
		a.asked.Add(1)
		resp.StatusCode = http.StatusTooManyRequests
		resp.Header.Set("Retry-After", "120")
		body = `{"message":"too many requests"}`
	}
	resp.Body = io.NopCloser(strings.NewReader(body))
	return resp, nil
}

// Ten 429s with Retry-After 120 s do not hold one request ~22 minutes: the
// retry deadline (RetryTimeout, 5 minutes by default) bounds its waits, and
// it gives up as throttled once the key's hold reaches past it (fake time:
// no waiting).
func TestThrottleStormBoundedByRetryDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &throttlingAPI{}
		c, err := extract.New(t.Context(), extract.Config{
			Product:   synctype.ProductPlutora,
			Endpoints: extract.Endpoints{APIURL: "https://storm.example", TokenURL: "https://storm.example/oauth/token"},
			ClientID:  "c", ClientSecret: "storm-secret", Username: "u@example.com", Password: "storm-password",
			Budget: testBudget, Reserve: testReserve, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes,
			HTTPClient: &http.Client{Transport: api},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		e, _ := synctype.EntityByName("changes")
		start := time.Now()
		err = c.Pages(t.Context(), e, synctype.Query{}, func(synctype.Page) error { return nil })
		held := time.Since(start)
		if !errors.Is(err, extract.ErrThrottled) || !strings.Contains(err.Error(), "past the request's retry deadline") {
			t.Fatalf("err = %v; want throttled, past the retry deadline", err)
		}
		if held > extract.DefaultRetryTimeout {
			t.Errorf("the request was held %v by 429s; want at most the retry deadline %v", held, extract.DefaultRetryTimeout)
		}
		// 429s at 0, 2 and 4 minutes; the third one's hold ends past 5.
		if n := api.asked.Load(); n != 3 {
			t.Errorf("%d requests; want 3 (one every 2 minutes until the deadline)", n)
		}
	})
}
