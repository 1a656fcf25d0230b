package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// freshOptions drive the freshness benchmark (-freshness).
type freshOptions struct {
	duration time.Duration // measure lag this long (calm: churn this long)
	budget   int           // PLUTORA_BUDGET_PER_HOUR, and the sandbox's budget
	latency  time.Duration
	churn    time.Duration // one round (an insert, an update and, busy, a delete per entity) this often
	scale    float64       // busy: the sandbox holds DefaultSizes × scale
	lists    string        // the sandbox's GET lists: real (summaries, the default) or full
	calm     bool          // churn only once the first load is done (the benchmark before issue 22)
	// censusFloor, when set, is the daemon's CENSUS_FLOOR: a short one lets
	// a small sandbox's census go round as fast as its share allows.
	censusFloor time.Duration
	// deletionWait is the most the benchmark waits, after the churn
	// stopped, for the deletions to be marked (busy only).
	deletionWait time.Duration
}

// freshFigures are what the freshness benchmark measured.
type freshFigures struct {
	Lag        map[string][3]time.Duration // entity → p50, p95, max
	Changed    map[string]int              // records churned per entity
	Missing    map[string]int              // of which not in the warehouse at the end
	PerHour    map[string]float64          // product → API requests per hour while churning
	ByClass    map[string]map[string]int   // product → class of request (requestClass) → requests in the window
	MaxWindow  map[string]int              // product → most requests in any rolling hour
	Requests   int                         // API requests of the whole run (sandbox log)
	Pages      int                         // pages of the whole run (ledger)
	Runs       int                         // runs in the ledger
	Counted    int                         // requests the ledger counted (per run, exactly)
	Details    int                         // of which detail requests (summary lists)
	Converged  time.Duration               // after churn stopped, until every record landed
	ChurnStart time.Time                   // of the window measured (busy: once every polled entity is incremental)
	Started    time.Time                   // the daemon's start (busy: the churn began just before)
	FirstLoad  time.Time                   // when every entity had a successful run
	Polled     map[string]time.Time        // busy: each polled entity's first incremental run
	Work       []classWork                 // the ledger's runs while churning, per entity and mode
	// FirstLoadBy and WindowBy are the sandbox log's requests per entity
	// and kind (requestEntity): until FirstLoad, and while churning.
	FirstLoadBy, WindowBy map[string]entityRequests
	FirstRuns             map[string]time.Time // when each entity's first successful run ended
	Check                 string               // the output of plutora-sync check at the end
	Deletions             *deletionFigures     // busy: the deletion lag
}

// classWork is one entity's runs of one mode while the sandbox churned.
type classWork struct {
	Product, Entity, Mode string
	Runs, Pages, Requests int
	MeanGap               time.Duration // between two runs' starts
}

// incremental are the entities the freshness benchmark churns.
var incremental = []string{plutoratest.Changes, plutoratest.Releases, plutoratest.Defects}

