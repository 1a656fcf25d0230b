package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

func newGuardSandbox(t *testing.T) *plutoratest.Server {
	t.Helper()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

func syncAll(ctx context.Context, t *testing.T, env map[string]string, force bool) error {
	t.Helper()
	return SyncNow(ctx, loadConfig(t, env), testLogger(t), SyncOptions{Progress: io.Discard, Force: force})
}

// ledgerMarks counts the runs marked sandbox, marked real, and unmarked.
func ledgerMarks(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var s, r, u int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE sandbox), count(*) FILTER (WHERE NOT sandbox),
		count(*) FILTER (WHERE sandbox IS NULL) FROM plutora_sync.runs`).Scan(&s, &r, &u); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d sandbox, %d real, %d unmarked", s, r, u)
}

// Runs are marked by what the source says, not by its URL: the sandbox on
// loopback is the sandbox, a real Plutora behind a loopback proxy is not.
// A real source is refused into a ledger of sandbox runs, and the reverse,
// unless forced.
func TestSyncRefusesToMixSandboxAndRealRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sb := newGuardSandbox(t)
	sandboxDB, sandboxDSN := newEmptyDB(t)
	realDB, realDSN := newEmptyDB(t)
	if err := syncAll(ctx, t, sandboxEnv(sb, sandboxDSN), false); err != nil {
		t.Fatal(err)
	}
	real := workertest.RealEnv(t, sb, realDSN)
	if err := syncAll(ctx, t, real, false); err != nil {
		t.Fatal(err)
	}
	if got := ledgerMarks(t, sandboxDB); got != fmt.Sprintf("%d sandbox, 0 real, 0 unmarked", runsPerSync) {
		t.Errorf("sandbox database: %s", got)
	}
	if got := ledgerMarks(t, realDB); got != fmt.Sprintf("0 sandbox, %d real, 0 unmarked", runsPerSync) {
		t.Errorf("database synced through a loopback proxy: %s", got)
	}

	// The real source into the sandbox's database.
	real["DATABASE_URL"] = sandboxDSN
	err := syncAll(ctx, t, real, false)
	want := fmt.Sprintf("refused: database %s holds %d runs synced from the sandbox (%s); syncing plutora from %s, which is not the sandbox, would mix real records with sandbox ones. Point DATABASE_URL at another database, or use --force",
		daemon.RedactURL(sandboxDSN), runsPerSync, min(sb.Plutora.URL, sb.Test.URL), real["PLUTORA_API_URL"])
	if !errors.Is(err, daemon.ErrRefused) || err.Error() != want {
		t.Errorf("real into sandbox:\n got %v\nwant %s", err, want)
	}
	// The sandbox into the real database.
	err = syncAll(ctx, t, sandboxEnv(sb, realDSN), false)
	realSrc := min(real["PLUTORA_API_URL"], real["PLUTORATEST_API_URL"])
	want = fmt.Sprintf("refused: database %s holds %d runs synced from a real Plutora (%s); syncing plutora from the sandbox at %s would mix sandbox records with real ones. Point DATABASE_URL at another database, or use --force",
		daemon.RedactURL(realDSN), runsPerSync, realSrc, sb.Plutora.URL)
	if !errors.Is(err, daemon.ErrRefused) || err.Error() != want {
		t.Errorf("sandbox into real:\n got %v\nwant %s", err, want)
	}
	if got := ledgerMarks(t, realDB); got != fmt.Sprintf("0 sandbox, %d real, 0 unmarked", runsPerSync) {
		t.Errorf("a refused sync ran: %s", got)
	}

	// Forced, each goes through and marks its runs for what they read.
	if err := syncAll(ctx, t, sandboxEnv(sb, realDSN), true); err != nil {
		t.Fatalf("forced: %v", err)
	}
	if got := ledgerMarks(t, realDB); got != fmt.Sprintf("%d sandbox, %d real, 0 unmarked", runsPerSync, runsPerSync) {
		t.Errorf("after a forced sync: %s", got)
	}
	// The sandbox into its own database again is fine.
	if err := syncAll(ctx, t, sandboxEnv(sb, sandboxDSN), false); err != nil {
		t.Errorf("sandbox again: %v", err)
	}
}

// Before the ledger marked runs, a loopback source counted as the sandbox:
// the demo wrote sandbox records over real ones synced through a local proxy.
func TestDemoRefusesRealDataBehindALoopbackProxy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sb := newGuardSandbox(t)
	_, dsn := newEmptyDB(t)
	if err := syncAll(ctx, t, workertest.RealEnv(t, sb, dsn), false); err != nil {
		t.Fatal(err)
	}
	var src string
	db, err := daemon.OpenDB(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT min(source_url) FROM plutora_sync.runs`).Scan(&src); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = Demo(ctx, loadConfig(t, map[string]string{"DATABASE_URL": dsn}), testLogger(t), DemoOptions{Seed: 3, Scale: 0.05, Out: &out, Progress: &out})
	want := fmt.Sprintf("refused: database %s holds %d runs that did not read the sandbox (synced from %s); demo would mix sandbox records into real ones. Point DATABASE_URL at another database, or use --force",
		daemon.RedactURL(dsn), runsPerSync, src)
	if !errors.Is(err, daemon.ErrRefused) || err.Error() != want {
		t.Errorf("demo:\n got %v\nwant %s", err, want)
	}
}

