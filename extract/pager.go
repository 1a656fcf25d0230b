package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// ErrRunaway: the API's pages do not end as its totalCount says they should (more pages
// than twice the run's first totalCount allow, a page repeating an earlier one, or more
// pages than a list read whole may have). Pages stops with it rather than spend the
// key's budget on a loop.
var ErrRunaway = fmt.Errorf("%w: runaway paging", synctype.ErrBadPage)

// Pages fetches the pages of e in order, PagesInFlight at a time, and calls fn for each
// in order. It stops after the page that reaches TotalCount, or after an empty page (which
// is delivered too, so the caller sees its TotalCount), or when fn returns an error, which
// is returned as is, or after q.MaxPages pages when it is set (a seek reads one page per
// call, and never asks for a page it will not use). At most PagesInFlight pages are held
// at once, the one in fn included.
// A page past twice the run's first totalCount (q.FirstTotal when the run resumes, else
// the first page's) and RunawaySlackPages, or one repeating the ids of an earlier page
// of the run (q.Seen) under another number, is not delivered: Pages returns ErrRunaway.
func (c *Client) Pages(ctx context.Context, e synctype.Entity, q synctype.Query, fn func(synctype.Page) error) error {
	if err := c.checkPages(e, q); err != nil {
		return err
	}
	if e.Shape == synctype.ShapeLookups {
		return c.lookupPages(ctx, e, q, fn)
	}
	ctx, cancel := context.WithCancel(ctx)
	ahead := newPagesAhead(ctx, c, e, q)
	defer ahead.wg.Wait()
	defer cancel() // runs first: abandon the fetches beyond the last page

	num := q.StartPage
	guard := newRunaway(cursorOf(q), q.FirstTotal, q.Seen)
	if err := guard.past(num); err != nil {
		return fmt.Errorf("fetch %s page %d: %w", e.Name, num, err) // a resumed run past its limit asks nothing
	}
	for ; ; num++ {
		ahead.topUp(c.cfg.PagesInFlight)
		if len(ahead.queue) == 0 {
			return nil // total reached by pages already delivered (cannot happen on the first)
		}
		p, whole, err := ahead.receive(num)
		if err != nil {
			return err
		}
		if err := guard.check(num, p.TotalCount, p.Records); err != nil {
			return fmt.Errorf("fetch %s page %d: %w", e.Name, num, err)
		}
		last := ahead.isLast(p, whole)
		if !last {
			ahead.topUp(c.cfg.PagesInFlight - 1) // one page is in hand
		}
		if err := fn(p); err != nil {
			return err
		}
		if last {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err // cancelled: deliver nothing more, even pages already fetched
		}
	}
}

// checkPages rejects a call to Pages that cannot be answered: an entity of
// another product, a filter on an entity that has no modified field, a
// negative page, an entity without a list route.
func (c *Client) checkPages(e synctype.Entity, q synctype.Query) error {
	if e.Product != c.cfg.Product {
		return fmt.Errorf("pages of %s: the entity belongs to %s, this client to %s", e.Name, e.Product, c.cfg.Product)
	}
	if (q.Since != nil || q.Before != nil) && !e.Incremental() {
		return fmt.Errorf("pages of %s: Since or Before given, but %s has no modified field to filter on", e.Name, e.Name)
	}
	if q.StartPage < 0 || q.MaxPages < 0 {
		return fmt.Errorf("pages of %s: StartPage %d or MaxPages %d is negative", e.Name, q.StartPage, q.MaxPages)
	}
	if e.List.Path == "" {
		return fmt.Errorf("pages of %s: the entity declares no list route", e.Name)
	}
	return nil
}

// page fetches one page of e.
func (c *Client) page(ctx context.Context, e synctype.Entity, q synctype.Query, num int) (envelope, error) {
	r := request{method: e.List.Method, page: num}
	sortOnly := false
	switch e.List.Method {
	case "GET":
		r.path = e.List.Path + "?pageNum=" + strconv.Itoa(num) + "&recordsPerPage=" + strconv.Itoa(RecordsPerPage)
	case "POST":
		_, refused := c.noSortOnly.Load(e.Name)
		sortOnly = q.Since == nil && e.ModifiedField != "" && !refused
		r.path = e.List.Path
		r.body = searchBody(e, q, num, sortOnly)
	default:
		return envelope{}, fmt.Errorf("entity %s: list method %q", e.Name, e.List.Method)
	}
	env, err := c.list(ctx, r, e.Shape == synctype.ShapeWhole)
	var bad *BadResponseError
	if sortOnly && errors.As(err, &bad) && bad.Status == http.StatusBadRequest {
		// The sort without a condition is an assumption about the API: if it is refused,
		// sweep without it from now on (paging by the API's own order).
		c.noSortOnly.Store(e.Name, true)
		c.logger.Warn("the API refused a sort without a condition; sweeping unsorted", "entity", e.Name, "err", err)
		r.body = searchBody(e, q, num, false)
		env, err = c.list(ctx, r, false)
	}
	return env, err
}

// list sends a list request and parses its page envelope, or with bareOK
// also a bare array of the whole list (parseList).
func (c *Client) list(ctx context.Context, r request, bareOK bool) (envelope, error) {
	var env envelope
	err := c.do(ctx, r, func(body []byte) error {
		var err error
		env, err = parseList(body, bareOK)
		env.size = len(body)
		return err
	})
	return env, err
}

type searchFilter struct {
	Property  string `json:"property"`
	Direction string `json:"direction"`
	Value     string `json:"value,omitempty"`
	Operator  string `json:"operator,omitempty"`
}

// searchBody is the POST body of /{entity}/filter and /defects/Search. With Since it
// filters on and sorts by the modified field (and with Before bounds it from above, both
// conditions holding); without, sortOnly still sorts by it (no condition), so that paging
// is stable.
func searchBody(e synctype.Entity, q synctype.Query, num int, sortOnly bool) []byte {
	filters := []searchFilter{}
	switch {
	case e.ModifiedField != "" && q.Since != nil:
		filters = append(filters, searchFilter{Property: e.ModifiedField, Direction: "ASC",
			Value: q.Since.UTC().Format("2006-01-02T15:04:05.000Z"), Operator: "GreaterOrEqual"})
	case sortOnly:
		filters = append(filters, searchFilter{Property: e.ModifiedField, Direction: "ASC"})
	}
	if e.ModifiedField != "" && q.Before != nil {
		filters = append(filters, searchFilter{Property: e.ModifiedField, Direction: "ASC",
			Value: q.Before.UTC().Format("2006-01-02T15:04:05.000Z"), Operator: "LessThan"})
	}
	b, _ := json.Marshal(struct {
		SearchFilters  []searchFilter `json:"searchFilters"`
		RecordsPerPage int            `json:"recordsPerPage"`
		PageNum        int            `json:"pageNum"`
	}{filters, RecordsPerPage, num})
	return b
}
