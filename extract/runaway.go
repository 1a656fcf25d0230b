package extract

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// runaway notices paging that does not end (ErrRunaway): a page number past
// twice the run's first totalCount plus RunawaySlackPages, or a page whose
// records an earlier page of the run had under another number at the same
// place (a server that loops, or cycles A, B, A, B with a huge totalCount).
//
// The first totalCount is the run's, not the call's: a run that resumes
// passes it on (synctype.Query.FirstTotal), so that each resumption cannot
// raise the limit. The pages are remembered by fingerprint for the whole
// run when the run shares its synctype.PageMarks with every call; a seek
// reads one page a call, and its pages cycle only inside one cursor, which
// is why a fingerprint holds the place (the cursor, or a list's path): the
// same records read again from another cursor are a seek moving on, not a
// loop.
type runaway struct {
	place string // where the pages are read, as a phrase ("of /lookupfields/X"); "" for the list by offset
	first int    // the run's first totalCount; -1 until known
	seen  *synctype.PageMarks
}

// newRunaway returns the guard of pages read at place; first is the run's
// first totalCount when known (a resumed run), else 0; seen is the run's
// memory of its pages, or nil for one of this guard's own.
func newRunaway(place string, first int, seen *synctype.PageMarks) *runaway {
	if first <= 0 {
		first = -1
	}
	if seen == nil {
		seen = new(synctype.PageMarks)
	}
	return &runaway{place: place, first: first, seen: seen}
}

// limit is the first page number past the run's allowance.
func (g *runaway) limit() int {
	return (2*g.first+RecordsPerPage-1)/RecordsPerPage + RunawaySlackPages
}

// past fails when page num is past the limit of a run whose first
// totalCount is known: a resumed run beyond it asks for nothing.
func (g *runaway) past(num int) error {
	if g.first < 0 || num < g.limit() {
		return nil
	}
	return fmt.Errorf("%w: page %d is past twice the run's first totalCount %d (%d pages and %d of slack)",
		ErrRunaway, num, g.first, g.limit()-RunawaySlackPages, RunawaySlackPages)
}

// check judges page num, whose answer gave total and recs, before it is
// delivered. An empty page ends the paging and is not judged.
func (g *runaway) check(num, total int, recs []json.RawMessage) error {
	if g.first < 0 {
		g.first = total
	}
	if len(recs) == 0 {
		return nil
	}
	if err := g.past(num); err != nil {
		return err
	}
	if earlier, repeat := g.seen.Mark(fingerprint(g.place, recs), num); repeat {
		return fmt.Errorf("%w: page %d repeats the %d records of page %d%s (the API's pages go round in a cycle)",
			ErrRunaway, num, len(recs), earlier, placeNote(g.place))
	}
	return nil
}

// fingerprint hashes place and the page's records, each by its id (by its
// bytes when it has none), in any order.
func fingerprint(place string, recs []json.RawMessage) uint64 {
	keys := make([]uint64, len(recs))
	for i, rec := range recs {
		var v struct {
			ID json.RawMessage `json:"id"` // encoding/json matches "Id" too
		}
		h := fnv.New64a()
		if json.Unmarshal(rec, &v) == nil && len(v.ID) > 0 && string(v.ID) != "null" {
			_, _ = h.Write([]byte("id:"))
			_, _ = h.Write(v.ID)
		} else {
			_, _ = h.Write([]byte("raw:"))
			_, _ = h.Write(rec)
		}
		keys[i] = h.Sum64()
	}
	slices.Sort(keys)
	h := fnv.New64a()
	_, _ = h.Write([]byte(place))
	for _, k := range keys {
		_, _ = h.Write(binary.LittleEndian.AppendUint64(nil, k))
	}
	return h.Sum64()
}

// cursorOf is the place of a query's pages: its filter's bounds (a seek's
// cursor), or "" for the whole list by offset.
func cursorOf(q synctype.Query) string {
	if q.Since == nil && q.Before == nil {
		return ""
	}
	place := "of the records modified"
	if q.Since != nil {
		place += " from " + q.Since.UTC().Format(time.RFC3339Nano)
	}
	if q.Before != nil {
		place += " before " + q.Before.UTC().Format(time.RFC3339Nano)
	}
	return place
}

// placeNote says where both pages of a cycle were read ("" for the list).
func placeNote(place string) string {
	if place == "" {
		return ""
	}
	return ", both " + place
}
