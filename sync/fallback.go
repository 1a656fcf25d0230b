package sync

import (
	"errors"
	"fmt"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// fallBack reports whether an incremental run that ended with err should
// read the whole list instead: the API kept failing on the filter of its
// first request (synctype.ErrFilterFailed: the client retried a few times).
// The whole list holds what the filter would have matched and more, so
// nothing is missed. The ledger (RunResult.Fallback), a metric and the log
// say so; the filter is not retried further in this run.
func (r *Runner) fallBack(e synctype.Entity, res *synctype.RunResult, err error) bool {
	if res.Pages > 0 || !errors.Is(err, synctype.ErrFilterFailed) {
		return false
	}
	res.Fallback = fmt.Sprintf("the API kept failing on the filter (%v); read the whole list instead", err)
	r.opts.Logger.Warn("filter failed; reading the whole list instead", "entity", e.Name, "run_id", res.RunID, "error", err)
	r.opts.Metrics.FilterFallback(e.Name)
	return true
}

// FilterFallback counts a run that read the whole list instead of filtering.
func (m *Metrics) FilterFallback(entity string) {
	if m != nil {
		m.fallbacks.WithLabelValues(entity).Inc()
	}
}