// measureFreshness runs the binary as a daemon at its defaults (but for the
// budget) against an in-process sandbox with latency that churns changes,
// releases and defects, and measures each changed record's lag, the
// requests from the sandbox's own log, and the most requests in any
// rolling hour. Busy (the default): a sandbox at o.scale that churns from
// before the daemon starts; it measures how long until every polled entity
// is incremental, then the lag for o.duration. Calm: the default sandbox,
// churned for o.duration once the first load is done.
func measureFreshness(ctx context.Context, serverURL string, o freshOptions, log io.Writer) (*freshFigures, error) {
	bin, cleanup, err := buildBinary(ctx, log)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	sopts := plutoratest.Options{Seed: 1, Latency: o.latency, Budget: o.budget, Window: time.Hour}
	if !o.calm {
		sopts.Sizes = plutoratest.ScaledSizes(o.scale)
	}
	if sopts.Lists, err = plutoratest.ParseLists(o.lists); err != nil {
		return nil, fmt.Errorf("-lists: %w", err)
	}
	fmt.Fprintf(log, "bench: sandbox of %+v…\n", sopts.Sizes)
	sb, err := plutoratest.NewServer(sopts)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	dbURL, drop, err := scratchDB(ctx, serverURL)
	if err != nil {
		return nil, err
	}
	defer drop()
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	f := &freshFigures{}
	churn := plutoratest.ChurnOptions{Entities: incremental, Interval: o.churn, Inserts: 1, Updates: 1}
	stop := func() {}
	if !o.calm { // a busy site: it churns before the worker's first request
		churn.Deletes = 1
		stop = sb.StartChurn(churn)
	}
	defer func() { stop() }()
	env := append(daemonEnv(sb, dbURL, o.budget), o.extraEnv()...)
	stopDaemon, err := startDaemon(ctx, bin, env, log)
	if err != nil {
		return nil, err
	}
	defer stopDaemon()
	f.Started = time.Now()
	if err := f.settle(ctx, db, sb, o, log, &stop); err != nil {
		return nil, err
	}
	select {
	case <-time.After(o.duration):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	stop()
	if err := f.finish(ctx, db, sb, o, time.Now(), log); err != nil {
		return nil, err
	}
	return f, f.plan(ctx, bin, env)
}

// extraEnv is the daemon's environment beyond daemonEnv.
func (o freshOptions) extraEnv() []string {
	if o.censusFloor > 0 {
		return []string{"CENSUS_FLOOR=" + o.censusFloor.String()}
	}
	return nil
}

// finish collects the figures of the window that ended at churnEnd, and,
// busy, waits for the deletions made in it to be marked.
func (f *freshFigures) finish(ctx context.Context, db *sql.DB, sb *plutoratest.Server, o freshOptions, churnEnd time.Time, log io.Writer) error {
	if err := f.measure(ctx, db, sb, churnEnd); err != nil || o.calm {
		return err
	}
	deleted := map[string]map[string]time.Time{}
	for _, e := range incremental {
		deleted[e] = sb.Deleted(e)
	}
	fmt.Fprintf(log, "bench: waiting (at most %v after the churn) for the deletions to be marked…\n", o.deletionWait)
	return f.collectDeletions(ctx, db, deleted, churnEnd, o.deletionWait)
}

// plan keeps the output of plutora-sync check on the same sandbox and
// warehouse, run after the window: its requests (a page and a detail per
// entity) are counted in neither the first load nor the window. A check
// that fails (a plan over the budget) is kept with its error: the figures
// measured stand.
func (f *freshFigures) plan(ctx context.Context, bin string, env []string) error {
	var out strings.Builder
	_, err := runWorker(ctx, bin, env, &out, "check")
	f.Check = out.String()
	if err != nil {
		f.Check += fmt.Sprintf("(check: %v)\n", err)
	}
	return ctx.Err()
}

// settle waits for the first load, and busy for every polled entity to be
// incremental; calm, it starts the churn then. The window measured starts
// when it returns.
func (f *freshFigures) settle(ctx context.Context, db *sql.DB, sb *plutoratest.Server, o freshOptions, log io.Writer, stop *func()) error {
	deadline := 10 * time.Minute
	if !o.calm {
		deadline = 3 * time.Hour // a first load of 500,000 changes takes time
	}
	var err error
	if f.FirstLoad, f.FirstRuns, err = waitFirstSync(ctx, db, deadline); err != nil {
		return err
	}
	fmt.Fprintf(log, "bench: first load done after %v\n", f.FirstLoad.Sub(f.Started).Round(time.Second))
	if o.calm {
		f.ChurnStart = time.Now()
		*stop = sb.StartChurn(plutoratest.ChurnOptions{Entities: incremental, Interval: o.churn, Inserts: 1, Updates: 1})
	} else {
		if f.Polled, err = waitIncremental(ctx, db, f.FirstLoad.Add(10*time.Minute)); err != nil {
			return err
		}
		f.ChurnStart = time.Now()
		fmt.Fprintf(log, "bench: every polled entity incremental after %v\n", f.ChurnStart.Sub(f.Started).Round(time.Second))
	}
	fmt.Fprintf(log, "bench: measuring the lag for %v…\n", o.duration)
	return nil
}

// measure collects the figures of the window from f.ChurnStart to churnEnd.
func (f *freshFigures) measure(ctx context.Context, db *sql.DB, sb *plutoratest.Server, churnEnd time.Time) error {
	if err := f.collect(ctx, db, sb, churnEnd); err != nil {
		return err
	}
	f.audit(sb, churnEnd)
	var err error
	if f.Work, err = workWhileChurning(ctx, db, f.ChurnStart, churnEnd); err != nil {
		return err
	}
	return db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(pages), 0), coalesce(sum(requests), 0), coalesce(sum(details), 0)
		FROM plutora_sync.run_entities`).Scan(&f.Runs, &f.Pages, &f.Counted, &f.Details)
}

// daemonEnv is the worker's environment: the sandbox, the scratch database
// and the budget; its other settings at their defaults.
func daemonEnv(sb *plutoratest.Server, dbURL string, budget int) []string {
	return append(sandboxEnv(sb), "DATABASE_URL="+dbURL, "LOG_FORMAT=text", "LOG_LEVEL=warn",
		fmt.Sprint("PLUTORA_BUDGET_PER_HOUR=", budget))
}

// startDaemon migrates the scratch database and starts the binary as a
// daemon with env; stop ends it.
func startDaemon(ctx context.Context, bin string, env []string, log io.Writer) (stop func(), err error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	env = append(slices.Clip(env), "METRICS_ADDR="+addr)
	if _, err := runWorker(ctx, bin, env, log, "migrate"); err != nil {
		return nil, err
	}
	daemon := exec.CommandContext(ctx, bin, "run")
	daemon.Env = append(os.Environ(), env...)
	daemon.Stdout, daemon.Stderr = log, log
	if err := daemon.Start(); err != nil {
		return nil, fmt.Errorf("start the daemon: %w", err)
	}
	return func() { _ = daemon.Process.Signal(os.Interrupt); _ = daemon.Wait() }, nil
}

// workWhileChurning reads from the ledger what each entity's polls, sweeps
// and census spent between start and end (exact per-run request counts).
func workWhileChurning(ctx context.Context, db *sql.DB, start, end time.Time) ([]classWork, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT r.product, e.entity, e.mode, count(*), sum(e.pages), sum(e.requests),
		       coalesce(extract(epoch FROM max(r.started_at) - min(r.started_at)) / nullif(count(*) - 1, 0), 0)
		FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
		WHERE r.started_at >= $1 AND r.started_at < $2
		GROUP BY 1, 2, 3 ORDER BY 1, 3, 2`, start, end)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer rows.Close()
	var out []classWork
	for rows.Next() {
		var w classWork
		var gap float64
		if err := rows.Scan(&w.Product, &w.Entity, &w.Mode, &w.Runs, &w.Pages, &w.Requests, &gap); err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
		w.MeanGap = time.Duration(gap * float64(time.Second))
		out = append(out, w)
	}
	return out, rows.Err()
}

