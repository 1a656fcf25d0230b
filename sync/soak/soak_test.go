package soak

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

var (
	soakFlag  = flag.Duration("soak", 0, "length of the fault phase of TestSoak; 0 runs the CI variant (20s)")
	seedFlag  = flag.Int64("seed", 0, "seed of TestSoak; 0 draws one from the clock (printed)")
	idless    = flag.Bool("soak.idless", true, "TestSoak also makes records without a usable id (no id, an id not a uuid, not an object) bad on purpose")
	schedules = flag.String("soak.schedules", "adaptive", "TestSoak's schedules: adaptive (no SCHEDULE_*: the pollers and adaptive sweeps, as deployed) or pinned (every SCHEDULE_* at @every 2s or 3s)")
)

// soakConfig is the shape of a soak.
type soakConfig struct {
	phase    time.Duration // faults
	converge time.Duration // the most the quiet phase may take
	census   time.Duration // CENSUS_SCHEDULE; the quiet phase lasts about two of them
	sizes    plutoratest.Sizes
	budget   int     // PLUTORA_BUDGET_PER_HOUR and the sandbox's own budget
	reserve  float64 // PLUTORA_BUDGET_RESERVE
	ownFirst int     // requests the worker may make before the old counts bind the budget
	bindAt   time.Duration
	// bindBy is the latest the old counts may leave the window; when the
	// next minute boundary after bindAt is later, the budget is not bound.
	bindBy    time.Duration
	afterBind time.Duration // faults go on this long after the budget frees
	start     time.Time     // of the fault phase
}

func configFor(d time.Duration) soakConfig {
	if d <= 0 {
		// Under 60s in all: the budget binds only in the runs where a
		// minute boundary (when the old counts leave) falls early enough.
		return soakConfig{phase: 20 * time.Second, converge: 2 * time.Minute, census: 5 * time.Second,
			sizes:  plutoratest.Sizes{Changes: 800, Releases: 200, Environments: 60, Hosts: 250, Systems: 40, Defects: 600},
			budget: 20000, reserve: 0.02, ownFirst: 80, bindAt: 3 * time.Second, bindBy: 20 * time.Second, afterBind: 5 * time.Second}
	}
	return soakConfig{phase: d, converge: 8 * time.Minute, census: 8 * time.Second,
		sizes:  plutoratest.Sizes{Changes: 2500, Releases: 400, Environments: 120, Hosts: 600, Systems: 80, Defects: 2000},
		budget: 26000, reserve: 0.02, ownFirst: 400, bindAt: d / 3, bindBy: d/3 + time.Minute, afterBind: 30 * time.Second}
}

