package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServe runs the daemon in-process: it takes both keys, syncs every
// entity at once, serves /metrics, /healthz and /readyz, and returns nil
// after its context ends.
func TestServe(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 2, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn, "LEADER_RETRY_INTERVAL", "100ms"))
	finished := make(chan string, 64)
	ready := make(chan string, 1)
	a, err := Open(context.Background(), cfg, testLogger(t), Options{Ready: ready, Progress: func(p sync.Progress) {
		if p.Records == p.TotalCount {
			select {
			case finished <- p.Entity.Name:
			default:
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	}
	// Each entity's first run completes (its last page committed).
	seen := map[string]bool{}
	deadline := time.After(60 * time.Second)
	for len(seen) < 6 {
		select {
		case e := <-finished:
			seen[e] = true
		case <-deadline:
			t.Fatalf("first runs done: %v", seen)
		}
	}
	if code, body := get(t, "http://"+addr+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, _ := get(t, "http://"+addr+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d", code)
	}
	_, metrics := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{
		`plutora_sync_leader{product="plutora"} 1`,
		`plutora_sync_leader{product="plutoratest"} 1`,
		`plutora_sync_requests_total{endpoint=`,
		`plutora_sync_token_renewals_total{product="plutora"} 1`,
		`plutora_sync_schedule_interval_seconds{entity="changes",mode="incremental"} 120`, // polled: POLL_CEILING
		`plutora_sync_budget_limit{product="plutora"}`,
		"plutora_sync_run_duration_seconds_bucket",
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	// The keys are released: unlocked, or (a session that could not unlock)
	// closed, whose locks the server drops as its backend exits.
	var held int
	for deadline := time.Now().Add(10 * time.Second); ; {
		err := a.DB.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&held)
		if err != nil {
			t.Fatal(err)
		}
		if held == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling the server: no signal to wait on
	}
	if held != 0 {
		t.Errorf("%d advisory locks still held 10 s after shutdown", held)
	}
}

// TestOnlyPlutoraTest: a deployment with Plutora Test credentials alone syncs
// defects only; an access-denied answer is counted by kind.
func TestOnlyPlutoraTest(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 9, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := newEmptyDB(t)
	env := sandboxEnv(sb, dsn)
	for k := range env {
		if strings.HasPrefix(k, "PLUTORA_") {
			delete(env, k)
		}
	}
	cfg := loadConfig(t, env)
	a, err := Open(context.Background(), cfg, testLogger(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if es := a.Entities(); len(es) != 1 || es[0].Name != "defects" || len(a.Clients) != 1 {
		t.Fatalf("entities %v, clients %d", es, len(a.Clients))
	}
	res, err := a.SyncOnce(context.Background(), nil, nil, synctype.ModeIncremental)
	if err != nil || len(res) != 1 || res[0].Inserted != smallSizes.Defects {
		t.Fatalf("sync: %v %+v", err, res)
	}
	sb.Test.SetWhitelist("203.0.113.0/24")
	sb.Test.RevokeTokens()
	if _, err := a.SyncOnce(context.Background(), nil, nil, synctype.ModeIncremental); err == nil {
		t.Fatal("sync through a closed whitelist succeeded")
	}
	fams, err := a.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var denied float64
	for _, f := range fams {
		if f.GetName() == "plutora_sync_auth_errors_total" {
			for _, m := range f.GetMetric() {
				denied += m.GetCounter().GetValue()
			}
		}
	}
	if denied != 1 {
		t.Errorf("auth_errors_total = %v, want 1", denied)
	}
}

// TestBudgetPlanWarning: when the known sizes make the busiest hour exceed
// the budget, the daemon warns, naming the schedule to relax, and records
// the warning on its runs in the ledger.
func TestBudgetPlanWarning(t *testing.T) {
	t.Parallel()
	clk := workertest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	// Full lists: a first load of summary lists fetches a detail per
	// environment and system, far beyond this budget of 105 an hour.
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 9, Sizes: smallSizes, Now: clk.Now, Lists: plutoratest.ListsFull})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := newEmptyDB(t)
	// A census pinned to a nightly cron: the adaptive one never plans more
	// than its share, and would only take longer.
	env := sandboxEnv(sb, dsn, "PLUTORA_BUDGET_PER_HOUR", "105", "PLUTORA_BUDGET_RESERVE", "0", "CENSUS_SCHEDULE", "30 2 * * *")
	for k := range env {
		if strings.HasPrefix(k, "PLUTORATEST_") {
			delete(env, k)
		}
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	a, err := Open(context.Background(), loadConfig(t, env), logger, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	// Every entity but those read with sub-resources: a release is 6
	// requests whatever the lists, hours at this budget on a clock that
	// stands still.
	var plain []string
	for _, e := range synctype.Entities() {
		if !e.Enriched() {
			plain = append(plain, e.Name)
		}
	}
	if _, err := a.SyncOnce(ctx, nil, plain, synctype.ModeIncremental); err != nil {
		t.Fatal(err)
	}
	a.warnPlan(ctx)
	// The busiest hour is the census's: its pages, and up to a tenth of each
	// table (DELETE_MAX_SHARE) confirmed one request a row before marking;
	// the reference lists' sweeps and census (lookup_values: 41 requests a
	// run, its types); the polls of changes and releases. Over 105 (the
	// figures are config's TestPlanBudget's).
	note := a.planNote("plutora")
	busiest, _ := strconv.Atoi(regexp.MustCompile(`(\d+) requests in the busiest hour`).FindStringSubmatch(note + " 0 requests in the busiest hour")[1])
	if busiest <= 105 || !strings.Contains(note, "relax CENSUS_SCHEDULE") {
		t.Fatalf("plan note %q", note)
	}
	if !strings.Contains(logs.String(), `"msg":"budget plan exceeds the budget"`) {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
	clk.Set(clk.Now().Add(2 * time.Hour)) // a fresh budget window
	if _, err := a.SyncOnce(ctx, nil, []string{"hosts"}, synctype.ModeIncremental); err != nil {
		t.Fatal(err)
	}
	note = ""
	if err := a.DB.QueryRow(`SELECT coalesce(note, '') FROM plutora_sync.runs ORDER BY id DESC LIMIT 1`).Scan(&note); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, "budget plan exceeds the budget") {
		t.Errorf("ledger note %q", note)
	}
	for _, secret := range []string{sb.Plutora.Credentials().ClientSecret, sb.Plutora.Credentials().Password} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs contain a secret")
		}
	}
}

// TestServeShutsHTTPDownOnError: a Serve that fails after it started to
// listen closes its HTTP server before it returns.
func TestServeShutsHTTPDownOnError(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 3, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := newEmptyDB(t)
	// Port 0, and the bound address read from the log: a port picked free
	// beforehand may be taken by a parallel test before Serve binds it.
	var logged workertest.LogBuffer
	cfg := loadConfig(t, sandboxEnv(sb, dsn, "METRICS_ADDR", "127.0.0.1:0"))
	a, err := Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logged, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Config.LeaderRetry = 0 // the leaders refuse it, after the HTTP server listens
	if err := a.Serve(t.Context()); err == nil || !strings.Contains(err.Error(), "retry interval") {
		t.Fatalf("Serve = %v, want the leader's error", err)
	}
	var addr string
	for line := range strings.Lines(logged.String()) {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && strings.HasPrefix(rec.Msg, "serving /metrics") {
			addr = rec.Addr
		}
	}
	if addr == "" {
		t.Fatalf("no address logged:\n%s", logged.String())
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Serve returned", addr)
	}
}
