package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

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
	if e.Product != c.cfg.Product {
		return fmt.Errorf("pages of %s: the entity belongs to %s, this client to %s", e.Name, e.Product, c.cfg.Product)
	}
	if (q.Since != nil || q.Before != nil) && !e.Incremental() {
		return fmt.Errorf("pages of %s: Since or Before given, but %s has no modified field to filter on", e.Name, e.Name)
	}
	if q.StartPage < 0 || q.MaxPages < 0 {
		return fmt.Errorf("pages of %s: StartPage %d or MaxPages %d is negative", e.Name, q.StartPage, q.MaxPages)
	}
	end := -1 // the first page not to fetch; -1 = none
	if q.MaxPages > 0 {
		end = q.StartPage + q.MaxPages
	}
	if e.List.Path == "" {
		return fmt.Errorf("pages of %s: the entity declares no list route", e.Name)
	}
	if e.Shape == synctype.ShapeLookups {
		return c.lookupPages(ctx, e, q, fn)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // runs first: abandon the fetches beyond the last page

	type result struct {
		env envelope
		err error
	}
	var queue []chan result // outstanding pages, in order
	next, total, first := q.StartPage, -1, -1
	more := func() bool {
		switch {
		case next == end:
			return false
		case first < 0: // before the first answer the total is unknown: one page only
			return len(queue) == 0
		}
		return next*RecordsPerPage < total
	}
	topUp := func(slots int) {
		for len(queue) < slots && more() {
			num, ch := next, make(chan result, 1)
			queue = append(queue, ch)
			next++
			wg.Go(func() {
				env, err := c.page(ctx, e, q, num)
				ch <- result{env, err}
			})
		}
	}
	num := q.StartPage
	guard := newRunaway(cursorOf(q), q.FirstTotal, q.Seen)
	if err := guard.past(num); err != nil {
		return fmt.Errorf("fetch %s page %d: %w", e.Name, num, err) // a resumed run past its limit asks nothing
	}
	for {
		topUp(c.cfg.PagesInFlight)
		if len(queue) == 0 {
			return nil // total reached by pages already delivered (cannot happen on the first)
		}
		r := <-queue[0]
		queue = queue[1:]
		if r.err != nil {
			if num == 0 && q.Since != nil && errors.Is(r.err, ErrServer) {
				return fmt.Errorf("fetch %s page %d: %w: %w", e.Name, num, synctype.ErrFilterFailed, r.err)
			}
			return fmt.Errorf("fetch %s page %d: %w", e.Name, num, r.err)
		}
		total = r.env.total
		if first < 0 {
			first = total
		}
		p := synctype.Page{Num: num, TotalCount: total, Records: r.env.records, Drift: total != first, FirstTotal: first}
		if err := guard.check(num, total, p.Records); err != nil {
			return fmt.Errorf("fetch %s page %d: %w", e.Name, num, err)
		}
		last := len(p.Records) == 0 || (num+1)*RecordsPerPage >= total || num+1 == end || r.env.whole
		if !last {
			topUp(c.cfg.PagesInFlight - 1) // one page is in hand
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
		num++
	}
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