// TestSoak runs the built binary as a daemon through every fault at once,
// then a quiet cycle, and checks that the warehouse equals the sandbox. See
// the package comment.
func TestSoak(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = time.Now().UnixNano()%1_000_000 + 1
	}
	cfg := configFor(*soakFlag)
	sched, ok := scheduleEnv[*schedules]
	if !ok {
		t.Fatalf("-soak.schedules=%q: want adaptive or pinned", *schedules)
	}
	// go test's default -timeout (10m) would kill a long soak before it ends.
	timeout := (cfg.phase + cfg.converge + 10*time.Minute).Round(time.Minute)
	t.Logf("soak seed %d, fault phase %v, %s schedules (again: go test ./sync/soak -run '^TestSoak$' -v -seed=%d -soak=%v -soak.schedules=%s -timeout=%v)",
		seed, cfg.phase, *schedules, seed, *soakFlag, *schedules, timeout)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x50a4))
	dir := t.TempDir()
	bin := workertest.Binary(t)

	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: seed, Sizes: cfg.sizes, Budget: cfg.budget,
		Latency: time.Millisecond, Jitter: 4 * time.Millisecond, Quirks: plutoratest.AllQuirks()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var fronts [2]*frontAPI
	for i, p := range []*plutoratest.Product{sb.Plutora, sb.Test} {
		if fronts[i], err = newFrontAPI(p, uint64(seed)+uint64(i), 0.01, 1500*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		defer fronts[i].Close()
	}

	db := loadtest.NewDB(t)
	proxy, workerDSN := dbThroughProxy(t, db)
	defer proxy.Close()
	bindEnds := preseedBudget(t, db, cfg)
	// The budget binds until bindEnds: the faults go on a little longer.
	if !bindEnds.IsZero() {
		cfg.phase = max(cfg.phase, time.Until(bindEnds)+cfg.afterBind)
	}

	metricsAddr := workertest.FreeAddr(t)
	logPath := filepath.Join(dir, "worker.log")
	vars := workertest.SandboxEnv(sb, workerDSN)
	for i, p := range []string{"PLUTORA_", "PLUTORATEST_"} { // through the fronts
		vars[p+"API_URL"], vars[p+"TOKEN_URL"] = fronts[i].URL, fronts[i].URL+"/oauth/token"
	}
	env := workertest.Environ(vars, append(sched, "METRICS_ADDR="+metricsAddr,
		fmt.Sprintf("PLUTORA_BUDGET_PER_HOUR=%d", cfg.budget), fmt.Sprintf("PLUTORA_BUDGET_RESERVE=%v", cfg.reserve),
		"CENSUS_SCHEDULE=@every "+cfg.census.String(), "DELETE_MAX_SHARE=0.5", "PAGES_IN_FLIGHT=3",
		"LEADER_RETRY_INTERVAL=500ms", "SHUTDOWN_TIMEOUT=20s", "LOG_FORMAT=json", "LOG_LEVEL=debug")...)

	// The fault phase.
	kinds := badKinds
	if !*idless {
		kinds = slices.DeleteFunc(slices.Clone(badKinds), isIDless)
	}
	evs := plan(rng, cfg.phase, kinds)
	r := &faultRunner{t: t, sb: sb, fronts: fronts, db: db, proxy: proxy, rng: rand.New(rand.NewPCG(uint64(seed), 0xbad)),
		appName: appName, churn: churnIntervals(cfg), counts: map[string]int{}, badIDs: map[string]bool{}}
	var scrapes strings.Builder
	r.scrape = func() { scrapes.WriteString(scrapeMetrics(ctx, metricsAddr)) }
	faults := plutoratest.Faults{ServerErrors: 0.05, HTMLErrors: 0.02, Truncated: 0.03, Garbled: 0.03, Resets: 0.03,
		ThrottleBursts: 0.004, BurstLength: 3, BurstRetryAfter: time.Second}
	for i, p := range r.products() {
		p.SetFaults(faults)
		fronts[i].spiking.Store(true)
	}
	// Churn from the first second, before the worker's first request, for
	// the whole fault phase: a real site never stands still for a first load.
	// At an eighth of the bursts' pace, it deletes a sixteenth of each entity.
	var stopChurn []func()
	for _, e := range entities {
		stopChurn = append(stopChurn, sb.StartChurn(plutoratest.ChurnOptions{Entities: []string{e}, Interval: 8 * r.churn[e],
			Seed: int64(rng.Uint64() >> 1)}))
	}
	start := time.Now()
	cfg.start = start
	r.sup = startSupervisor(t, bin, logPath, metricsAddr, env, uint64(seed))
	stopped := false
	defer func() {
		if !stopped {
			_ = r.sup.Stop()
		}
	}()
	pctx, cancel := context.WithTimeout(ctx, cfg.phase+time.Minute)
	r.run(pctx, start, evs)
	// Let the phase run its full length (the last event may come early).
	if rest := time.Until(start.Add(cfg.phase)); rest > 0 {
		tm := time.NewTimer(rest)
		<-tm.C
	}
	cancel() // ends every fault that lasts
	r.wait()
	for _, stop := range stopChurn {
		stop()
	}

	// The quiet phase: no fault, no churn; the worker runs on.
	for i, p := range r.products() {
		p.SetFaults(plutoratest.Faults{})
		p.SetWhitelist()
		fronts[i].spiking.Store(false)
	}
	if err := proxy.Up(); err != nil {
		t.Fatal(err)
	}
	quiet := time.Now()
	var quietDB time.Time
	if err := db.QueryRowContext(ctx, `SELECT now()`).Scan(&quietDB); err != nil {
		t.Fatal(err)
	}
	// Quiet: no churn and no new bad record, so what to leave out is decided once.
	converged, diffs, checked := awaitConvergence(t, db, sb, withEmbedders(sb, r.badIDs), quietDB, cfg.converge)
	convergeTime := time.Since(quiet)
	r.scrape()
	finalMetrics := scrapeMetrics(ctx, metricsAddr)
	stopErr := r.sup.Stop()
	stopped = true
	starts, kills, exits := r.sup.stats()

	// Assertions.
	if !converged {
		for _, d := range diffs {
			if !d.OK() {
				t.Errorf("not converged %v after the faults stopped: %s", cfg.converge, d)
			}
		}
		t.Errorf("census runs since the quiet phase began:\n%s", censusReport(ctx, db, quietDB))
	}
	if stopErr != nil {
		t.Errorf("worker after SIGTERM: %v", stopErr)
	}
	for _, e := range synctype.EntityNames() {
		workertest.AssertNoDuplicateHistory(t, db, e)
	}
	problems, quarantined, err := checkQuarantine(ctx, db, sb, r.bad)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	budgetLines := auditBudget(t, sb, cfg, bindEnds)
	secretLines := checkSecrets(t, db, sb, fronts, logPath, scrapes.String()+finalMetrics)
	deleted := countDeleted(t, db)

	// The summary.
	var sum []string
	add := func(format string, args ...any) { sum = append(sum, fmt.Sprintf(format, args...)) }
	add("seed %d; fault phase %v; %s schedules; churn from the first second; data %+v", seed, cfg.phase, *schedules, cfg.sizes)
	add("faults injected by kind:")
	kinds = r.summary()
	for i := range fronts {
		for k, v := range fronts[i].Counts() {
			kinds = append(kinds, fmt.Sprintf("%-45s %d", r.products()[i].Name+" "+k, v))
		}
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		add("  %s", k)
	}
	add("worker: %d starts, %d SIGKILLs, %d exits of its own (%s)", starts, kills, len(exits), exitSummary(exits))
	add("records checked: %d live records equal in the warehouse; %d rows marked deleted; %d records made bad on purpose, open quarantine rows by reason: %v",
		checked, deleted, len(r.bad), quarantined)
	sum = append(sum, budgetLines...)
	sum = append(sum, secretLines...)
	add("time to converge after the faults stopped: %v (converged: %v)", convergeTime.Round(100*time.Millisecond), converged)
	add("runs: %s", runSummary(ctx, db))
	t.Log("soak summary:\n  " + strings.Join(sum, "\n  "))
	if t.Failed() {
		kept := filepath.Join(os.TempDir(), fmt.Sprintf("plutora-soak-%d.log", seed))
		if b, err := os.ReadFile(logPath); err == nil && os.WriteFile(kept, b, 0o600) == nil {
			t.Logf("worker log kept in %s", kept)
		}
		if lines, err := logLines(logPath, `"level":"ERROR"`); err == nil && len(lines) > 0 {
			t.Logf("last error lines of the worker:\n%s", strings.Join(lines[max(0, len(lines)-15):], "\n"))
		}
	}
}

