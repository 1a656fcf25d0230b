package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Source is one product's API with the URL recorded in the ledger.
type Source struct {
	API API
	URL string // API base URL, recorded in every run of the product
	// Sandbox is what the worker holds the API to be before any run: the
	// sandbox (extract/plutoratest) or a real Plutora. Known says the worker
	// knows it (the demo started the sandbox itself); else the API said so
	// at start (GET /me), and the database was checked against it. Either
	// way every run checks it against the marker on each of its data
	// answers before it writes (sandbox.go).
	Sandbox, Known bool
}

// RunnerOptions configures a Runner. Its settings are taken as given:
// sync/config holds their defaults and ranges, and NewRunner only rejects a
// value it cannot work with.
type RunnerOptions struct {
	Writer         PageWriter
	Sources        map[synctype.Product]Source
	Overlap        time.Duration // incremental: since = watermark − Overlap
	DeleteMaxShare float64       // census: the largest share of a table marked deleted at once
	// ConfirmMax is how many unseen rows a census asks the API about, one
	// request each, before it marks them deleted (confirmDeletions); the
	// rest wait for the next census. 0 trusts the counts alone.
	ConfirmMax int
	Now        func() time.Time // default time.Now
	Logger     *slog.Logger
	Metrics    *Metrics
	// Progress, when set, is called after every committed page.
	Progress func(Progress)
	// Recorded, when set, is called with every run's result once the ledger
	// holds it (tests wait on it instead of reading the ledger in a loop).
	Recorded func(synctype.RunResult)
	// Note, when set, is recorded on every run (e.g. a budget-plan warning).
	Note func(product synctype.Product) string
	// RunTimeout bounds a run (its pages, waits for the budget and 429s
	// included): past it the run fails, and the next one continues where it
	// stopped. Required.
	RunTimeout time.Duration
	// ListKinds says, per entity name, whether its list answers full
	// records or summaries; an entity not named (or ListUnknown) is found
	// out by comparing a list item with its detail once (details.go).
	ListKinds map[string]synctype.ListKind
	// DetailRefresh is how often the rolling refresh fetches each detail of
	// a summary list again; 0 never.
	DetailRefresh time.Duration
}

// MaxPageFailures is how many runs in a row may fail at the same page on a
// bad page (synctype.ErrBadPage) before the job is skipped, with the reason
// in the ledger, until a census succeeds or an operator resets the count.
// A census still tries, from page 0.
const MaxPageFailures = 3

// errRunTimeout is the cause of a run's context ending at RunTimeout.
var errRunTimeout = errors.New("run deadline passed")

// Progress reports one committed page of a run.
type Progress struct {
	Entity     synctype.Entity
	Mode       synctype.Mode
	Page       int // 0-based page just committed
	TotalCount int
	Records    int // records committed so far in this run
}

// Runner runs one entity in one mode at a time; runs of the same entity wait
// for each other, so that incremental and census runs never interleave.
type Runner struct {
	opts  RunnerOptions
	mu    gosync.Mutex
	locks map[string]chan struct{}
	kinds map[string]synctype.ListKind // configured or found (listKind)
	// probed holds the runs in progress whose list-kind probe is done
	// (listKind): a run probes at most once.
	probed map[int64]bool
}

// NewRunner checks opts and returns a Runner.
func NewRunner(opts RunnerOptions) (*Runner, error) {
	if opts.Writer == nil {
		return nil, errors.New("sync: RunnerOptions.Writer is nil")
	}
	if len(opts.Sources) == 0 {
		return nil, errors.New("sync: RunnerOptions.Sources is empty")
	}
	for product, src := range opts.Sources {
		if src.API == nil {
			return nil, fmt.Errorf("sync: RunnerOptions.Sources[%s].API is nil", product)
		}
	}
	if opts.Overlap < 0 {
		return nil, fmt.Errorf("sync: RunnerOptions.Overlap %v is negative", opts.Overlap)
	}
	if opts.DeleteMaxShare <= 0 {
		return nil, fmt.Errorf("sync: RunnerOptions.DeleteMaxShare %v: want a positive share", opts.DeleteMaxShare)
	}
	if opts.RunTimeout <= 0 {
		return nil, fmt.Errorf("sync: RunnerOptions.RunTimeout %v: want a positive duration", opts.RunTimeout)
	}
	if opts.DetailRefresh < 0 {
		return nil, fmt.Errorf("sync: RunnerOptions.DetailRefresh %v is negative (0 never refreshes)", opts.DetailRefresh)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	kinds := map[string]synctype.ListKind{}
	for name, k := range opts.ListKinds {
		if k != synctype.ListUnknown {
			kinds[name] = k
		}
	}
	return &Runner{opts: opts, locks: map[string]chan struct{}{}, kinds: kinds, probed: map[int64]bool{}}, nil
}

// lock returns the lock of e's runs of mode's family: the census is one
// family, incremental runs and sweeps the other.
func (r *Runner) lock(e synctype.Entity, mode synctype.Mode) chan struct{} {
	key := e.String() + "/" + string(family(mode)[0])
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.locks[key]
	if !ok {
		l = make(chan struct{}, 1)
		r.locks[key] = l
	}
	return l
}

// Run syncs entity e in the requested mode. A run of the same family (see
// family) left unfinished by a crash or a shutdown is resumed first, at its
// next uncommitted page; after a resumed census, which marks nothing, the
// census asked for runs afresh. The first run of an entity, and every run
// of an entity that cannot be read incrementally, is a sweep. Run returns
// the result of the requested run; when ctx is cancelled it stops after the
// page in hand commits and leaves the run to be resumed.
//
// It reads top to bottom: wait for the family's lock, make the run left
// unfinished (plan.go: Interrupted, resumePlan; run.go: run), plan the run
// asked for (planAsked), and make it, or record it skipped (record.go).
func (r *Runner) Run(ctx context.Context, e synctype.Entity, mode synctype.Mode) (synctype.RunResult, error) {
	l := r.lock(e, mode)
	select {
	case l <- struct{}{}:
	case <-ctx.Done():
		return synctype.RunResult{}, ctx.Err()
	}
	defer func() { <-l }()

	left, found, err := r.Interrupted(ctx, e, mode)
	if err != nil {
		return synctype.RunResult{}, err
	}
	if found {
		res, err := r.run(ctx, e, resumePlan(left))
		// A resumed census cannot prove deletions: a census asked for
		// runs afresh after it.
		if err != nil || ctx.Err() != nil || res.Mode == mode && mode != synctype.ModeCensus {
			return res, err
		}
	}
	p, err := r.planAsked(ctx, e, mode)
	switch {
	case err != nil:
		return synctype.RunResult{}, err
	case p.skip:
		return r.skip(ctx, e, p.kept)
	}
	return r.run(ctx, e, p)
}

func (r *Runner) note(product synctype.Product) string {
	if r.opts.Note == nil {
		return ""
	}
	return r.opts.Note(product)
}
