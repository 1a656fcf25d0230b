package statuspage_test

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"
	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest/headless"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/load/pgsettings"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

var screenshots = flag.String("screenshots", "", "TestStatusPageInChromium: write status-page.png into this folder (the repository's docs)")

// wrongSecret is the Plutora Test client secret the daemon is given.
const wrongSecret = "not-the-sandbox-secret"

// TestStatusPageInChromium runs the daemon against the sandbox with Plutora
// Test's client secret wrong, over a warehouse whose hosts were last synced
// three hours ago and whose hosts page has failed three runs in a row, and
// reads its status page in headless Chromium as a person would: the
// banners say what needs a person, every entity has its row, each API key
// its plot, and the runs filter by entity and outcome.
func TestStatusPageInChromium(t *testing.T) {
	bin := headless.Chromium(t)
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 27, Sizes: plutoratest.Sizes{
		Changes: 400, Releases: 60, Environments: 30, Hosts: 250, Systems: 25, Defects: 300}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := loadtest.NewEmptyDB(t)
	dsn = workertest.AsyncCommit(t, dsn)
	env := workertest.SandboxEnv(sb, dsn)
	env["METRICS_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	// The warehouse before: every entity synced with the right keys; hosts
	// three times, then set back three hours with its page failing.
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := daemon.SyncNow(ctx, loadConfig(t, env), logger, daemon.SyncOptions{}); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	for range 2 {
		if err := daemon.SyncNow(ctx, loadConfig(t, env), logger, daemon.SyncOptions{Entities: []string{"hosts"}}); err != nil {
			t.Fatalf("sync hosts: %v", err)
		}
	}
	ageHosts(t, db)

	env["PLUTORATEST_CLIENT_SECRET"] = wrongSecret
	ready := make(chan string, 1)
	recorded := make(chan synctype.RunResult, 64)
	a, err := daemon.Open(ctx, loadConfig(t, env), logger, daemon.Options{Ready: ready, Recorded: func(res synctype.RunResult) {
		select {
		case recorded <- res:
		default: // the test has seen what it waits for: never hold a run up
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	}
	// The page must show the daemon's first runs: defects refused, hosts
	// skipped at its failing page.
	for refused, skipped := false, false; !refused || !skipped; {
		select {
		case res := <-recorded:
			refused = refused || res.Entity == "defects" && res.Outcome == synctype.OutcomeFailed && strings.Contains(res.Error, "invalid credentials")
			skipped = skipped || res.Entity == "hosts" && res.Outcome == synctype.OutcomeSkipped
		case <-ctx.Done():
			t.Fatalf("the daemon never recorded defects refused and hosts skipped: %v", ctx.Err())
		}
	}

	bctx := headless.Tab(ctx, t, bin, 1400, 1400)

	if err := chromedp.Do(bctx, chromedp.Navigate("http://"+addr+"/"), chromedp.WaitVisible(chromedp.CSS("#entities"))); err != nil {
		t.Fatalf("load the page: %v", err)
	}
	banners, err := chromedp.Run(bctx, chromedp.Evaluate[[][2]string](`Array.from(
		document.querySelectorAll("#banners .banner")).map(b => [b.dataset.kind, b.innerText])`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]string{
		{"credentials", "Plutora Test: the token endpoint refused the API key (invalid credentials); not synced: defects", "PLUTORATEST_CLIENT_SECRET"},
		{"page", "hosts: 3 runs in a row failed at the same page", "fetch hosts page 2"},
		{"stale", "hosts is stale: last success 3h", "expected every 10m00s"},
	} {
		if !shown(banners, want[0], want[1:]) {
			t.Errorf("no %s banner says %q; the banners: %q", want[0], want[1:], banners)
		}
	}
	if len(banners) != 3 {
		t.Errorf("%d banners, want those 3: %q", len(banners), banners)
	}
	states, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(
		document.querySelectorAll("#entities tbody tr")).map(r => [r.dataset.entity, r.querySelector(".state").innerText]))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != len(synctype.Entities()) || states["changes"] != "fresh" || states["hosts"] != "skipped" || states["defects"] != "refused" {
		t.Errorf("the entities' states: %v", states)
	}
	plots, err := chromedp.Run(bctx, chromedp.Evaluate[[]int](`Array.from(document.querySelectorAll("#budget .key svg")).map(s => s.querySelectorAll("rect.bar").length)`))
	if err != nil || len(plots) != 2 || plots[0] != 60 || plots[1] != 60 {
		t.Errorf("the budget plots' bars: %v (%v), want two plots of 60", plots, err)
	}
	// Each product's lock is held by a session that names this worker's host.
	leaders, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#leadership").innerText`))
	if err != nil || strings.Count(leaders, "("+pgsettings.ApplicationName()+")") != 2 {
		t.Errorf("the leadership table does not name %s as both locks' holder (%v):\n%s", pgsettings.ApplicationName(), err, leaders)
	}
	text, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil || strings.Contains(text, wrongSecret) || strings.Contains(text, sb.Plutora.Credentials().ClientSecret) {
		t.Errorf("the page shows a client secret (%v)", err)
	}
	if *screenshots != "" {
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, "status-page.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Filter the runs as a person would: choose, then submit the form.
	if err := chromedp.Do(bctx,
		chromedp.SetValue(chromedp.CSS(`select[name=entity]`), "defects"),
		chromedp.SetValue(chromedp.CSS(`select[name=outcome]`), "failed"),
		chromedp.Click(chromedp.CSS(`form.filter button`)),
	); err != nil {
		t.Fatalf("filter the runs: %v", err)
	}
	// The form's submission loads the page anew: wait for the new one, whose
	// outcome list holds a selected option (the old one's does not), then ask it.
	if err := chromedp.Do(bctx, chromedp.WaitReady(`select[name=outcome] option[selected]`)); err != nil {
		t.Fatalf("the filtered page never loaded: %v", err)
	}
	runs, err := chromedp.Run(bctx, chromedp.Evaluate[[][2]string](`Array.from(document.querySelectorAll("#runs tbody tr[data-entity]")).map(r => [r.dataset.entity, r.dataset.outcome])`))
	if err != nil {
		t.Fatalf("the filtered page: %v", err)
	}
	if len(runs) == 0 {
		t.Fatal("no run of defects that failed is listed")
	}
	for _, r := range runs {
		if r != [2]string{"defects", "failed"} {
			t.Errorf("the runs of defects that failed list a run of %s %s", r[0], r[1])
		}
	}
}

// shown reports whether a banner of kind holds every text of want.
func shown(banners [][2]string, kind string, want []string) bool {
	for _, b := range banners {
		ok := b[0] == kind
		for _, w := range want {
			ok = ok && strings.Contains(b[1], w)
		}
		if ok {
			return true
		}
	}
	return false
}

func loadConfig(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.LoadFrom(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// ageHosts makes the warehouse one whose hosts were last synced three
// hours ago, every ten minutes before that, and whose sweep then failed
// three runs in a row at page 2 (the runner skips such a job).
func ageHosts(t *testing.T, db *sqlx.DB) {
	t.Helper()
	for _, q := range []string{
		// The last success ends 3h1m before now, not 3h − 2s: the page,
		// read a moment later, must say 3h whether that moment is short
		// (it said 2h59m when the machine was quick) or long.
		`UPDATE plutora_sync.runs r SET started_at = now() - interval '3 hours 1 minute 2 seconds' - k.back * interval '10 minutes',
			finished_at = now() - interval '3 hours 1 minute' - k.back * interval '10 minutes'
		FROM (SELECT e.run_id, row_number() OVER (ORDER BY e.run_id DESC) - 1 AS back
			FROM plutora_sync.run_entities e WHERE e.entity = 'hosts') k WHERE r.id = k.run_id`,
		`UPDATE plutora_sync.checkpoints SET failures = 3, next_page = 2,
			failure = 'fetch hosts page 2: bad response from GET /hosts page 2 (HTTP 200): not a page envelope: invalid character ''<'' looking for beginning of value'
		WHERE entity = 'hosts' AND mode = 'sweep'`,
	} {
		if res, err := db.Exec(q); err != nil {
			t.Fatal(err)
		} else if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s: no row", q)
		}
	}
}
