package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// lookupPages sweeps a list of lists (synctype.ShapeLookups, the lookup values): GET
// e.List.Path names the types, and GET e.List.Path/{type} answers each
// type's values. It reads every type, then delivers the values as pages of
// RecordsPerPage from q.StartPage, totalCount being the number of values, so
// that the writer, the checkpoint and the census see one list like any
// other. All the values are held at once: lookup lists are small (tens of
// types, tens of values each), and a list read whole cannot drift while it
// is delivered. What it holds is bounded (wholeRead): the bodies of at most
// MaxBodyBytes, read in at most MaxWholeListPages pages, each page judged by
// the runaway guard; past a bound the run fails naming it. A run costs one
// request for the types and one per type (more only for a type of over
// RecordsPerPage values answered in pages).
func (c *Client) lookupPages(ctx context.Context, e synctype.Entity, q synctype.Query, fn func(synctype.Page) error) error {
	held := &wholeRead{entity: e.Name, maxBytes: c.cfg.MaxBodyBytes, seen: q.Seen}
	types, err := c.lookupTypes(ctx, e.List.Path, held)
	if err != nil {
		return fmt.Errorf("fetch %s: the types at %s: %w", e.Name, e.List.Path, err)
	}
	var all []json.RawMessage
	for _, typ := range types {
		vals, err := c.wholeList(ctx, e.List.Path+"/"+url.PathEscape(typ), e.List.Path+"/{type}", held)
		if err != nil {
			return fmt.Errorf("fetch %s of type %s: %w", e.Name, typ, err)
		}
		all = append(all, vals...)
	}
	if dups := duplicateIDs(all); dups > 0 {
		// The API does not say whether value ids are unique across types: the
		// table keys on id, so a shared id keeps one of its values only.
		c.logger.Warn("lookup value ids repeat across types; the warehouse keeps one row per id", "entity", e.Name, "repeated", dups)
	}
	total := len(all)
	for num := q.StartPage; ; num++ {
		from := min(num*RecordsPerPage, total)
		to := min(from+RecordsPerPage, total)
		if err := fn(synctype.Page{Num: num, TotalCount: total, FirstTotal: total, Records: all[from:to]}); err != nil {
			return err
		}
		if to >= total {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// lookupTypes reads the type names ([{name, description}]), in the API's
// order, each once.
func (c *Client) lookupTypes(ctx context.Context, path string, held *wholeRead) ([]string, error) {
	items, err := c.wholeList(ctx, path, "", held)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for i, raw := range items {
		var t struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &t); err != nil || strings.TrimSpace(t.Name) == "" {
			return nil, fmt.Errorf("%w: type %d has no name: %s", synctype.ErrBadPage, i, truncate(raw, 64))
		}
		if key := strings.ToLower(t.Name); !seen[key] {
			seen[key] = true
			out = append(out, t.Name)
		}
	}
	return out, nil
}

// wholeRead bounds what one read of lists held whole keeps in memory: the
// bodies of its pages (the records are slices of them) and the number of
// pages, over every list it reads. A hostile or broken server answering
// big values under a huge totalCount would otherwise grow the worker until
// the kernel kills it.
type wholeRead struct {
	entity   string
	maxBytes int64
	bytes    int64
	pages    int
	seen     *synctype.PageMarks // the run's pages (the runaway guard); nil = the read's own
}

// admit counts one more page to read: past MaxWholeListPages it fails.
func (w *wholeRead) admit() error {
	if w.pages++; w.pages > MaxWholeListPages {
		return fmt.Errorf("%w: %s is read whole before it is written, and its lists passed the limit of %d pages for that (MaxWholeListPages)",
			ErrRunaway, w.entity, MaxWholeListPages)
	}
	return nil
}

// hold counts a page body of size bytes held: past maxBytes it fails.
func (w *wholeRead) hold(size int) error {
	if w.bytes += int64(size); w.bytes > w.maxBytes {
		return fmt.Errorf("%w: %s is read whole before it is written, and its %d pages hold %d bytes, over the limit of %d bytes "+
			"for that (MAX_BODY_BYTES, MaxBodyBytes): raise it and the memory limit with it (docs/operations.md, \"Memory\")",
			synctype.ErrBadPage, w.entity, w.pages, w.bytes, w.maxBytes)
	}
	return nil
}

// wholeList reads every record of a GET list that answers a bare array or
// the envelope, paging the envelope by its first totalCount (and no further,
// so that a growing total cannot loop), within held's bounds and under the
// runaway guard. route names path in metrics and messages when path holds
// a value ("" for path itself).
func (c *Client) wholeList(ctx context.Context, path, route string, held *wholeRead) ([]json.RawMessage, error) {
	var out []json.RawMessage
	guard := newRunaway("of "+path, 0, held.seen)
	first := -1
	for num := 0; ; num++ {
		if err := held.admit(); err != nil {
			return nil, fmt.Errorf("page %d: %w", num, err)
		}
		r := request{method: "GET", route: route, page: num,
			path: path + "?pageNum=" + strconv.Itoa(num) + "&recordsPerPage=" + strconv.Itoa(RecordsPerPage)}
		env, err := c.list(ctx, r, true)
		if err == nil {
			err = held.hold(env.size)
		}
		if err == nil {
			err = guard.check(num, env.total, env.records)
		}
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", num, err)
		}
		out = append(out, env.records...)
		if first < 0 {
			first = env.total
		}
		if env.whole || len(env.records) == 0 || (num+1)*RecordsPerPage >= min(env.total, first) {
			return out, nil
		}
	}
}

// duplicateIDs counts the records whose id an earlier record has.
func duplicateIDs(recs []json.RawMessage) int {
	seen := make(map[string]bool, len(recs))
	n := 0
	for _, raw := range recs {
		var v struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &v) != nil || v.ID == "" {
			continue // the writer quarantines it
		}
		key := strings.ToLower(v.ID)
		if seen[key] {
			n++
		}
		seen[key] = true
	}
	return n
}
