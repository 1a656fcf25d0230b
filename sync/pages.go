package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// pages fetches the pages of the run and writes each in a transaction of its
// own, one after the other, in page order: rows, child rows, history and the
// checkpoint commit together.
//
// Every run of an incremental entity but the census seeks (seek.go): an
// incremental run from watermark − overlap, a sweep from sweepFloor, i.e.
// the whole list. Only a seek moves the watermark, page by page, capped at
// the run's start. Why that is safe while the site changes under the run:
//
//   - The seek never skips a record that sits still: each request asks for
//     the records modified at or after the last committed one, so a record
//     deleted or moved behind the cursor shifts nothing ahead of it.
//   - A record modified while the run pages takes the time of its change as
//     its date, which is past the cursor then (the cursor is a date already
//     read, so not later than now) and at or past the run's start: the seek
//     reads it further on, or the next incremental run, which starts at
//     watermark − overlap ≤ the run's start, does.
//   - So when the run ends, every record whose last change came before the
//     watermark is in the warehouse at that version. A record deleted
//     meanwhile may still be there: that is the census's business.
//
// Offset paging (a census, or a sweep whose filter the API keeps failing
// on) skips a record that sits still whenever one read before it moves or
// goes (the records after it shift onto a page already read): it proves
// nothing about dates and leaves the watermark where it was. Its
// completeness (distinct ids = totalCount) decides deletions only. A resumed
// seek continues at its cursor and is as safe: a change while the worker was
// down is dated after the cursor too.
//
// A record without a readable date is never in a filtered answer: the
// census loads it. The writer keeps the ids a run saw (for the census's
// deletions and a seek's counts), so memory does not grow with the entity.
func (r *Runner) pages(ctx context.Context, rs *runState) error {
	p := rs.p
	// A run that goes on with an offset run at its page (a sweep whose
	// filter failed) pages on by offset: a seek always has a cursor.
	offsetPlace := p.since == nil && p.startPage > 0
	if seeks(rs.e, p.mode) && !offsetPlace {
		if p.since == nil { // a new sweep: the whole list
			floor := sweepFloor
			p.since = &floor
		}
		err := r.seekPages(ctx, rs, p)
		if !r.fallBack(rs.e, &rs.res, err) {
			return err
		}
		p.since, p.startPage, p.firstTotal = nil, 0, 0 // the whole list, by offset
	}
	return r.offsetPages(ctx, rs, p)
}

// sweepFloor is where a sweep's seek starts: before any record (Plutora's
// records date from the 2010s), and inside the range of every SQL Server date type
// an API may keep them in (smalldatetime starts on 1900-01-01).
var sweepFloor = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// seeks reports whether a run of e in mode reads by seeking (see pages).
func seeks(e synctype.Entity, mode synctype.Mode) bool {
	return e.Incremental() && mode != synctype.ModeCensus
}

// fetched is a page a pager hands over: the API's page (its TotalCount
// about the whole the run reads), with the page number and filter the
// checkpoint records and the watermark it yields (nil: it moves none).
type fetched struct {
	page      synctype.Page
	num       int
	since     *time.Time
	watermark *time.Time
}

// write writes a fetched page: the records to write (enrich: the details of
// a summary list), then the page with its checkpoint. The pager counts it
// in the run (committed) once it has what it needs of the result.
func (r *Runner) write(ctx context.Context, rs *runState, f fetched) (synctype.PageResult, error) {
	e := rs.e
	recs, summaries, err := r.enrich(ctx, e, rs.src, f.page, &rs.res)
	if err != nil {
		return synctype.PageResult{}, fmt.Errorf("%s page %d: %w", e.Name, f.page.Num, err)
	}
	return r.writePage(ctx, e, rs.src, synctype.PageWrite{RunID: rs.res.RunID, Product: e.Product, Entity: e.Name, Mode: rs.p.mode,
		PageNum: f.num, TotalCount: f.page.TotalCount, Since: f.since, Records: recs, Summaries: summaries, Watermark: f.watermark})
}

// writePage writes one page, once the run's data answers so far vouch for
// the source (vouch). The page in hand commits even when ctx is cancelled
// (shutdown): its write has a deadline of its own instead. The writer's
// errors name the entity and page already.
func (r *Runner) writePage(ctx context.Context, e synctype.Entity, src Source, pw synctype.PageWrite) (synctype.PageResult, error) {
	if err := vouch(ctx, e, src); err != nil {
		return synctype.PageResult{}, fmt.Errorf("%s page %d: %w", e.Name, pw.PageNum, err)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return r.opts.Writer.WritePage(wctx, pw)
}

// committed adds a committed page to the run's counts and reports it.
func (r *Runner) committed(rs *runState, f fetched, out synctype.PageResult) {
	res, pg := &rs.res, f.page
	res.WatermarkAfter = later(res.WatermarkAfter, f.watermark)
	rs.records += len(pg.Records)
	if res.Pages == 0 && res.TotalFirst == 0 {
		res.TotalFirst = pg.TotalCount
	}
	res.Pages++
	res.TotalLast = pg.TotalCount
	res.Inserted += out.Inserted
	res.Updated += out.Updated
	res.Unchanged += out.Unchanged
	res.Quarantined += out.Quarantined
	r.opts.Logger.Debug("page committed", "entity", rs.e.Name, "mode", rs.p.mode, "run_id", res.RunID, "page", pg.Num,
		"total", pg.TotalCount, "records", len(pg.Records))
	if r.opts.Progress != nil {
		page := pg.Num
		if seeks(rs.e, rs.p.mode) {
			page = res.Pages - 1 // a seek's pages are all page 0 of their cursor, mostly
		}
		r.opts.Progress(Progress{Entity: rs.e, Mode: rs.p.mode, Page: page, TotalCount: pg.TotalCount, Records: rs.records})
	}
}
