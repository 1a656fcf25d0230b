package extract

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// pagesAhead fetches the pages of one call to Pages ahead of their delivery:
// its queue holds the fetches under way, in page order, the oldest being the
// next page to deliver.
type pagesAhead struct {
	ctx   context.Context
	c     *Client
	e     synctype.Entity
	q     synctype.Query
	wg    sync.WaitGroup
	queue []chan fetched
	next  int // the next page to fetch
	end   int // the first page not to fetch; -1 = none
	total int // the totalCount of the page delivered last; -1 before the first
	first int // the first page's totalCount; -1 before it
}

// fetched is a page's envelope, or why it could not be had.
type fetched struct {
	env envelope
	err error
}

func newPagesAhead(ctx context.Context, c *Client, e synctype.Entity, q synctype.Query) *pagesAhead {
	end := -1
	if q.MaxPages > 0 {
		end = q.StartPage + q.MaxPages
	}
	return &pagesAhead{ctx: ctx, c: c, e: e, q: q, next: q.StartPage, end: end, total: -1, first: -1}
}

// more reports whether another page is to be fetched.
func (a *pagesAhead) more() bool {
	switch {
	case a.next == a.end:
		return false
	case a.first < 0: // before the first answer the total is unknown: one page only
		return len(a.queue) == 0
	}
	return a.next*RecordsPerPage < a.total
}

// topUp starts fetches until slots are under way or no page is left to fetch.
func (a *pagesAhead) topUp(slots int) {
	for len(a.queue) < slots && a.more() {
		num, ch := a.next, make(chan fetched, 1)
		a.queue = append(a.queue, ch)
		a.next++
		a.wg.Go(func() {
			env, err := a.c.page(a.ctx, a.e, a.q, num)
			ch <- fetched{env, err}
		})
	}
}

// receive waits for the oldest fetch, page num, and returns the page, and
// whether the API answered with the whole list at once.
func (a *pagesAhead) receive(num int) (_ synctype.Page, whole bool, _ error) {
	r := <-a.queue[0]
	a.queue = a.queue[1:]
	if r.err != nil {
		if num == 0 && a.q.Since != nil && errors.Is(r.err, ErrServer) {
			return synctype.Page{}, false, fmt.Errorf("fetch %s page %d: %w: %w", a.e.Name, num, synctype.ErrFilterFailed, r.err)
		}
		return synctype.Page{}, false, fmt.Errorf("fetch %s page %d: %w", a.e.Name, num, r.err)
	}
	a.total = r.env.total
	if a.first < 0 {
		a.first = a.total
	}
	p := synctype.Page{Num: num, TotalCount: a.total, Records: r.env.records, Drift: a.total != a.first, FirstTotal: a.first}
	return p, r.env.whole, nil
}

// isLast reports whether p ends the call: it is empty, reaches the total or
// the pages asked for, or was the whole list.
func (a *pagesAhead) isLast(p synctype.Page, whole bool) bool {
	return len(p.Records) == 0 || (p.Num+1)*RecordsPerPage >= p.TotalCount || p.Num+1 == a.end || whole
}
