package sync

import (
	"context"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// offsetPages reads the run's pages by offset (a census; a sweep of an
// entity that cannot seek, or whose filter the API keeps failing on), from
// p's start page, and writes each: see pages for what that proves.
func (r *Runner) offsetPages(ctx context.Context, rs *runState, p plan) error {
	q := synctype.Query{Since: p.since, StartPage: p.startPage, FirstTotal: p.firstTotal, Seen: p.seen}
	return rs.src.API.Pages(ctx, rs.e, q, func(pg synctype.Page) error {
		f := fetched{page: pg, num: pg.Num, since: p.since}
		out, err := r.write(ctx, rs, f)
		if err != nil {
			return err
		}
		r.committed(rs, f, out)
		return ctx.Err()
	})
}
