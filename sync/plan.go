package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Planning: from the checkpoints and the mode asked for, what a run does.
// Run asks twice: first for a run a crash or a shutdown left unfinished
// (Interrupted, resumePlan), then for the run asked for (planAsked): a new
// one, one that continues where a failed run stopped, or none (skip).

// plan is what a run does.
type plan struct {
	mode       synctype.Mode
	runID      int64 // resumed run; 0 = new
	since      *time.Time
	startPage  int
	firstTotal int
	watermark  *time.Time
	resumed    bool // continues an interrupted or failed run
	failures   int  // failed runs in a row at startPage
	// skip: the job's page kept failing (MaxPageFailures): the run is
	// recorded as skipped, not made (kept is the failed run's place).
	skip bool
	kept synctype.Checkpoint
	// seen remembers every page the run reads, across its calls: the
	// API client's runaway guard fails a page that repeats an earlier one.
	seen *synctype.PageMarks
	// watermarkCap bounds the watermark a seek may yield: the run's start
	// (begin sets it). A run vouches only for changes before it started.
	watermarkCap *time.Time
}

// Interrupted returns the checkpoint of e's run of mode's family that a
// crash or a shutdown left unfinished, if there is one (found).
func (r *Runner) Interrupted(ctx context.Context, e synctype.Entity, mode synctype.Mode) (cp synctype.Checkpoint, found bool, err error) {
	for _, m := range family(mode) {
		cp, ok, err := r.opts.Writer.CheckpointMode(ctx, e.Product, e.Name, m)
		if err != nil {
			return synctype.Checkpoint{}, false, fmt.Errorf("read %s checkpoint of %s: %w", m, e, err)
		}
		if ok && cp.RunID != 0 {
			return cp, true, nil
		}
	}
	return synctype.Checkpoint{}, false, nil
}

// planAsked plans the run of mode asked for, once no run of its family is
// left to resume: a new run, or one that continues where a failed run of
// its mode stopped; a job whose page kept failing is skipped, but by a
// census (which starts at page 0).
func (r *Runner) planAsked(ctx context.Context, e synctype.Entity, mode synctype.Mode) (plan, error) {
	cp, ok, err := r.opts.Writer.Checkpoint(ctx, e.Product, e.Name)
	if err != nil {
		return plan{}, fmt.Errorf("read checkpoint of %s: %w", e, err)
	}
	p := r.newPlan(e, mode, cp, ok)
	kept, found, err := r.opts.Writer.CheckpointMode(ctx, e.Product, e.Name, p.mode)
	if err != nil {
		return plan{}, fmt.Errorf("read %s checkpoint of %s: %w", p.mode, e, err)
	}
	if found && kept.RunID == 0 && kept.NextPage > 0 { // a failed run's place
		switch {
		case kept.Failures < MaxPageFailures:
			p = continuePlan(kept, cp.Watermark)
		case p.mode != synctype.ModeCensus:
			return plan{mode: kept.Mode, skip: true, kept: kept}, nil
		}
	}
	return p, nil
}

// newPlan is a new run of mode: incremental from the watermark less the
// overlap where the entity allows it and has a watermark, else a sweep; a
// census reads everything.
func (r *Runner) newPlan(e synctype.Entity, mode synctype.Mode, cp synctype.Checkpoint, ok bool) plan {
	p := plan{mode: mode}
	if ok {
		p.watermark = cp.Watermark
	}
	switch {
	case mode == synctype.ModeCensus:
	case mode == synctype.ModeIncremental && e.Incremental() && p.watermark != nil:
		since := p.watermark.Add(-r.opts.Overlap)
		p.since = &since
	default:
		p.mode = synctype.ModeSweep
	}
	return p
}

// resumePlan resumes the run cp holds at its next uncommitted page.
func resumePlan(cp synctype.Checkpoint) plan {
	p := plan{mode: cp.Mode, runID: cp.RunID, since: cp.Since, startPage: cp.NextPage, watermark: cp.Watermark,
		resumed: true, failures: cp.Failures}
	if cp.NextPage > 0 {
		p.firstTotal = cp.FirstTotal
	}
	return p
}

// continuePlan is a new run that continues where a failed run of the same
// mode stopped (kept), with its filter; watermark is the entity's.
func continuePlan(kept synctype.Checkpoint, watermark *time.Time) plan {
	kept.RunID, kept.Watermark = 0, watermark
	return resumePlan(kept)
}

// family returns the modes whose runs of one entity wait for each other.
// The census runs beside the incremental runs and sweeps of its entity: a
// census of a big entity takes long, and must not hold its polls back. Its
// deletions stay safe (load: a row another run wrote after the census began
// is never marked), and the key's pacer keeps the polls' share of the
// budget from it (synctype.WithBackground).
func family(mode synctype.Mode) []synctype.Mode {
	if mode == synctype.ModeCensus {
		return []synctype.Mode{synctype.ModeCensus}
	}
	return []synctype.Mode{synctype.ModeIncremental, synctype.ModeSweep}
}

// capped bounds t by c (nil: no bound).
func capped(t, c *time.Time) *time.Time {
	if t == nil || c == nil || !t.After(*c) {
		return t
	}
	return c
}

// later returns the later of two optional times.
func later(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.After(*a):
		return b
	default:
		return a
	}
}
