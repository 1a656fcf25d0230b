package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// lookupPages sweeps a list of lists (shapeLookups, the lookup values): GET
// rt.listPath names the types, and GET rt.listPath/{type} answers each
// type's values. It reads every type, then delivers the values as pages of
// RecordsPerPage from q.StartPage, totalCount being the number of values, so
// that the writer, the checkpoint and the census see one list like any
// other. All the values are held at once: lookup lists are small (tens of
// types, tens of values each), and a list read whole cannot drift while it
// is delivered. A run costs one request for the types and one per type (more
// only for a type of over RecordsPerPage values answered in pages).
func (c *Client) lookupPages(ctx context.Context, e synctype.Entity, rt route, q synctype.Query, fn func(synctype.Page) error) error {
	types, err := c.lookupTypes(ctx, rt)
	if err != nil {
		return fmt.Errorf("fetch %s: the types at %s: %w", e.Name, rt.listPath, err)
	}
	var all []json.RawMessage
	for _, typ := range types {
		vals, err := c.wholeList(ctx, rt.listPath+"/"+url.PathEscape(typ), rt.listPath+"/{type}")
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
func (c *Client) lookupTypes(ctx context.Context, rt route) ([]string, error) {
	items, err := c.wholeList(ctx, rt.listPath, "")
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

// wholeList reads every record of a GET list that answers a bare array or
// the envelope, paging the envelope by its first totalCount (and no further,
// so that a growing total cannot loop). route names path in metrics and
// messages when path holds a value ("" for path itself).
func (c *Client) wholeList(ctx context.Context, path, route string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	first := -1
	for num := 0; ; num++ {
		r := request{method: "GET", route: route, page: num,
			path: path + "?pageNum=" + strconv.Itoa(num) + "&recordsPerPage=" + strconv.Itoa(RecordsPerPage)}
		env, err := c.list(ctx, r, true)
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
