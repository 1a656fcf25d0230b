package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// record ends a run: its outcome, what its own requests counted (the run's
// synctype.Tally), the ledger's row, the metrics and one log line. Every
// path that ends a run calls it once, but an interruption by the caller's
// context: that run is left to be resumed.
func (r *Runner) record(rs *runState, runErr error) synctype.RunResult {
	res, made := rs.res, rs.tally.Stats()
	res.Requests, res.Throttled = made.Requests, made.Throttled
	res.Retries, res.TokenRenewals = made.Retries, made.TokenRenewals
	res.Sandbox = answered(made)
	res.FinishedAt = r.opts.Now()
	res.BudgetUsed, res.BudgetLimit = rs.src.API.BudgetUsed(res.FinishedAt)
	r.opts.Metrics.Budget(rs.e.Product, res.BudgetUsed, res.BudgetLimit)
	res.Outcome, res.Error = outcome(res, runErr)
	if res.RunID != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := r.opts.Writer.FinishRun(ctx, res); err != nil {
			r.opts.Logger.Error("record run", "entity", rs.e.Name, "run_id", res.RunID, "error", err)
		}
		cancel()
	}
	r.opts.Metrics.RunFinished(res)
	r.logRun(rs.e, res, runErr)
	if r.opts.Recorded != nil {
		r.opts.Recorded(res)
	}
	return res
}

// outcome is how a run ended, and what the ledger says of it: failed with
// its error; skipped with its reason (skip sets both); a warning when every
// record it read was quarantined; else a success.
func outcome(res synctype.RunResult, runErr error) (synctype.Outcome, string) {
	switch {
	case runErr != nil:
		return synctype.OutcomeFailed, runErr.Error()
	case res.Outcome != "":
		return res.Outcome, res.Error
	case allQuarantined(res):
		return synctype.OutcomeWarning, fmt.Sprintf("every record the run read (%d) was quarantined: nothing loaded; "+
			"reporting.quarantine says why", res.Quarantined)
	}
	return synctype.OutcomeSuccess, res.Error
}

// logRun writes the run's one log line.
func (r *Runner) logRun(e synctype.Entity, res synctype.RunResult, runErr error) {
	attrs := []any{"product", e.Product, "entity", e.Name, "mode", res.Mode, "run_id", res.RunID, "outcome", res.Outcome,
		"pages", res.Pages, "inserted", res.Inserted, "updated", res.Updated, "unchanged", res.Unchanged,
		"deleted", res.Deleted, "quarantined", res.Quarantined, "total", res.TotalLast, "requests", res.Requests,
		"duration", res.FinishedAt.Sub(res.StartedAt).Round(time.Millisecond).String()}
	if res.Resumed {
		attrs = append(attrs, "resumed", true)
	}
	if res.DeleteNote != "" {
		attrs = append(attrs, "delete_note", res.DeleteNote)
	}
	switch {
	case runErr != nil:
		r.opts.Logger.Error("run failed", append(attrs, "error", runErr, "page_failures", res.PageFailures)...)
	case res.Outcome == synctype.OutcomeSkipped:
		r.opts.Logger.Warn("run skipped", append(attrs, "reason", res.Error)...)
	case res.Outcome == synctype.OutcomeWarning:
		r.opts.Logger.Warn("run finished with a warning", append(attrs, "warning", res.Error)...)
	default:
		r.opts.Logger.Info("run finished", attrs...)
	}
}

// skip records a run of kept's job that is not made: its page kept failing.
func (r *Runner) skip(ctx context.Context, e synctype.Entity, kept synctype.Checkpoint) (synctype.RunResult, error) {
	src := r.opts.Sources[e.Product]
	reason := fmt.Sprintf("skipped: page %d of this %s run failed %d runs in a row (last: %s); "+
		"the next census tries again, or set plutora_sync.checkpoints.failures to 0 to retry now",
		kept.NextPage, kept.Mode, kept.Failures, kept.Failure)
	rs := &runState{e: e, src: src, tally: new(synctype.Tally), res: synctype.RunResult{Product: e.Product, Entity: e.Name,
		Mode: kept.Mode, StartedAt: r.opts.Now(), WatermarkBefore: kept.Watermark, Resumed: true,
		PageFailures: kept.Failures, TotalFirst: kept.FirstTotal}}
	var err error
	rs.res.RunID, err = r.opts.Writer.StartRun(ctx, synctype.RunStart{Product: e.Product, Entity: e.Name, Mode: kept.Mode,
		SourceURL: src.URL, Sandbox: src.known(), StartedAt: rs.res.StartedAt, Since: kept.Since, StartPage: kept.NextPage, Note: r.note(e.Product)})
	if err != nil {
		return rs.res, fmt.Errorf("record skipped run of %s: %w", e, err)
	}
	rs.res.Outcome, rs.res.Error = synctype.OutcomeSkipped, reason
	return r.record(rs, nil), nil
}

// pageFailures is the count of failed runs in a row at the checkpoint's next
// page after a run of p ended with err: a bad page adds one when the run
// committed nothing (it failed where the last one did), else starts at one;
// another failure keeps the count when nothing moved.
func pageFailures(p plan, res synctype.RunResult, err error) int {
	switch {
	case err == nil:
		return 0
	case res.Pages > 0:
		if errors.Is(err, synctype.ErrBadPage) {
			return 1
		}
		return 0
	case errors.Is(err, synctype.ErrBadPage):
		return p.failures + 1
	default:
		return p.failures
	}
}

// allQuarantined reports whether a run quarantined every record it read,
// and read at least one: it completed, but nothing of it loaded (a site
// whose records all changed shape, say), which a plain success would hide.
func allQuarantined(res synctype.RunResult) bool {
	return res.Quarantined > 0 && res.Inserted+res.Updated+res.Unchanged == 0
}
