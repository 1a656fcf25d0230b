package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
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

// RunnerOptions configures a Runner.
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
	// Note, when set, is recorded on every run (e.g. a budget-plan warning).
	Note func(product synctype.Product) string
	// RunTimeout bounds a run (its pages, waits for the budget and 429s
	// included): past it the run fails, and the next one continues where it
	// stopped. Default DefaultRunTimeout.
	RunTimeout time.Duration
	// ListKinds says, per entity name, whether its list answers full
	// records or summaries; an entity not named (or ListUnknown) is found
	// out by comparing a list item with its detail once (details.go).
	ListKinds map[string]synctype.ListKind
	// DetailRefresh is how often the rolling refresh fetches each detail of
	// a summary list again; 0 means DefaultDetailRefresh, negative never.
	DetailRefresh time.Duration
}

// DefaultRunTimeout is RunnerOptions.RunTimeout's default: a sweep of
// 100,000 records is 1,000 pages, minutes at the API's budget.
const DefaultRunTimeout = 3 * time.Hour

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
		return nil, fmt.Errorf("sync: negative overlap %v", opts.Overlap)
	}
	if opts.DeleteMaxShare <= 0 || opts.DeleteMaxShare > 1 {
		return nil, fmt.Errorf("sync: DeleteMaxShare %v not in (0, 1]", opts.DeleteMaxShare)
	}
	if opts.RunTimeout < 0 {
		return nil, fmt.Errorf("sync: negative RunTimeout %v", opts.RunTimeout)
	}
	if opts.RunTimeout == 0 {
		opts.RunTimeout = DefaultRunTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DetailRefresh == 0 {
		opts.DetailRefresh = DefaultDetailRefresh
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

// Run syncs entity e in the requested mode. A run of the same family (see
// family) left unfinished by a crash or a shutdown is resumed first, at its
// next uncommitted page; after a resumed census, which marks nothing, the
// census asked for runs afresh. The first run of an entity, and every run
// of an entity that cannot be read incrementally, is a sweep. Run returns
// the result of the requested run; when ctx is cancelled it stops after the
// page in hand commits and leaves the run to be resumed.
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
	cp, ok, err := r.opts.Writer.Checkpoint(ctx, e.Product, e.Name)
	if err != nil {
		return synctype.RunResult{}, fmt.Errorf("read checkpoint of %s: %w", e, err)
	}
	p := r.newPlan(e, mode, cp, ok)
	kept, found, err := r.opts.Writer.CheckpointMode(ctx, e.Product, e.Name, p.mode)
	if err != nil {
		return synctype.RunResult{}, fmt.Errorf("read %s checkpoint of %s: %w", p.mode, e, err)
	}
	if found && kept.RunID == 0 && kept.NextPage > 0 { // a failed run's place
		switch {
		case kept.Failures < MaxPageFailures:
			p = continuePlan(kept, cp.Watermark)
		case p.mode != synctype.ModeCensus:
			return r.skip(ctx, e, kept)
		}
	}
	return r.run(ctx, e, p)
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
	// seen remembers every page the run reads, across its calls: the
	// API client's runaway guard fails a page that repeats an earlier one.
	seen *synctype.PageMarks
	// watermarkCap bounds the watermark a seek may yield: the run's start
	// (run sets it). A run vouches only for changes before it started.
	watermarkCap *time.Time
}

// capped bounds t by c (nil: no bound).
func capped(t, c *time.Time) *time.Time {
	if t == nil || c == nil || !t.After(*c) {
		return t
	}
	return c
}

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

// skip records a run of kept's job that is not made: its page kept failing.
func (r *Runner) skip(ctx context.Context, e synctype.Entity, kept synctype.Checkpoint) (synctype.RunResult, error) {
	src := r.opts.Sources[e.Product]
	reason := fmt.Sprintf("skipped: page %d of this %s run failed %d runs in a row (last: %s); "+
		"the next census tries again, or set plutora_sync.checkpoints.failures to 0 to retry now",
		kept.NextPage, kept.Mode, kept.Failures, kept.Failure)
	res := synctype.RunResult{Product: e.Product, Entity: e.Name, Mode: kept.Mode, StartedAt: r.opts.Now(),
		WatermarkBefore: kept.Watermark, Resumed: true, PageFailures: kept.Failures, TotalFirst: kept.FirstTotal}
	var err error
	res.RunID, err = r.opts.Writer.StartRun(ctx, synctype.RunStart{Product: e.Product, Entity: e.Name, Mode: kept.Mode,
		SourceURL: src.URL, Sandbox: src.known(), StartedAt: res.StartedAt, Since: kept.Since, StartPage: kept.NextPage, Note: r.note(e.Product)})
	if err != nil {
		return res, fmt.Errorf("record skipped run of %s: %w", e, err)
	}
	res.Outcome, res.Error = synctype.OutcomeSkipped, reason
	return r.finish(e, src, synctype.SourceStats{}, res, nil), nil
}

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

// run executes one plan. It records every outcome except an interruption by
// ctx (then the checkpoint keeps the run for resumption).
func (r *Runner) run(ctx context.Context, e synctype.Entity, p plan) (res synctype.RunResult, err error) {
	src, ok := r.opts.Sources[e.Product]
	if !ok {
		return synctype.RunResult{}, fmt.Errorf("sync %s: product %q has no source", e, e.Product)
	}
	res = synctype.RunResult{RunID: p.runID, Product: e.Product, Entity: e.Name, Mode: p.mode, StartedAt: r.opts.Now(),
		WatermarkBefore: p.watermark, WatermarkAfter: p.watermark, Resumed: p.resumed, TotalFirst: p.firstTotal}
	// The run counts its own requests: others of the key may run meanwhile.
	tally := new(synctype.Tally)
	ctx = synctype.WithTally(ctx, tally)
	if p.mode == synctype.ModeCensus {
		ctx = synctype.WithBackground(ctx) // it yields the budget to the polls
	}
	parent := ctx // ctx below ends at the run's deadline too
	defer r.forgetProbe(&res)
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("sync %s: panic: %v", e, v)
			r.opts.Logger.Error("run panicked", "entity", e.Name, "product", e.Product, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
		if parent.Err() != nil && err != nil && errors.Is(err, parent.Err()) {
			r.opts.Logger.Info("run interrupted; it resumes at the next uncommitted page", "entity", e.Name, "mode", p.mode, "run_id", res.RunID, "pages", res.Pages)
			return
		}
		if err == nil {
			// The refresh of details is best effort, but not about this.
			err = checkMarkers(e, src, tally.Stats())
		}
		res.PageFailures = pageFailures(p, res, err)
		res = r.finish(e, src, tally.Stats(), res, err)
	}()
	ctx, cancel := context.WithTimeoutCause(ctx, r.opts.RunTimeout, errRunTimeout)
	defer cancel()
	// A run vouches only for changes before it started (see seeks). This
	// also keeps a record dated in the future (a typo upstream) from pushing
	// the watermark past now, which would blind every later incremental run.
	start := res.StartedAt
	p.watermarkCap = &start
	p.seen = new(synctype.PageMarks)
	if res.RunID == 0 {
		res.RunID, err = r.opts.Writer.StartRun(ctx, synctype.RunStart{Product: e.Product, Entity: e.Name, Mode: p.mode, SourceURL: src.URL, Sandbox: src.known(),
			StartedAt: res.StartedAt, Since: p.since, WatermarkBefore: p.watermark, Note: r.note(e.Product), StartPage: p.startPage})
		if err != nil {
			return res, fmt.Errorf("start run of %s: %w", e, err)
		}
	}
	if err := r.pages(ctx, e, src, p, &res); err != nil {
		if context.Cause(ctx) == errRunTimeout {
			err = fmt.Errorf("sync %s: %w (RUN_TIMEOUT %v) after %d pages; the next run continues at the next page: %w",
				e, errRunTimeout, r.opts.RunTimeout, res.Pages, err)
		}
		return res, err
	}
	if p.mode != synctype.ModeCensus {
		r.refreshDetails(ctx, e, src, &res)
	}
	if p.mode == synctype.ModeCensus && res.Resumed {
		// Pages read before and after a restart are minutes or hours apart:
		// an insert and a delete in between keep totalCount and the count of
		// ids seen equal while a record shifted past unseen. Such a census
		// cannot prove a deletion; the next one will.
		res.DeleteNote = "resumed census: pages read across a restart cannot prove deletions; nothing marked"
		return res, nil
	}
	if p.mode == synctype.ModeCensus {
		c := synctype.Census{RunID: res.RunID, Entity: e.Name, TotalFirst: res.TotalFirst, TotalLast: res.TotalLast, MaxShare: r.opts.DeleteMaxShare}
		only, note, err := r.confirmDeletions(ctx, e, src, c)
		if err != nil {
			return res, fmt.Errorf("confirm deletions of %s: %w", e, err)
		}
		if err := vouch(ctx, e, src); err != nil {
			return res, err
		}
		n, reason, err := r.opts.Writer.MarkDeleted(ctx, c, only, note)
		if err != nil {
			return res, fmt.Errorf("mark deleted %s: %w", e, err)
		}
		res.Deleted, res.DeleteNote = n, reason
	}
	return res, nil
}

// forgetProbe drops the run's list-kind probe mark (listKind) when it ends.
func (r *Runner) forgetProbe(res *synctype.RunResult) {
	r.mu.Lock()
	delete(r.probed, res.RunID)
	r.mu.Unlock()
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

// confirmDeletions asks the API, one record at a time, about the rows a
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
func (r *Runner) pages(ctx context.Context, e synctype.Entity, src Source, p plan, res *synctype.RunResult) error {
	// A run that goes on with an offset run at its page (a sweep whose
	// filter failed) pages on by offset: a seek always has a cursor.
	offsetPlace := p.since == nil && p.startPage > 0
	if seeks(e, p.mode) && !offsetPlace {
		if p.since == nil { // a new sweep: the whole list
			floor := sweepFloor
			p.since = &floor
		}
		err := r.seek(ctx, e, src, p, res)
		if !r.fallBack(e, res, err) {
			return err
		}
		p.since, p.startPage, p.firstTotal = nil, 0, 0 // the whole list, by offset
	}
	records := 0
	q := synctype.Query{Since: p.since, StartPage: p.startPage, FirstTotal: p.firstTotal, Seen: p.seen}
	return src.API.Pages(ctx, e, q, func(pg synctype.Page) error {
		recs, summaries, err := r.enrich(ctx, e, src, pg, p.mode, res)
		if err != nil {
			return fmt.Errorf("%s page %d: %w", e.Name, pg.Num, err)
		}
		out, err := r.writePage(ctx, e, src, synctype.PageWrite{RunID: res.RunID, Product: e.Product, Entity: e.Name, Mode: p.mode,
			PageNum: pg.Num, TotalCount: pg.TotalCount, Since: p.since, Records: recs, Summaries: summaries})
		if err != nil {
			return err
		}
		records += len(pg.Records)
		r.committed(e, p, res, pg, out, records)
		return ctx.Err()
	})
}

// sweepFloor is where a sweep's seek starts: before any record (Plutora's
// records date from the 2010s), and inside the range of every SQL Server date type
// an API may keep them in (smalldatetime starts on 1900-01-01).
var sweepFloor = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

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

func (r *Runner) note(product synctype.Product) string {
	if r.opts.Note == nil {
		return ""
	}
	return r.opts.Note(product)
}

// finish records the run in the ledger, the metrics and the log; made is
// what the run's own requests counted (synctype.Tally).
func (r *Runner) finish(e synctype.Entity, src Source, made synctype.SourceStats, res synctype.RunResult, runErr error) synctype.RunResult {
	res.Requests, res.Throttled = made.Requests, made.Throttled
	res.Retries, res.TokenRenewals = made.Retries, made.TokenRenewals
	res.Sandbox = answered(made)
	res.FinishedAt = r.opts.Now()
	res.BudgetUsed, res.BudgetLimit = src.API.BudgetUsed(res.FinishedAt)
	r.opts.Metrics.Budget(e.Product, res.BudgetUsed, res.BudgetLimit)
	if res.Outcome == "" { // a skipped run comes with its outcome and reason
		res.Outcome = synctype.OutcomeSuccess
		if allQuarantined(res) {
			res.Outcome = synctype.OutcomeWarning
			res.Error = fmt.Sprintf("every record the run read (%d) was quarantined: nothing loaded; "+
				"reporting.quarantine says why", res.Quarantined)
		}
	}
	if runErr != nil {
		res.Outcome, res.Error = synctype.OutcomeFailed, runErr.Error()
	}
	if res.RunID != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := r.opts.Writer.FinishRun(ctx, res); err != nil {
			r.opts.Logger.Error("record run", "entity", e.Name, "run_id", res.RunID, "error", err)
		}
		cancel()
	}
	r.opts.Metrics.RunFinished(res)
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
	return res
}

// allQuarantined reports whether a run quarantined every record it read,
// and read at least one: it completed, but nothing of it loaded (a site
// whose records all changed shape, say), which a plain success would hide.
func allQuarantined(res synctype.RunResult) bool {
	return res.Quarantined > 0 && res.Inserted+res.Updated+res.Unchanged == 0
}
