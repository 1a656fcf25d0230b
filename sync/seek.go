package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// filterPrecision is the precision of the API's date filter (the pager sends
// milliseconds): records within one millisecond are one timestamp to a seek.
const filterPrecision = time.Millisecond

// seekPos is where the next request of a seek reads: the records modified at
// or after since, ascending, page num of them. Inside a run of more than a
// page of records with one timestamp (a group), before bounds the filter to
// that timestamp, and total is the group's size on the last page read: a
// smaller one means a record of the group moved or went, which shifts the
// group's pages, so the group is read again from its page 0.
type seekPos struct {
	since  time.Time
	before *time.Time // set inside a group
	num    int
	total  int
	size   int // records on a full page: the most seen on one
}

// seekPages reads an incremental run, or a sweep of an incremental entity,
// one request at a time: each asks for the records modified at or after the
// last committed record's date, ascending, from page 0. Records that change
// while it reads move behind the cursor (to the end) instead of shifting the
// pages under it, so nothing is skipped; and each page's commit moves the
// watermark to its newest record (capped), so a busy site never stalls it
// (see pages for why that is safe). p.since is the first cursor:
// watermark − overlap, which bounds what a run re-reads, or sweepFloor.
func (r *Runner) seekPages(ctx context.Context, rs *runState, p plan) error {
	pos := seekPos{since: p.since.Truncate(filterPrecision)}
	st := seekState{known: p.watermark}
	for {
		pg, err := r.fetchOne(ctx, rs.e, rs.src, pos, p.seen)
		if err != nil {
			return err
		}
		mods, err := pageDates(rs.e, pg, pos.since)
		if err != nil {
			return err
		}
		if err := r.writeSeekPage(ctx, rs, p, pos, pg, mods, &st); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		next, more := pos.next(pg, mods.last)
		if !more {
			return nil
		}
		st.again = 0
		if next.before == nil {
			st.again = mods.from(next.since)
		}
		pos = next
	}
}

// seekState is what a seek carries from page to page.
type seekState struct {
	known    *time.Time // records newer than this are changes the warehouse has not seen
	distinct int        // distinct ids read so far
	again    int        // records of the last page that the next request reads again
}

// writeSeekPage writes page pg of a seek at pos, and counts it in the run and st.
func (r *Runner) writeSeekPage(ctx context.Context, rs *runState, p plan, pos seekPos, pg synctype.Page, mods dates, st *seekState) error {
	// A seek's totalCount counts the records from its cursor on; with the
	// distinct ones read before, it is about the whole the run reads (what
	// the ledger, the progress and the budget plan want).
	whole := pg
	whole.TotalCount += st.distinct - st.again
	since := pos.since
	f := fetched{page: whole, num: rs.res.Pages, since: &since, watermark: capped(mods.newest, p.watermarkCap)}
	out, err := r.write(ctx, rs, f)
	if err != nil {
		return err
	}
	// An unchanged page holds no change to time; a sweep's records are
	// mostly old ones read for the first time, not changes.
	if p.mode == synctype.ModeIncremental && out.Inserted+out.Updated > 0 {
		r.opts.Metrics.Lag(rs.e, mods.after(st.known), r.opts.Now())
	}
	st.known = later(st.known, mods.newest)
	st.distinct += out.NewlySeen
	r.committed(rs, f, out)
	return nil
}

// next is where the seek reads after page pg, whose last record was modified
// at last (nil when it has no readable date); more is false after the last page.
func (pos seekPos) next(pg synctype.Page, last *time.Time) (next seekPos, more bool) {
	n := len(pg.Records)
	size := max(pos.size, n)
	end := n == 0 || pos.num*size+n >= pg.TotalCount
	switch {
	case pos.before != nil && pos.total > 0 && pg.TotalCount < pos.total:
		return seekPos{since: pos.since, before: pos.before, total: pg.TotalCount, size: size}, true // the group shrank: again
	case pos.before != nil && end:
		return seekPos{since: *pos.before, size: size}, true // past the group
	case pos.before != nil:
		return seekPos{since: pos.since, before: pos.before, num: pos.num + 1, total: pg.TotalCount, size: size}, true
	case end:
		return pos, false
	case last == nil || !last.Truncate(filterPrecision).After(pos.since):
		// A full page of one timestamp (or undated): page inside it, from its start.
		before := pos.since.Add(filterPrecision)
		return seekPos{since: pos.since, before: &before, size: size}, true
	}
	return seekPos{since: last.Truncate(filterPrecision), size: size}, true
}