// scheduleEnv is the worker's schedules for each -soak.schedules. Adaptive
// sets no SCHEDULE_*, as deployed; it only lets the pollers and sweeps spend
// more than their shares of the default budget (2% and 0.8%), which would
// make a soak of a minute mostly waiting: a poll of one request every 18 s.
// Not much more: the census, which must catch up on every deletion in the
// quiet phase, yields the budget to those shares.
var scheduleEnv = map[string][]string{
	"adaptive": {"POLL_FLOOR=1s", "POLL_CEILING=4s", "POLL_BUDGET_SHARE=0.1", "SWEEP_BUDGET_SHARE=0.05"},
	"pinned": {"SCHEDULE_CHANGES=@every 2s", "SCHEDULE_RELEASES=@every 2s", "SCHEDULE_DEFECTS=@every 2s",
		"SCHEDULE_ENVIRONMENTS=@every 3s", "SCHEDULE_HOSTS=@every 3s", "SCHEDULE_SYSTEMS=@every 3s"},
}

// appName names the worker's database sessions, for pg_terminate_backend.
const appName = "plutora-sync-soak"

// dbThroughProxy returns a proxy to PostgreSQL and the worker's URL of db
// through it.
func dbThroughProxy(t *testing.T, db *sqlx.DB) (*pgProxy, string) {
	t.Helper()
	var name string
	if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loadtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target = u.Hostname() + ":5432"
	}
	proxy, err := newPGProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	u.Host, u.Path = proxy.addr, "/"+name
	q := u.Query()
	q.Set("application_name", appName)
	q.Set("connect_timeout", "5")
	u.RawQuery = q.Encode()
	return proxy, u.String()
}

