package daemon

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// smallSizes keep the tests fast.
var smallSizes = plutoratest.Sizes{Changes: 260, Releases: 60, Environments: 30, Hosts: 90, Systems: 25, Defects: 230}

// sandboxEnv is the environment of a daemon syncing sb into dsn; extra
// holds more variables as key, value pairs.
func sandboxEnv(sb *plutoratest.Server, dsn string, extra ...string) map[string]string {
	env := workertest.SandboxEnv(sb, dsn)
	env["METRICS_ADDR"] = "127.0.0.1:0"
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func loadConfig(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.LoadFrom(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newEmptyDB is a fresh, empty database; the daemon migrates it. The
// daemon's sessions commit without waiting for the disk (a test database
// need not survive a power cut), which keeps the suite fast on a busy disk.
func newEmptyDB(t *testing.T) (*sqlx.DB, string) {
	t.Helper()
	db, dsn := loadtest.NewEmptyDB(t)
	return db, workertest.AsyncCommit(t, dsn)
}

// serveUntilCleanup runs a.Serve in the background until the test ends,
// then stops it and checks that it stopped cleanly. It returns Serve's
// context.
func serveUntilCleanup(t *testing.T, a *App) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ctx
}

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
	return SyncNow(ctx, loadConfig(t, env), testLogger(t), SyncOptions{Force: force})
}