// fetchOne fetches the one page at pos; seen is the run's memory of its
// pages (a page that repeats one of the same cursor is a runaway).
func (r *Runner) fetchOne(ctx context.Context, e synctype.Entity, src Source, pos seekPos, seen *synctype.PageMarks) (synctype.Page, error) {
	var got synctype.Page
	since := pos.since
	q := synctype.Query{Since: &since, Before: pos.before, StartPage: pos.num, MaxPages: 1, Seen: seen}
	err := src.API.Pages(ctx, e, q, func(pg synctype.Page) error {
		got = pg
		return nil
	})
	return got, err
}

// dates are the last-modified dates of a page's records.
type dates struct {
	all    []time.Time // the readable ones, in page order
	last   *time.Time  // the last record's; nil when unreadable
	newest *time.Time  // the newest readable one
}

// after returns the dates later than t (all of them when t is nil).
func (d dates) after(t *time.Time) []time.Time {
	var out []time.Time
	for _, m := range d.all {
		if t == nil || m.After(*t) {
			out = append(out, m)
		}
	}
	return out
}

// from counts the dates at or after t, to the filter's precision.
func (d dates) from(t time.Time) int {
	n := 0
	for _, m := range d.all {
		if !m.Truncate(filterPrecision).Before(t) {
			n++
		}
	}
	return n
}

// pageDates reads the last-modified date of each record of pg, a page of a
// seek from since. A page not in ascending order, or with a record before
// since, means the API ignored the filter or the sort: following its last
// record could skip records, so it is a bad page.
func pageDates(e synctype.Entity, pg synctype.Page, since time.Time) (dates, error) {
	var d dates
	for i, rec := range pg.Records {
		m, ok := modifiedOf(rec, e.ModifiedField)
		if i == len(pg.Records)-1 && ok {
			d.last = &m
		}
		if !ok {
			continue // quarantine's business
		}
		if m.Before(since) || d.newest != nil && m.Before(*d.newest) {
			return dates{}, fmt.Errorf("fetch %s page %d from %s: %w: record %d modified %s is out of the %s ascending order asked for",
				e.Name, pg.Num, since.Format(time.RFC3339Nano), synctype.ErrBadPage, i, m.Format(time.RFC3339Nano), e.ModifiedField)
		}
		d.all = append(d.all, m)
		d.newest = &d.all[len(d.all)-1]
	}
	return d, nil
}

// modifiedOf reads field (matched in any case, as encoding/json does) of a
// raw record as a time: RFC 3339 with any fraction, or zone-less, which the
// API means as UTC.
func modifiedOf(rec json.RawMessage, field string) (time.Time, bool) {
	holder := reflect.New(holderOf(field))
	if json.Unmarshal(rec, holder.Interface()) != nil {
		return time.Time{}, false
	}
	var s string
	if raw := holder.Elem().Field(0).Bytes(); raw == nil || json.Unmarshal(raw, &s) != nil {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// holders holds, per field name, a struct type of one json.RawMessage field
// tagged with that name: decoding a record into it reads that field alone,
// without the map of every field a seek's page would otherwise build for
// each record (docs/performance.md, "Worker CPU").
var holders gosync.Map

func holderOf(field string) reflect.Type {
	if t, ok := holders.Load(field); ok {
		return t.(reflect.Type)
	}
	t := reflect.StructOf([]reflect.StructField{{Name: "V", Type: reflect.TypeFor[json.RawMessage](),
		Tag: reflect.StructTag(`json:"` + field + `"`)}})
	holders.Store(field, t)
	return t
}
