package extract_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestExists asks the sandbox about single records of every entity: a live
// one exists, a deleted one does not, and the request counts as one.
func TestExists(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{})
	clients := map[synctype.Product]*extract.Client{
		synctype.ProductPlutora:     newClient(t, configFor(s.Plutora)),
		synctype.ProductPlutoraTest: newClient(t, configFor(s.Test)),
	}
	for _, c := range clients {
		if _, err := c.Me(t.Context()); err != nil { // the token, before the requests are counted
			t.Fatal(err)
		}
	}
	for _, e := range synctype.Entities() {
		c := clients[e.Product]
		ids := s.IDs(e.Name)
		if e.DetailPath == "" { // the API serves it only as a list
			before := statsOf(t, c).Requests
			if ok, err := c.Exists(t.Context(), e, ids[0]); !errors.Is(err, synctype.ErrNoDetail) || ok {
				t.Errorf("%s: Exists = %v, %v; want ErrNoDetail", e.Name, ok, err)
			}
			if n := statsOf(t, c).Requests - before; n != 0 {
				t.Errorf("%s: %d requests for a question the API cannot answer", e.Name, n)
			}
			continue
		}
		live, gone := ids[0], ids[1]
		if err := s.Delete(e.Name, gone); err != nil {
			t.Fatal(err)
		}
		before := statsOf(t, c).Requests
		if ok, err := c.Exists(t.Context(), e, live); err != nil || !ok {
			t.Errorf("%s: Exists(live %s) = %v, %v; want true", e.Name, live, ok, err)
		}
		// Plutora's ids are GUIDs: the case of their hex digits does not matter.
		if ok, err := c.Exists(t.Context(), e, strings.ToUpper(live)); err != nil || !ok {
			t.Errorf("%s: Exists(upper-case live id) = %v, %v; want true", e.Name, ok, err)
		}
		if ok, err := c.Exists(t.Context(), e, gone); err != nil || ok {
			t.Errorf("%s: Exists(deleted %s) = %v, %v; want false", e.Name, gone, ok, err)
		}
		if n := statsOf(t, c).Requests - before; n != 3 { // a record's sub-resources are not asked for
			t.Errorf("%s: %d requests for 3 questions", e.Name, n)
		}
	}
}

// TestExistsNamesWhatWentWrong: an answer other than the record or 404 is
// an error that names the entity and the id, not a verdict.
func TestExistsNamesWhatWentWrong(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{})
	// An API that answers every GET with a JSON array, not the record asked
	// for (the token still comes from the sandbox).
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte("[]"))
	}))
	t.Cleanup(api.Close)
	cfg := configFor(s.Plutora)
	cfg.Endpoints.APIURL = api.URL
	c := newClient(t, cfg)
	e, _ := synctype.EntityByName("changes")
	_, err := c.Exists(t.Context(), e, "7a1c1f9e-0000-4000-8000-0000000000ff")
	var bad *extract.BadResponseError
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "changes 7a1c1f9e-0000-4000-8000-0000000000ff") {
		t.Errorf("Exists against a list = %v; want a BadResponseError naming the record", err)
	}
	// A declaration without a detail route (synctype.Entity.DetailPath).
	undeclared := synctype.Entity{Name: "widgets", Product: synctype.ProductPlutora, IDField: "id"}
	if _, err := c.Exists(t.Context(), undeclared, "x"); !errors.Is(err, synctype.ErrNoDetail) || !strings.Contains(err.Error(), "widgets x") {
		t.Errorf("Exists of an entity without a detail route = %v; want ErrNoDetail naming it", err)
	}
}
