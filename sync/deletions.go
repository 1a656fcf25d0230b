package sync

import (
	"context"
	"fmt"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Deletions (docs/design.md, "The census and deletions"): after a complete
// census, the rows it did not see are confirmed gone with the API one by
// one and marked; the writer checks the counts and the share.

// deletions marks what the census rs made may mark deleted, and says why
// when nothing is marked.
func (r *Runner) deletions(ctx context.Context, rs *runState) error {
	e, res := rs.e, &rs.res
	if res.Resumed {
		// Pages read before and after a restart are minutes or hours apart:
		// an insert and a delete in between keep totalCount and the count of
		// ids seen equal while a record shifted past unseen. Such a census
		// cannot prove a deletion; the next one will.
		res.DeleteNote = "resumed census: pages read across a restart cannot prove deletions; nothing marked"
		return nil
	}
	c := synctype.Census{RunID: res.RunID, Entity: e.Name, TotalFirst: res.TotalFirst, TotalLast: res.TotalLast, MaxShare: r.opts.DeleteMaxShare}
	only, note, err := r.confirmDeletions(ctx, e, rs.src, c)
	if err != nil {
		return fmt.Errorf("confirm deletions of %s: %w", e, err)
	}
	if err := vouch(ctx, e, rs.src); err != nil {
		return err
	}
	n, reason, err := r.opts.Writer.MarkDeleted(ctx, c, only, note)
	if err != nil {
		return fmt.Errorf("mark deleted %s: %w", e, err)
	}
	res.Deleted, res.DeleteNote = n, reason
	return nil
}

// complete census did not see, and returns those it confirmed gone (only)
// with a note for the ledger. A complete census can still miss a live
// record: an insert and a delete while it pages keep totalCount and the
// count of ids seen equal, while the delete shifted a record onto a page
// already read. A record the API still has is not marked.
//
// only is nil, and every unseen row may be marked as the counts allow, when
// ConfirmMax is 0, or when its
// answers cannot be trusted: a record the census saw must be found first,
// since a 404 from a detail endpoint the API lacks would read as a deletion.
// An error of the API while asking leaves the rows not yet asked about
// unmarked; only the census's context ending is an error.
func (r *Runner) confirmDeletions(ctx context.Context, e synctype.Entity, src Source, c synctype.Census) (only []string, note string, err error) {
	if r.opts.ConfirmMax <= 0 {
		return nil, "", nil
	}
	cands, err := r.opts.Writer.Candidates(ctx, c, r.opts.ConfirmMax)
	if err != nil || cands.Reason != "" || cands.Total == 0 {
		return nil, "", err // MarkDeleted says why nothing is marked
	}
	if trusted, why := r.probe(ctx, e, src.API, cands.SeenIDs); !trusted {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		return nil, "deletions not confirmed one by one: " + why, nil
	}
	only = []string{}
	var notes []string
	still := 0
	for i, id := range cands.IDs {
		found, err := src.API.Exists(ctx, e, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", ctx.Err()
			}
			notes = append(notes, fmt.Sprintf("stopped asking after %d of %d unseen rows: %v", i, cands.Total, err))
			break
		}
		if found {
			still++
		} else {
			only = append(only, id)
		}
	}
	if still > 0 {
		notes = append(notes, fmt.Sprintf("%d of the %d unseen rows asked about are still in the API (moved between pages while the census read): not marked",
			still, len(cands.IDs)))
	}
	if cands.Total > len(cands.IDs) {
		notes = append(notes, fmt.Sprintf("asked about %d of %d unseen rows (at most %d a census): the rest wait for the next census",
			len(cands.IDs), cands.Total, r.opts.ConfirmMax))
	}
	r.opts.Logger.Info("census deletions confirmed", "entity", e.Name, "run_id", c.RunID, "unseen", cands.Total,
		"gone", len(only), "still_there", still)
	return only, strings.Join(notes, "; "), nil
}

// probe asks the API about records the census saw, until one is found:
// then a "not found" means gone. A seen record may have been deleted since,
// so a few are tried; why says what the API answered when none was found.
func (r *Runner) probe(ctx context.Context, e synctype.Entity, api API, seen []string) (trusted bool, why string) {
	if len(seen) == 0 {
		return false, "the census saw no record to check the API's answers with"
	}
	var answers []string
	for _, id := range seen {
		found, err := api.Exists(ctx, e, id)
		switch {
		case err != nil:
			answers = append(answers, fmt.Sprintf("%s: %v", id, err))
		case found:
			return true, ""
		default:
			answers = append(answers, id+": not found")
		}
	}
	return false, "asked about records the census saw, and the API answered " + strings.Join(answers, "; ")
}
