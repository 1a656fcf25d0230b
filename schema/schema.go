// Package schema holds the warehouse's SQL migrations, embedded, and applies
// them with goose under a Postgres advisory lock, so that replicas starting
// together migrate once.
//
// The migrations create three schemas: plutora (the data: one table per
// entity, child tables, history), plutora_sync (the worker's ledger,
// checkpoints, request counts, quarantine, census ids) and reporting (views
// for BI).
package schema

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds the numbered goose SQL migrations, under migrations/.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the numbered goose SQL migrations, under migrations/,
// read-only (load/loadtest hashes them to name its template database).
func Migrations() fs.FS { return migrations }

// VersionTable is the table in which goose records the applied migrations.
const VersionTable = "plutora_sync_goose_version"

// LockID is the Postgres advisory lock key held while migrating. It differs
// from goose's default so that another goose-managed application in the same
// database does not wait on this one.
const LockID int64 = 0x706c75746f7261 // "plutora"

// Option adjusts Migrate.
type Option func(*options)

type options struct {
	logger  *slog.Logger
	summary bool
}

// WithLogger makes Migrate log one line per applied migration file at info,
// and goose's own lines (every SQL statement) at debug. The caller names the
// component: l gets no keys added here.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithSummary makes Migrate log one line at info for all the files it
// applied (the files themselves at debug): for a person at a terminal, to
// whom a line per file says nothing.
func WithSummary() Option { return func(o *options) { o.summary = true } }

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// NewProvider returns a goose provider over the migrations for db, with an advisory
// session locker (one migrator at a time; others wait up to five minutes).
func NewProvider(db *sql.DB, opts ...Option) (*goose.Provider, error) {
	o := collect(opts)
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(LockID),
		lock.WithLockTimeout(1, 300), // probe every second, for five minutes
		lock.WithUnlockTimeout(1, 60),
	)
	if err != nil {
		return nil, fmt.Errorf("migration locker: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	popts := []goose.ProviderOption{
		goose.WithSessionLocker(locker),
		goose.WithTableName(VersionTable),
		goose.WithDisableGlobalRegistry(true),
	}
	if o.logger != nil && o.logger.Enabled(context.Background(), slog.LevelDebug) {
		// goose logs every statement at info: tens of kilobytes of SQL on a
		// first start. They are debugging detail; Migrate logs the files.
		popts = append(popts, goose.WithSlog(slog.New(debugHandler{o.logger.Handler()})), goose.WithVerbose(true))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, popts...)
	if err != nil {
		return nil, fmt.Errorf("migration provider: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration to db. It is idempotent: with
// nothing pending it changes nothing. Concurrent calls (from several
// replicas) serialise on an advisory lock, and the later ones find nothing
// to do.
//
// A database that was never migrated (no VersionTable) but already holds
// tables or views in the schemas the migrations create is left untouched:
// Migrate returns a *ClashError naming them, instead of stopping half-way.
func Migrate(ctx context.Context, db *sql.DB, opts ...Option) error {
	p, err := NewProvider(db, opts...)
	if err != nil {
		return err
	}
	if err := checkClash(ctx, db); err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if o := collect(opts); o.logger != nil {
		level := slog.LevelInfo
		if o.summary {
			level = slog.LevelDebug
		}
		var took time.Duration
		for _, r := range results {
			took += r.Duration
			o.logger.Log(ctx, level, "migration applied", "file", path.Base(r.Source.Path),
				"version", r.Source.Version, "duration", r.Duration.Round(time.Millisecond).String())
		}
		if o.summary && len(results) > 0 {
			o.logger.InfoContext(ctx, "migrations applied", "migrations", len(results),
				"version", results[len(results)-1].Source.Version, "duration", took.Round(time.Millisecond).String())
		}
	}
	return nil
}

// debugHandler passes every record on at debug level.
type debugHandler struct{ slog.Handler }

func (h debugHandler) Enabled(ctx context.Context, _ slog.Level) bool {
	return h.Handler.Enabled(ctx, slog.LevelDebug)
}

func (h debugHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return h.Handler.Handle(ctx, r)
}

func (h debugHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return debugHandler{h.Handler.WithAttrs(as)}
}

func (h debugHandler) WithGroup(name string) slog.Handler {
	return debugHandler{h.Handler.WithGroup(name)}
}

// Version returns the newest applied migration version of db, and the newest
// version embedded here.
func Version(ctx context.Context, db *sql.DB) (current, target int64, err error) {
	p, err := NewProvider(db)
	if err != nil {
		return 0, 0, err
	}
	current, target, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("migration versions: %w", err)
	}
	return current, target, nil
}
