package sync

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// runState is what one run carries from piece to piece: its entity and
// source, its plan, its result so far and its own count of requests.
type runState struct {
	e   synctype.Entity
	src Source
	p   plan
	res synctype.RunResult
	// tally counts the run's own requests: others of the key may run
	// meanwhile. The client's observer feeds it (synctype.WithTally).
	tally   *synctype.Tally
	records int // records read so far, for Progress
}

// run makes one planned run, top to bottom: begin, work (its pages, then the
// refresh of details or a census's deletions), check the source's marker,
// record. It records every outcome but an interruption by ctx: then the
// checkpoint keeps the run for resumption.
func (r *Runner) run(ctx context.Context, e synctype.Entity, p plan) (synctype.RunResult, error) {
	src, ok := r.opts.Sources[e.Product]
	if !ok {
		return synctype.RunResult{}, fmt.Errorf("sync %s: product %q has no source", e, e.Product)
	}
	rs := r.begin(e, src, p)
	ctx = synctype.WithTally(ctx, rs.tally)
	if p.mode == synctype.ModeCensus {
		ctx = synctype.WithBackground(ctx) // it yields the budget to the polls
	}
	defer r.forgetProbe(&rs.res)
	err := r.work(ctx, rs)
	if ctx.Err() != nil && err != nil && errors.Is(err, ctx.Err()) {
		r.opts.Logger.Info("run interrupted; it resumes at the next uncommitted page", "entity", e.Name, "mode", p.mode,
			"run_id", rs.res.RunID, "pages", rs.res.Pages)
		return rs.res, err
	}
	if err == nil {
		// The refresh of details is best effort, but not about this.
		err = checkMarkers(e, src, rs.tally.Stats())
	}
	rs.res.PageFailures = pageFailures(p, rs.res, err)
	return r.record(rs, err), err
}

// begin is the state of a run of p that starts now.
func (r *Runner) begin(e synctype.Entity, src Source, p plan) *runState {
	res := synctype.RunResult{RunID: p.runID, Product: e.Product, Entity: e.Name, Mode: p.mode, StartedAt: r.opts.Now(),
		WatermarkBefore: p.watermark, WatermarkAfter: p.watermark, Resumed: p.resumed, TotalFirst: p.firstTotal}
	// A run vouches only for changes before it started (see pages). This
	// also keeps a record dated in the future (a typo upstream) from pushing
	// the watermark past now, which would blind every later incremental run.
	start := res.StartedAt
	p.watermarkCap = &start
	p.seen = new(synctype.PageMarks)
	return &runState{e: e, src: src, p: p, res: res, tally: new(synctype.Tally)}
}

// work is the run's requests and writes, within RunTimeout: its row in the
// ledger, its pages, then the refresh of details, or a census's deletions.
// A panic is recovered here, at the edge of the run's work, and returned as
// its error: the run is recorded as failed, and the worker goes on.
func (r *Runner) work(ctx context.Context, rs *runState) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("sync %s: panic: %v", rs.e, v)
			r.opts.Logger.Error("run panicked", "entity", rs.e.Name, "product", rs.e.Product, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeoutCause(ctx, r.opts.RunTimeout, errRunTimeout)
	defer cancel()
	if err := r.startRun(ctx, rs); err != nil {
		return err
	}
	if err := r.pages(ctx, rs); err != nil {
		return r.timedOut(ctx, rs, err)
	}
	if rs.p.mode != synctype.ModeCensus {
		before := rs.tally.Stats().Requests
		r.refreshDetails(ctx, rs.e, rs.src, &rs.res)
		rs.res.RefreshRequests = rs.tally.Stats().Requests - before
		return nil
	}
	return r.deletions(ctx, rs)
}

// startRun opens the ledger's row of a new run; a resumed run has one.
func (r *Runner) startRun(ctx context.Context, rs *runState) error {
	if rs.res.RunID != 0 {
		return nil
	}
	e, p := rs.e, rs.p
	var err error
	rs.res.RunID, err = r.opts.Writer.StartRun(ctx, synctype.RunStart{Product: e.Product, Entity: e.Name, Mode: p.mode,
		SourceURL: rs.src.URL, Sandbox: rs.src.known(), StartedAt: rs.res.StartedAt, Since: p.since,
		WatermarkBefore: p.watermark, Note: r.note(e.Product), StartPage: p.startPage})
	if err != nil {
		return fmt.Errorf("start run of %s: %w", e, err)
	}
	return nil
}

// timedOut says so in err when the run's pages stopped at RunTimeout.
func (r *Runner) timedOut(ctx context.Context, rs *runState, err error) error {
	if context.Cause(ctx) != errRunTimeout {
		return err
	}
	return fmt.Errorf("sync %s: %w (RUN_TIMEOUT %v) after %d pages; the next run continues at the next page: %w",
		rs.e, errRunTimeout, r.opts.RunTimeout, rs.res.Pages, err)
}