// A database that was never migrated but has its own plutora.changes is
// refused before anything is migrated, by demo as by the others.
func TestDemoRefusesForeignTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dsn := loadtest.NewEmptyDB(t)
	if _, err := db.Exec(`CREATE SCHEMA plutora; CREATE TABLE plutora.changes (id int)`); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := Demo(ctx, loadConfig(t, map[string]string{"DATABASE_URL": dsn}), testLogger(t), DemoOptions{Seed: 3, Scale: 0.05, Out: &out, Progress: &out})
	want := "demo: refused: database " + daemon.RedactURL(dsn) + ": the database was never migrated by plutora-sync (it has no table plutora_sync_goose_version) but holds plutora.changes " +
		"in the schemas plutora-sync creates (plutora, plutora_sync, reporting); migrating would stop half-way, so nothing was changed. " +
		"Move those objects out of these schemas, or point DATABASE_URL at another database"
	if !errors.Is(err, daemon.ErrRefused) || err.Error() != want {
		t.Errorf("demo:\n got %v\nwant %s", err, want)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM pg_namespace WHERE nspname = 'plutora_sync'`); err != nil || n != 0 {
		t.Errorf("plutora_sync created (%d, %v)", n, err)
	}
}

// The demo has its own default database; DATABASE_URL, when set, wins.
func TestDemoDatabase(t *testing.T) {
	sb := newGuardSandbox(t)
	if got := demoConfig(loadConfig(t, map[string]string{}), sb).DatabaseURL; got != DemoDatabaseURL {
		t.Errorf("DATABASE_URL unset: %s, want %s", got, DemoDatabaseURL)
	}
	set := "postgres://postgres@127.0.0.1:5432/plutora?sslmode=disable"
	if got := demoConfig(loadConfig(t, map[string]string{"DATABASE_URL": set}), sb).DatabaseURL; got != set {
		t.Errorf("DATABASE_URL set: %s, want %s", got, set)
	}
}

// TestMarkerOnMeAloneIsNotTheSandbox (issue 23): a real API (the sandbox
// behind a proxy that strips its marker) behind a second proxy that adds
// the marker to the unauthenticated GET /me alone. sync takes GET /me's
// word only to check the database at start: every run finds its data
// answers unmarked, fails before writing, and is recorded as a real run; the
// demo then refuses to write into that warehouse.
func TestMarkerOnMeAloneIsNotTheSandbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sb := newGuardSandbox(t)
	db, dsn := newEmptyDB(t)
	env := sandboxEnv(sb, dsn)
	for _, p := range []*plutoratest.Product{sb.Plutora, sb.Test} {
		prefix := strings.ToUpper(p.Name) + "_"
		env[prefix+"API_URL"], env[prefix+"TOKEN_URL"] = workertest.Front(t, p, func(r *http.Response) {
			r.Header.Del(plutoratest.SandboxHeader)
			if strings.HasSuffix(r.Request.URL.Path, "/me") {
				r.Header.Set(plutoratest.SandboxHeader, "1")
			}
		})
	}
	err := syncAll(ctx, t, env, false)
	if !errors.Is(err, sync.ErrSandboxMarker) {
		t.Fatalf("sync through a proxy that marks GET /me only: %v; want ErrSandboxMarker", err)
	}
	if got := ledgerMarks(t, db); got != fmt.Sprintf("0 sandbox, %d real, 0 unmarked", runsPerSync) {
		t.Errorf("ledger: %s; want every run marked real", got)
	}
	var rows int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM plutora.changes) + (SELECT count(*) FROM plutora.defects)`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Errorf("%d changes and defects written from answers whose kind GET /me misstated", rows)
	}
	var out bytes.Buffer
	err = Demo(ctx, loadConfig(t, map[string]string{"DATABASE_URL": dsn}), testLogger(t), DemoOptions{Seed: 3, Scale: 0.05, Out: &out, Progress: &out})
	if !errors.Is(err, daemon.ErrRefused) {
		t.Errorf("demo into that warehouse: %v; want refused", err)
	}
}

// runsPerSync is how many runs a sync of every entity records: one an entity.
var runsPerSync = len(synctype.Entities())