// preseedBudget stores request counts of an hour ago for both API keys, so
// that the budget binds after the worker's first cfg.ownFirst requests until
// those counts leave the rolling hour (about cfg.bindAt into the phase, at a
// minute boundary: the pacer dates a stored minute's requests at its end).
// It returns when the old counts leave the window: the next minute boundary
// at least cfg.bindAt from now; or, when that is later than cfg.bindBy, the
// zero time and stores nothing.
func preseedBudget(t *testing.T, db *sqlx.DB, cfg soakConfig) time.Time {
	t.Helper()
	limit := int(float64(cfg.budget) * (1 - cfg.reserve))
	now := time.Now()
	ends := now.Add(cfg.bindAt).Truncate(time.Minute).Add(time.Minute)
	if ends.After(now.Add(cfg.bindBy)) {
		t.Logf("the budget is not bound in this run: the next minute boundary is %v away", ends.Sub(now).Round(time.Second))
		return time.Time{}
	}
	minute := ends.Add(-time.Hour - time.Minute)
	for _, key := range []string{"plutora", "plutoratest"} {
		if _, err := db.Exec(`INSERT INTO plutora_sync.request_counts (key, minute, count) VALUES ($1, $2, $3)`,
			key, minute, limit-cfg.ownFirst); err != nil {
			t.Fatal(err)
		}
	}
	return ends
}

func churnIntervals(cfg soakConfig) map[string]time.Duration {
	// At most about a quarter of each entity deleted over the phase, with
	// churn on about half of the time.
	out := map[string]time.Duration{}
	for _, e := range entities {
		n := map[string]int{"changes": cfg.sizes.Changes, "releases": cfg.sizes.Releases, "environments": cfg.sizes.Environments,
			"hosts": cfg.sizes.Hosts, "systems": cfg.sizes.Systems, "defects": cfg.sizes.Defects}[e]
		out[e] = max(cfg.phase/2/time.Duration(max(n/4, 1)), 20*time.Millisecond)
	}
	return out
}

// awaitConvergence polls, until deadline, for the warehouse to equal the
// sandbox after a successful census of every entity begun in the quiet phase.
func awaitConvergence(t *testing.T, db *sqlx.DB, sb *plutoratest.Server, bad map[string]bool, quiet time.Time, d time.Duration) (bool, []workertest.TableDiff, int) {
	t.Helper()
	ctx := t.Context()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var diffs []workertest.TableDiff
	checked := 0
	for {
		var censused int
		err := db.QueryRowContext(ctx, `SELECT count(DISTINCT e.entity) FROM plutora_sync.run_entities e
			JOIN plutora_sync.runs r ON r.id = e.run_id
			WHERE r.mode = 'census' AND r.status = 'success' AND r.started_at >= $1`, quiet).Scan(&censused)
		if err != nil {
			t.Fatal(err)
		}
		if censused == len(synctype.Entities()) {
			if diffs, checked, err = workertest.CompareTablesAsListed(ctx, db, sb, bad); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(diffs, func(d workertest.TableDiff) bool { return !d.OK() }) {
				return true, diffs, checked
			}
		}
		if time.Now().After(deadline) {
			if diffs == nil {
				diffs, checked, _ = workertest.CompareTablesAsListed(ctx, db, sb, bad)
			}
			return false, diffs, checked
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-tick.C:
		}
	}
}

// withEmbedders is bad with the records that embed a record made bad on
// purpose: an environment's detail embeds its hosts as GET /hosts/{id}
// answers them, so a host with a NUL in a string makes its environment
// unloadable too (jsonb refuses \u0000), and the quarantine rightly holds
// both. checkQuarantine still checks every quarantined record holds the
// marker.
func withEmbedders(sb *plutoratest.Server, bad map[string]bool) map[string]bool {
	out := maps.Clone(bad)
	for _, e := range synctype.EntityNames() {
		for id, raw := range sb.Records(e) {
			if bytes.Contains(raw, []byte(badMarker)) {
				out[id] = true
			}
		}
	}
	return out
}

func censusReport(ctx context.Context, db *sqlx.DB, since time.Time) string {
	rows, err := db.QueryContext(ctx, `SELECT e.entity, r.status, coalesce(e.complete::text, '-'), coalesce(e.deletion_note, ''),
		coalesce(r.error, e.error, '') FROM plutora_sync.run_entities e JOIN plutora_sync.runs r ON r.id = e.run_id
		WHERE r.mode = 'census' AND r.started_at >= $1 ORDER BY r.id`, since)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var e, st, complete, note, msg string
		if err := rows.Scan(&e, &st, &complete, &note, &msg); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "  %s %s complete=%s %s %.200s\n", e, st, complete, note, msg)
	}
	return b.String()
}

