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
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
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
	if !errors.Is(err, extract.ErrRunaway) || !errors.Is(err, synctype.ErrBadPage) || !strings.Contains(err.Error(), "page 1 repeats the 100 ids") {
		t.Fatalf("err = %v; want ErrRunaway (a bad page) naming page 1 and the repeat", err)
	}
	if pages != 1 || lists.Load() > 1+extract.DefaultPagesInFlight {
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
	if !errors.Is(err, extract.ErrRunaway) || !strings.Contains(err.Error(), fmt.Sprintf("page %d is past twice the first totalCount 1100", limit)) {
		t.Fatalf("err = %v; want ErrRunaway at page %d", err, limit)
	}
	if pages != limit || lists.Load() > int64(limit+1+extract.DefaultPagesInFlight) {
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
			c, err := extract.New(context.Background(), extract.Config{
				Product:   synctype.ProductPlutora,
				Endpoints: extract.Endpoints{APIURL: srv.URL, TokenURL: srv.URL + "/oauth/token"},
				ClientID:  "c", ClientSecret: "hostile-secret", Username: "u@example.com", Password: "hostile-password",
				Budget: 1 << 30, RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			pages, err := allPages(t, c)
			if err != nil || pages != 1 || c.Stats().Throttled != 1 {
				t.Fatalf("pages %d, throttled %d, err %v; want the page after one capped hold", pages, c.Stats().Throttled, err)
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
