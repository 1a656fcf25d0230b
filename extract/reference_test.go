package extract_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// referenceAPI is a Plutora API of reference lists only, answering as the
// old endpoints may: /organizations a bare array of 250 (more than a page),
// /lookupfields two types, Big's 150 values in envelopes of 100 and Small's
// 3 as a bare array; /hosts a bare array too, which a paged list must refuse.
// It counts the requests per path.
type referenceAPI struct {
	mu    gosync.Mutex
	asked map[string]int
}

func (a *referenceAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.asked[r.URL.Path]++
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	items := func(prefix string, from, to int) string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf(`{"id":"%s-0000-4000-8000-%012d","value":"v%d","sortOrder":%d,"type":"%s"}`, prefix, i, i, i, prefix))
		}
		return "[" + strings.Join(out, ",") + "]"
	}
	switch r.URL.Path {
	case "/organizations":
		fmt.Fprint(w, items("0000000a", 0, 250))
	case "/hosts":
		fmt.Fprint(w, items("0000000b", 0, 3))
	case "/lookupfields":
		fmt.Fprint(w, `[{"name":"Big","description":"b"},{"name":"Small","description":"s"},{"name":"big","description":"again"}]`)
	case "/lookupfields/Small":
		fmt.Fprint(w, items("0000000c", 0, 3))
	case "/lookupfields/Big":
		from := 0
		if r.URL.Query().Get("pageNum") == "1" {
			from = 100
		}
		fmt.Fprintf(w, `{"resultSet":%s,"returnCount":%d,"totalCount":150}`, items("0000000d", from, min(from+100, 150)), min(100, 150-from))
	default:
		http.NotFound(w, r)
	}
}

func (a *referenceAPI) requests(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.asked[path]
}

// TestReferenceLists: a bare array is the whole list, one page, for the
// endpoints that answer one (and refused elsewhere); the lookup values are
// every type's values, read once per type (twice for a type paged by its
// envelope), delivered as pages of 100 with totalCount the values' count.
func TestReferenceLists(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{})
	api := &referenceAPI{asked: map[string]int{}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	cfg := configFor(s.Plutora)
	cfg.Endpoints.APIURL = srv.URL
	c := newClient(t, cfg)
	entity := func(name string) synctype.Entity {
		e, ok := synctype.EntityByName(name)
		if !ok {
			t.Fatalf("no entity %s", name)
		}
		return e
	}

	pages, got, err := collect(t, c, entity("organizations"), synctype.Query{})
	if err != nil || len(pages) != 1 || len(got) != 250 || pages[0].TotalCount != 250 || api.requests("/organizations") != 1 {
		t.Errorf("organizations: %d pages, %d records, err %v, %d requests; want 1 page of 250 in 1 request",
			len(pages), len(got), err, api.requests("/organizations"))
	}

	if _, _, err := collect(t, c, entity("hosts"), synctype.Query{}); err == nil || !strings.Contains(err.Error(), "bare JSON array") {
		t.Errorf("hosts answered a bare array: %v; want the envelope refused", err)
	}

	pages, got, err = collect(t, c, entity("lookup_values"), synctype.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 153 || len(pages) != 2 || len(pages[0].Records) != 100 || len(pages[1].Records) != 53 {
		t.Errorf("lookup_values: %d records on %d pages; want 153 on pages of 100 and 53", len(got), len(pages))
	}
	for i, p := range pages {
		if p.Num != i || p.TotalCount != 153 || p.FirstTotal != 153 || p.Drift {
			t.Errorf("page %d: %+v", i, p)
		}
	}
	for path, want := range map[string]int{"/lookupfields": 1, "/lookupfields/Big": 2, "/lookupfields/Small": 1, "/lookupfields/big": 0} {
		if n := api.requests(path); n != want {
			t.Errorf("GET %s: %d requests, want %d", path, n, want)
		}
	}

	// A run resumed at page 1 reads the lists again and delivers page 1 only.
	pages, _, err = collect(t, c, entity("lookup_values"), synctype.Query{StartPage: 1})
	if err != nil || len(pages) != 1 || pages[0].Num != 1 || len(pages[0].Records) != 53 {
		t.Errorf("resumed at page 1: %d pages, err %v", len(pages), err)
	}
}