func runSummary(ctx context.Context, db *sqlx.DB) string {
	rows, err := db.QueryContext(ctx, `SELECT mode || ' ' || status, count(*) FROM plutora_sync.runs GROUP BY 1 ORDER BY 1`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return err.Error()
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, n))
	}
	return strings.Join(parts, ", ")
}

func countDeleted(t *testing.T, db *sqlx.DB) int {
	t.Helper()
	total := 0
	for _, e := range entities {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM plutora.` + e + ` WHERE _deleted_at IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

func exitSummary(exits []string) string {
	counts := map[string]int{}
	for _, e := range exits {
		counts[e]++
	}
	var parts []string
	for k, v := range counts {
		parts = append(parts, fmt.Sprintf("%d× %s", v, k))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// auditBudget checks the sandbox's request log of each product: no rolling
// hour holds more requests than the budget, counting the requests of an hour
// ago that preseedBudget stored (as made at the start of their minute), if any.
func auditBudget(t *testing.T, sb *plutoratest.Server, cfg soakConfig, bindEnds time.Time) []string {
	t.Helper()
	limit := int(float64(cfg.budget) * (1 - cfg.reserve))
	stored, left := limit-cfg.ownFirst, bindEnds.Sub(cfg.start).Round(time.Second).String()
	if bindEnds.IsZero() {
		stored, left = 0, "(none stored)"
	}
	// As made at the last moment of their minute: the tightest audit the
	// stored minute allows (the pacer dates them at the minute's end).
	old := bindEnds.Add(-time.Hour - time.Millisecond)
	var out []string
	for _, p := range []*plutoratest.Product{sb.Plutora, sb.Test} {
		log := p.RequestLog()
		times := make([]time.Time, 0, len(log)+limit)
		throttled := 0
		for _, r := range log {
			times = append(times, r.At)
			if r.Status == 429 {
				throttled++
			}
		}
		own := len(times)
		for range stored {
			times = append(times, old)
		}
		most, at := plutoratest.MaxInWindow(times, time.Hour)
		out = append(out, fmt.Sprintf("budget %s: %d requests sent (%d answered 429); most in any rolling hour, with the %d stored from an hour ago: %d, budget %d, the worker's limit %d (window from %s); the old counts left the window %s after the start",
			p.Name, own, throttled, stored, most, cfg.budget, limit, at.Format(time.TimeOnly), left))
		if most > cfg.budget {
			t.Errorf("%s: %d requests in one rolling hour, over the budget %d", p.Name, most, cfg.budget)
		}
	}
	return out
}

// checkSecrets greps the worker's log, its metrics and every ledger row for
// the secret values: client secrets, passwords and every token issued.
func checkSecrets(t *testing.T, db *sqlx.DB, sb *plutoratest.Server, fronts [2]*frontAPI, logPath, metrics string) []string {
	t.Helper()
	secrets := map[string]string{}
	for i, p := range []*plutoratest.Product{sb.Plutora, sb.Test} {
		c := p.Credentials()
		secrets[p.Name+" client secret"] = c.ClientSecret
		secrets[p.Name+" password"] = c.Password
		for j, tok := range fronts[i].Tokens() {
			secrets[fmt.Sprintf("%s token #%d", p.Name, j+1)] = tok
		}
	}
	logText, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := ledgerText(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	hits = append(hits, secretHits("the worker's log", string(logText), secrets)...)
	hits = append(hits, secretHits("the worker's metrics", metrics, secrets)...)
	hits = append(hits, secretHits("the ledger", ledger, secrets)...)
	for _, h := range hits {
		t.Error("secret leaked: " + h)
	}
	lines := strings.Count(string(logText), "\n")
	errLines := strings.Count(string(logText), `"error"`)
	return []string{fmt.Sprintf("secrets: %d values (2 client secrets, 2 passwords, %d tokens) searched in %d log lines (%d with an error), %d bytes of metrics, %d ledger rows: %d found",
		len(secrets), len(secrets)-4, lines, errLines, len(metrics), strings.Count(ledger, "\n"), len(hits))}
}