// sandboxEnv is the worker's environment for an in-process sandbox.
func sandboxEnv(sb *plutoratest.Server) []string {
	var env []string
	for p, prod := range map[string]*plutoratest.Product{"PLUTORA_": sb.Plutora, "PLUTORATEST_": sb.Test} {
		c := prod.Credentials()
		env = append(env, p+"API_URL="+prod.URL, p+"TOKEN_URL="+prod.TokenURL, p+"CLIENT_ID="+c.ClientID,
			p+"CLIENT_SECRET="+c.ClientSecret, p+"USERNAME="+c.Username, p+"PASSWORD="+c.Password)
	}
	return env
}

// waitFirstSync waits, at most d, until every entity has a successful run,
// and returns when the last of them ended, and when each one's first ended.
func waitFirstSync(ctx context.Context, db *sql.DB, d time.Duration) (time.Time, map[string]time.Time, error) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		firsts, err := firstRuns(ctx, db)
		if err == nil && len(firsts) >= len(synctype.Entities()) {
			var last time.Time
			for _, t := range firsts {
				last = later(last, t)
			}
			return last, firsts, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return time.Time{}, nil, fmt.Errorf("the daemon's first sync did not finish within %v", d)
}

// firstRuns returns when each entity's first successful run ended.
func firstRuns(ctx context.Context, db *sql.DB) (map[string]time.Time, error) {
	rows, err := db.QueryContext(ctx, `SELECT e.entity, min(r.finished_at)
		FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
		WHERE r.status = 'success' GROUP BY e.entity`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var e string
		var at time.Time
		if err := rows.Scan(&e, &at); err != nil {
			return nil, err
		}
		out[e] = at
	}
	return out, rows.Err()
}

