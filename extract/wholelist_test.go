package extract_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// HostileLookups serves five lookup types whose values come in envelopes
// of 100 under a totalCount of 1e9, as the page function values(type, page)
// renders them; it counts the requests (tokens excluded).
func hostileLookups(t testing.TB, values func(typ, page int) string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/token" {
			_, _ = io.WriteString(w, `{"access_token":"hostile-token","token_type":"bearer","expires_in":86400}`)
			return
		}
		asked.Add(1)
		if r.URL.Path == "/lookupfields" {
			_, _ = io.WriteString(w, `[{"name":"T0"},{"name":"T1"},{"name":"T2"},{"name":"T3"},{"name":"T4"}]`)
			return
		}
		typ, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/lookupfields/T"))
		page, _ := strconv.Atoi(r.URL.Query().Get("pageNum"))
		_, _ = io.WriteString(w, values(typ, page))
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

// lookupValues renders a page of 100 values of set under a totalCount of
// 1e9, each padded with pad bytes.
func lookupValues(set, pad int) string {
	var b strings.Builder
	b.WriteString(`{"resultSet":[`)
	for i := range extract.RecordsPerPage {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"00000000-0000-4000-%04x-%012x","value":"%s","sortOrder":%d,"type":"T"}`,
			set%0x10000, i, strings.Repeat("v", pad), i)
	}
	b.WriteString(`],"totalCount":1000000000}`)
	return b.String()
}

// readLookups reads the lookup values with a client at the default
// MaxBodyBytes (8 MiB); a hang is an error.
func readLookups(t *testing.T, url string) (pages int, err error) {
	t.Helper()
	c, err := extract.New(context.Background(), extract.Config{
		Product:   synctype.ProductPlutora,
		Endpoints: extract.Endpoints{APIURL: url, TokenURL: url + "/oauth/token"},
		ClientID:  "hostile-client", ClientSecret: "hostile-secret-value", Username: "hostile@example.com", Password: "hostile-password-value",
		Budget: 1 << 30, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes,
		RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, _ := synctype.EntityByName("lookup_values")
	err = c.Pages(ctx, e, synctype.Query{}, func(synctype.Page) error { pages++; return nil })
	if ctx.Err() != nil {
		t.Fatalf("lookup values still read after 60s: %v", err)
	}
	return pages, err
}

// The lookup values are held whole before they are written: a server
// answering five types with pages of 100 values of 70 KB under a
// totalCount of 1e9 stops the run at the second page, which passes
// MaxBodyBytes; one with small values stops at MaxWholeListPages pages, or
// at the page where they go round in a cycle. Nothing is delivered, and
// the error names the entity and the bound.
func TestLookupsHeldWithinBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		values   func(typ, page int) string
		kind     error
		want     []string
		requests int64
	}{
		{"100 values of 70 KB", func(typ, page int) string { return lookupValues(typ<<8|page, 70<<10) }, synctype.ErrBadPage,
			[]string{"fetch lookup_values of type T0: page 1: bad page: lookup_values is read whole", "its 3 pages hold", "over the limit of 8388608 bytes", "MAX_BODY_BYTES"}, 3},
		{"small values without end", func(typ, page int) string { return lookupValues(typ<<8|page, 8) }, extract.ErrRunaway,
			[]string{"fetch lookup_values of type T0: page 499: bad page: runaway paging: lookup_values is read whole", "the limit of 500 pages"},
			extract.MaxWholeListPages},
		{"values in a cycle", func(typ, page int) string { return lookupValues(page%2, 8) }, extract.ErrRunaway,
			[]string{"fetch lookup_values of type T0: page 2: bad page: runaway paging: page 2 repeats the 100 records of page 0, both of /lookupfields/T0"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, asked := hostileLookups(t, tc.values)
			pages, err := readLookups(t, srv.URL)
			if !errors.Is(err, tc.kind) || pages != 0 {
				t.Fatalf("%d pages delivered, err %v; want none and %v", pages, err, tc.kind)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if n := asked.Load(); n != tc.requests {
				t.Errorf("%d requests; want %d", n, tc.requests)
			}
		})
	}
}
