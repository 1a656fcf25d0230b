package extract_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

var errStop = errors.New("first page is enough")

// TestDetail: in both list worlds the detail of a record is the full record
// the sandbox holds; under real lists it has members the list item lacks; a
// deleted record is nil without an error; each answer is one request, and
// one more per sub-resource (a release's schedule and stakeholders). A
// whole list item's sub-resources (Subresources) make the same record.
func TestDetail(t *testing.T) {
	t.Parallel()
	for _, lists := range []plutoratest.Lists{plutoratest.ListsReal, plutoratest.ListsFull} {
		s := newSandbox(t, plutoratest.Options{Lists: lists})
		c := newClient(t, configFor(s.Plutora))
		for _, name := range []string{"environments", "systems", "releases"} {
			e := mustEntity(t, name)
			var item json.RawMessage
			if err := c.Pages(t.Context(), e, synctype.Query{}, func(p synctype.Page) error {
				item = p.Records[0]
				return errStop
			}); !errors.Is(err, errStop) {
				t.Fatal(err)
			}
			var listed struct{ ID string }
			if err := json.Unmarshal(item, &listed); err != nil {
				t.Fatal(err)
			}
			before := statsOf(t, c).Requests
			rec, err := c.Detail(t.Context(), e, listed.ID)
			if err != nil {
				t.Fatalf("%s %s: %v", lists, name, err)
			}
			if n := statsOf(t, c).Requests - before; n != int64(1+len(e.Subresources)) {
				t.Errorf("%s %s: %d requests for one detail with %d sub-resources", lists, name, n, len(e.Subresources))
			}
			if want := s.RecordsAsRead(e)[listed.ID]; !workertest.SameJSON(t, rec, want) {
				t.Errorf("%s %s: detail %s, want the record with its sub-resources %s", lists, name, rec, want)
			}
			// A detail has members the list item lacks: under real lists,
			// and always its sub-resources.
			summary := len(members(t, rec)) > len(members(t, item))
			if want := lists == plutoratest.ListsReal && name != "releases" || e.Enriched(); summary != want {
				t.Errorf("%s %s: the list item has %d members, the detail %d", lists, name, len(members(t, item)), len(members(t, rec)))
			}
			// A whole list item read with its sub-resources is the same
			// record, one request fewer (sync's enrich, for full lists).
			if lists == plutoratest.ListsFull {
				before = statsOf(t, c).Requests
				sub, err := c.Subresources(t.Context(), e, listed.ID, item)
				if n := statsOf(t, c).Requests - before; err != nil || n != int64(len(e.Subresources)) || !workertest.SameJSON(t, sub, rec) {
					t.Errorf("%s %s: Subresources = %s, %v in %d requests; want the detail %s in %d", lists, name, sub, err, n, rec, len(e.Subresources))
				}
			}
			if err := s.Delete(name, listed.ID); err != nil {
				t.Fatal(err)
			}
			if rec, err := c.Detail(t.Context(), e, listed.ID); rec != nil || err != nil {
				t.Errorf("%s %s: detail of a deleted record = %s, %v; want nil, nil", lists, name, rec, err)
			}
			if e.Enriched() {
				if rec, err := c.Subresources(t.Context(), e, listed.ID, item); rec != nil || err != nil {
					t.Errorf("%s %s: sub-resources of a deleted record = %s, %v; want nil, nil", lists, name, rec, err)
				}
			}
		}
	}
}

func members(t *testing.T, raw []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