// waitIncremental waits, until deadline, for a successful incremental run
// of every polled entity, and returns when each one's first started.
func waitIncremental(ctx context.Context, db *sql.DB, deadline time.Time) (map[string]time.Time, error) {
	for {
		rows, err := db.QueryContext(ctx, `SELECT e.entity, min(r.started_at) FROM plutora_sync.run_entities e
			JOIN plutora_sync.runs r ON r.id = e.run_id
			WHERE r.status = 'success' AND e.mode = 'incremental' AND e.entity = ANY ($1) GROUP BY e.entity`, pq.Array(incremental))
		if err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
		got := map[string]time.Time{}
		for rows.Next() {
			var e string
			var at time.Time
			if err := rows.Scan(&e, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("ledger: %w", err)
			}
			got[e] = at
		}
		rows.Close()
		if len(got) == len(incremental) {
			return got, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %v of %v ran incrementally within 10 minutes of the first load's end", got, incremental)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// collect waits (up to 6 minutes) until every record churned is in the
// warehouse at its last version, then computes each one's lag: when it
// landed (_last_changed_at) minus its lastModifiedDate.
func (f *freshFigures) collect(ctx context.Context, db *sql.DB, sb *plutoratest.Server, churnEnd time.Time) error {
	want := map[string]map[string]time.Time{}
	for _, e := range synctype.Entities() {
		if slices.Contains(incremental, e.Name) {
			m, err := modifiedSince(sb.Records(e.Name), e, f.ChurnStart)
			if err != nil {
				return err
			}
			want[e.Name] = m
		}
	}
	f.Lag, f.Changed, f.Missing = map[string][3]time.Duration{}, map[string]int{}, map[string]int{}
	deadline := churnEnd.Add(6 * time.Minute)
	for {
		missing := 0
		last := churnEnd
		for entity, m := range want {
			lags, miss, at, err := landed(ctx, db, entity, m)
			if err != nil {
				return err
			}
			f.Changed[entity], f.Missing[entity], f.Lag[entity] = len(m), miss, percentiles(lags)
			missing += miss
			last = later(last, at)
		}
		if missing == 0 || time.Now().After(deadline) {
			// By the warehouse's times: reading a big sandbox's records above
			// takes a while itself.
			f.Converged = last.Sub(churnEnd)
			if missing > 0 {
				f.Converged = time.Since(churnEnd)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// modifiedSince returns id → lastModifiedDate of the records modified since t.
func modifiedSince(recs map[string]json.RawMessage, e synctype.Entity, t time.Time) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for id, raw := range recs {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("sandbox %s %s: %w", e.Name, id, err)
		}
		s, _ := m[e.ModifiedField].(string)
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil { // the API's zone-less form, in UTC
			at, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
		}
		// A record the churn stamped has a date in one of those forms; a
		// generated one with none or another form was not churned.
		if err == nil && !at.Before(t.Truncate(time.Second)) {
			out[strings.ToLower(id)] = at
		}
	}
	return out, nil
}

// landed returns the lags of the records of want that are in the warehouse
// at (at least) their version, how many are not, and when the last of them
// landed.
func landed(ctx context.Context, db *sql.DB, entity string, want map[string]time.Time) (lags []time.Duration, missing int, last time.Time, err error) {
	rows, err := db.QueryContext(ctx, `SELECT id::text, last_modified_date, _last_changed_at FROM plutora.`+entity+`
		WHERE _deleted_at IS NULL AND last_modified_date >= $1`, minTime(want))
	if err != nil {
		return nil, 0, last, fmt.Errorf("lag of %s: %w", entity, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var modified, changed time.Time
		if err := rows.Scan(&id, &modified, &changed); err != nil {
			return nil, 0, last, err
		}
		if at, ok := want[id]; ok && !modified.Before(at.Truncate(time.Millisecond)) {
			lags = append(lags, max(changed.Sub(modified), 0))
			last = later(last, changed)
		}
	}
	return lags, len(want) - len(lags), last, rows.Err()
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func minTime(m map[string]time.Time) time.Time {
	out := time.Now()
	for _, t := range m {
		if t.Before(out) {
			out = t
		}
	}
	return out.Add(-time.Second)
}

// percentiles returns p50, p95 and max (nearest rank).
func percentiles(d []time.Duration) [3]time.Duration {
	if len(d) == 0 {
		return [3]time.Duration{}
	}
	slices.Sort(d)
	rank := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return [3]time.Duration{rank(0.5), rank(0.95), d[len(d)-1]}
}
