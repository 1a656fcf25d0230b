package console

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// demoDSN names a database that does not exist yet on the test server; it
// is dropped when the test ends.
func demoDSN(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(loadtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("demo_test_%d", time.Now().UnixNano())
	admin, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + pq.QuoteIdentifier(name) + ` WITH (FORCE)`)
		admin.Close()
	})
	u.Path = "/" + name
	return workertest.AsyncCommit(t, u.String())
}

func TestDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := demoDSN(t)
	cfg := loadConfig(t, map[string]string{"DATABASE_URL": dsn})
	var out, progress bytes.Buffer
	opts := DemoOptions{Seed: 3, Scale: 0.05, Out: &out, Progress: &progress}
	if err := Demo(ctx, cfg, testLogger(t), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "msg=progress entity=defects") {
		t.Errorf("no progress lines:\n%s", progress.String())
	}
	for _, want := range []string{"created database", "changes", "defects", "rows in plutora.hosts", "-- Changes per status", "psql ",
		"plutora-sync status --serve " + DemoStatusAddr + ", then open http://" + DemoStatusAddr + "/"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	db, err := daemon.OpenDB(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The page demo offers serves this warehouse: every entity, fresh.
	sctx, stop := context.WithCancel(ctx)
	ready, served := make(chan string, 1), make(chan error, 1)
	go func() { served <- ServeStatus(sctx, cfg, "127.0.0.1:0", testLogger(t), io.Discard, ready) }()
	select {
	case addr := <-ready:
		code, page := get(t, "http://"+addr+"/")
		if code != 200 || strings.Count(page, `<td class="state ok">fresh</td>`) != len(synctype.Entities()) || !strings.Contains(page, "status --serve") {
			t.Errorf("status --serve on the demo's warehouse: %d, %d entities fresh", code, strings.Count(page, `<td class="state ok">fresh</td>`))
		}
	case err := <-served:
		t.Fatalf("ServeStatus: %v", err)
	}
	stop()
	if err := <-served; err != nil {
		t.Errorf("ServeStatus: %v", err)
	}
	// The demo ends with ANALYZE: its queries are planned on the tables' statistics.
	var unanalyzed []string
	if err := db.Select(&unanalyzed, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = 'plutora' AND n_live_tup > 0 AND last_analyze IS NULL ORDER BY 1`); err != nil || len(unanalyzed) > 0 {
		t.Errorf("tables not analyzed after the demo: %v (%v)", unanalyzed, err)
	}
	// The worker's connections run with its session settings (load/pgsettings).
	var jit string
	if err := db.QueryRow("SHOW jit").Scan(&jit); err != nil || jit != "off" {
		t.Errorf("OpenDB: jit = %q (%v); want off", jit, err)
	}
	for _, e := range []string{"changes", "releases", "environments", "hosts", "systems", "defects"} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM plutora.` + e).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d rows (%v)", e, n, err)
		}
	}
	// The three example queries run and return rows.
	for _, q := range exampleQueries {
		rows, err := db.Query(q.SQL)
		if err != nil {
			t.Errorf("example %q: %v", q.Title, err)
			continue
		}
		if !rows.Next() {
			t.Errorf("example %q returns no rows", q.Title)
		}
		rows.Close()
	}

	docExamplesReturnRows(t, db.DB)
	relationshipsHold(t, db.DB)

	// A second demo into the same database is fine: it holds sandbox data.
	out.Reset()
	if err := Demo(ctx, cfg, testLogger(t), opts); err != nil {
		t.Fatalf("second demo: %v", err)
	}

	// A database holding data from a real Plutora is refused, unless forced.
	if _, err := db.Exec(`UPDATE plutora_sync.runs SET source_url = 'https://usapi.plutora.com', sandbox = false WHERE id = (SELECT min(id) FROM plutora_sync.runs)`); err != nil {
		t.Fatal(err)
	}
	err = Demo(ctx, cfg, testLogger(t), opts)
	if !errors.Is(err, daemon.ErrRefused) || !strings.Contains(err.Error(), "https://usapi.plutora.com") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("demo into a real warehouse: %v, want ErrRefused naming the source", err)
	}
	opts.Force = true
	if err := Demo(ctx, cfg, testLogger(t), opts); err != nil {
		t.Fatalf("forced demo: %v", err)
	}
}

// docExamplesReturnRows runs every SQL example of the warehouse guide
// (docs/warehouse.md) and of docs/operations.md against the demo warehouse:
// each must run, and each of the guide must return rows, so that the guide
// names only values the demo holds. (The troubleshooting queries of
// operations look for trouble the demo does not have.)
func docExamplesReturnRows(t *testing.T, db *sql.DB) {
	t.Helper()
	sqlBlock := regexp.MustCompile("(?s)```sql\n(.*?)```")
	for _, doc := range []struct {
		path      string
		needsRows bool
		atLeast   int
	}{{"../../../docs/warehouse.md", true, 10}, {"../../../docs/operations.md", false, 1}} {
		b, err := os.ReadFile(doc.path)
		if err != nil {
			t.Fatal(err)
		}
		examples := sqlBlock.FindAllStringSubmatch(string(b), -1)
		for _, m := range examples {
			rows, err := db.Query(m[1])
			if err != nil {
				t.Errorf("%s: example fails: %v\n%s", doc.path, err, m[1])
				continue
			}
			if !rows.Next() && doc.needsRows {
				t.Errorf("%s: example returns no rows on the demo warehouse (%v):\n%s", doc.path, rows.Err(), m[1])
			}
			rows.Close()
		}
		if len(examples) < doc.atLeast {
			t.Errorf("%s has %d SQL examples, want at least %d", doc.path, len(examples), doc.atLeast)
		}
	}
}

func TestDemoRefusesRowsOfUnknownOrigin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dsn := loadtest.NewEmptyDB(t)
	cfg := loadConfig(t, map[string]string{"DATABASE_URL": dsn})
	var out bytes.Buffer
	if err := Migrate(ctx, cfg, testLogger(t), &out, false); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO plutora.releases (id, name, raw) VALUES ('5b0f8a3e-1111-4c1e-9b1a-000000000001', 'R1', '{}')`); err != nil {
		t.Fatal(err)
	}
	err := Demo(ctx, cfg, testLogger(t), DemoOptions{Seed: 3, Scale: 0.05, Out: &out, Progress: &out})
	if !errors.Is(err, daemon.ErrRefused) || !strings.Contains(err.Error(), "1 releases of unknown origin") {
		t.Fatalf("demo: %v, want ErrRefused for 1 release", err)
	}
}

// TestDemoBudget: a demo larger than the default site gives its sandbox and
// worker the configured budget times its scale, so that -scale 20 (8,000
// releases at 6 requests each, beyond a real key's 26,000 an hour) loads in
// minutes; a smaller one keeps the configured budget.
func TestDemoBudget(t *testing.T) {
	for _, c := range []struct {
		perHour int
		scale   float64
		want    int
	}{{26000, 20, 520000}, {26000, 1, 26000}, {26000, 0.05, 26000}, {1000, 2.5, 2500}, {1000, 1.0001, 1001}} {
		if got := demoBudget(c.perHour, c.scale); got != c.want {
			t.Errorf("demoBudget(%d, %v) = %d, want %d", c.perHour, c.scale, got, c.want)
		}
	}
}
