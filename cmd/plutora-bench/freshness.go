package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// freshOptions drive the freshness benchmark (-freshness).
type freshOptions struct {
	duration time.Duration // churn this long
	budget   int           // PLUTORA_BUDGET_PER_HOUR, and the sandbox's budget
	latency  time.Duration
	churn    time.Duration // one round (an insert and an update per entity) this often
}

// freshFigures are what the freshness benchmark measured.
type freshFigures struct {
	Lag        map[string][3]time.Duration // entity → p50, p95, max
	Changed    map[string]int              // records churned per entity
	Missing    map[string]int              // of which not in the warehouse at the end
	PerHour    map[string]float64          // product → API requests per hour while churning
	MaxWindow  map[string]int              // product → most requests in any rolling hour
	Requests   int                         // API requests of the whole run (sandbox log)
	Pages      int                         // pages of the whole run (ledger)
	Runs       int                         // runs in the ledger
	Counted    int                         // requests the ledger counted (per run, exactly)
	Details    int                         // of which detail requests (summary lists)
	Converged  time.Duration               // after churn stopped, until every record landed
	ChurnStart time.Time
	Work       []classWork // the ledger's runs while churning, per entity and mode
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
// budget) against an in-process sandbox with latency, churns changes,
// releases and defects for o.duration once the first sync is done, and
// measures each changed record's lag, the requests from the sandbox's own
// log, and the most requests in any rolling hour.
func measureFreshness(ctx context.Context, serverURL string, o freshOptions, log io.Writer) (*freshFigures, error) {
	bin, cleanup, err := buildBinary(ctx, log)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 1, Latency: o.latency, Budget: o.budget, Window: time.Hour})
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
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	env := append(sandboxEnv(sb), "DATABASE_URL="+dbURL, "LOG_FORMAT=text", "LOG_LEVEL=warn",
		"METRICS_ADDR="+addr, fmt.Sprint("PLUTORA_BUDGET_PER_HOUR=", o.budget))
	if _, err := runWorker(ctx, bin, env, log, "migrate"); err != nil {
		return nil, err
	}
	daemon := exec.CommandContext(ctx, bin, "run")
	daemon.Env = append(os.Environ(), env...)
	daemon.Stdout, daemon.Stderr = log, log
	if err := daemon.Start(); err != nil {
		return nil, fmt.Errorf("start the daemon: %w", err)
	}
	defer func() { _ = daemon.Process.Signal(os.Interrupt); _ = daemon.Wait() }()

	f := &freshFigures{}
	if err := waitFirstSync(ctx, db); err != nil {
		return nil, err
	}
	f.ChurnStart = time.Now()
	fmt.Fprintf(log, "bench: first sync done; churning for %v…\n", o.duration)
	stop := sb.StartChurn(plutoratest.ChurnOptions{Entities: incremental, Interval: o.churn, Inserts: 1, Updates: 1})
	select {
	case <-time.After(o.duration):
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	}
	stop()
	churnEnd := time.Now()
	if err := f.collect(ctx, db, sb, churnEnd); err != nil {
		return nil, err
	}
	f.audit(sb, churnEnd)
	if f.Work, err = workWhileChurning(ctx, db, f.ChurnStart, churnEnd); err != nil {
		return nil, err
	}
	err = db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(pages), 0), coalesce(sum(requests), 0), coalesce(sum(details), 0)
		FROM plutora_sync.run_entities`).Scan(&f.Runs, &f.Pages, &f.Counted, &f.Details)
	return f, err
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

// waitFirstSync waits until every entity has a successful run.
func waitFirstSync(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(DISTINCT e.entity) FROM plutora_sync.run_entities e
			JOIN plutora_sync.runs r ON r.id = e.run_id WHERE r.status = 'success'`).Scan(&n)
		if err == nil && n >= len(synctype.Entities()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return errors.New("the daemon's first sync did not finish within 10 minutes")
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
		for entity, m := range want {
			lags, miss, err := landed(ctx, db, entity, m)
			if err != nil {
				return err
			}
			f.Changed[entity], f.Missing[entity], f.Lag[entity] = len(m), miss, percentiles(lags)
			missing += miss
		}
		if missing == 0 || time.Now().After(deadline) {
			f.Converged = time.Since(churnEnd)
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
// at (at least) their version, and how many are not.
func landed(ctx context.Context, db *sql.DB, entity string, want map[string]time.Time) ([]time.Duration, int, error) {
	rows, err := db.QueryContext(ctx, `SELECT id::text, last_modified_date, _last_changed_at FROM plutora.`+entity+`
		WHERE _deleted_at IS NULL AND last_modified_date >= $1`, minTime(want))
	if err != nil {
		return nil, 0, fmt.Errorf("lag of %s: %w", entity, err)
	}
	defer rows.Close()
	var lags []time.Duration
	for rows.Next() {
		var id string
		var modified, changed time.Time
		if err := rows.Scan(&id, &modified, &changed); err != nil {
			return nil, 0, err
		}
		if at, ok := want[id]; ok && !modified.Before(at.Truncate(time.Millisecond)) {
			lags = append(lags, max(changed.Sub(modified), 0))
		}
	}
	return lags, len(want) - len(lags), rows.Err()
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

// audit reads the sandbox's request logs: requests per hour while churning
// and the most requests of one key in any rolling hour of the whole run.
func (f *freshFigures) audit(sb *plutoratest.Server, churnEnd time.Time) {
	f.PerHour, f.MaxWindow = map[string]float64{}, map[string]int{}
	hours := churnEnd.Sub(f.ChurnStart).Hours()
	for name, p := range map[string]*plutoratest.Product{"plutora": sb.Plutora, "plutoratest": sb.Test} {
		var all []time.Time
		n := 0
		for _, r := range p.RequestLog() {
			if strings.HasSuffix(r.Path, "/oauth/token") {
				continue
			}
			all = append(all, r.At)
			if !r.At.Before(f.ChurnStart) && r.At.Before(churnEnd) {
				n++
			}
		}
		f.Requests += len(all)
		f.PerHour[name] = float64(n) / hours
		f.MaxWindow[name], _ = plutoratest.MaxInWindow(all, time.Hour)
	}
}

// writeFreshness prints the figures as Markdown.
func writeFreshness(w io.Writer, o freshOptions, f *freshFigures) {
	fmt.Fprintf(w, "Freshness: the daemon at its defaults, budget %d/h, sandbox latency %v, churn for %v (an insert and an update of each of changes, releases, defects every %v)\n\n",
		o.budget, o.latency, o.duration, o.churn)
	fmt.Fprintln(w, "| entity | records changed | lag p50 | lag p95 | lag max | not landed |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, e := range incremental {
		l := f.Lag[e]
		fmt.Fprintf(w, "| %s | %d | %.1f s | %.1f s | %.1f s | %d |\n", e, f.Changed[e], l[0].Seconds(), l[1].Seconds(), l[2].Seconds(), f.Missing[e])
	}
	fmt.Fprintln(w, "\n| key | requests per hour while churning | share of the budget | most in a rolling hour |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, p := range []string{"plutora", "plutoratest"} {
		fmt.Fprintf(w, "| %s | %.0f | %.2f%% | %d of %d |\n", p, f.PerHour[p], 100*f.PerHour[p]/float64(o.budget), f.MaxWindow[p], o.budget)
	}
	fmt.Fprintln(w, "\n| key | entity | mode | runs while churning | requests per page | requests per hour | share of the budget | mean gap between runs |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|")
	hours := o.duration.Hours()
	for _, c := range f.Work {
		perHour := float64(c.Requests) / hours
		fmt.Fprintf(w, "| %s | %s | %s | %d | %.2f | %.0f | %.2f%% | %.1f s |\n", c.Product, c.Entity, c.Mode, c.Runs,
			float64(c.Requests)/float64(max(c.Pages, 1)), perHour, 100*perHour/float64(o.budget), c.MeanGap.Seconds())
	}
	fmt.Fprintf(w, "\nWhole run: %d runs, %d pages, %d API requests in the sandbox's log (tokens excluded), %d counted by the runs in the ledger, "+
		"of which %d details of summary items: %.2f list requests per page; every churned record landed %v after the churn stopped.\n",
		f.Runs, f.Pages, f.Requests, f.Counted, f.Details, float64(f.Counted-f.Details)/float64(max(f.Pages, 1)), f.Converged.Round(time.Second))
}
