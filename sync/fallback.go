package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// listPages fetches the pages of q. When q filters and the API kept
// failing on its first page (synctype.ErrFilterFailed: the client retried
// a few times), the run reads the whole list instead: its records are
// those the filter would have matched and more, so nothing is missed. The
// ledger (RunResult.Fallback), a metric and the log say so; the filter is
// not retried further in this run.
func (r *Runner) listPages(ctx context.Context, e synctype.Entity, src Source, q synctype.Query, res *synctype.RunResult, fn func(synctype.Page) error) error {
	err := src.API.Pages(ctx, e, q, fn)
	if err == nil || q.Since == nil || q.StartPage != 0 || res.Pages > 0 || !errors.Is(err, synctype.ErrFilterFailed) {
		return err
	}
	res.Fallback = fmt.Sprintf("the API kept failing on the filter (%v); read the whole list instead", err)
	r.opts.Logger.Warn("filter failed; reading the whole list instead", "entity", e.Name, "run_id", res.RunID, "error", err)
	r.opts.Metrics.FilterFallback(e.Name)
	q.Since = nil
	return src.API.Pages(ctx, e, q, fn)
}

// FilterFallback counts a run that read the whole list instead of filtering.
func (m *Metrics) FilterFallback(entity string) {
	if m != nil {
		m.fallbacks.WithLabelValues(entity).Inc()
	}
}
