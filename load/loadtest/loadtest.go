// Package loadtest gives tests a fresh, migrated PostgreSQL database of their
// own on the server named by TEST_DATABASE_URL, dropped when the test ends.
//
// Databases are copied from a migrated template database (one per set of
// migrations, named after their hash, built once under an advisory lock and
// kept on the server), which is faster than migrating each one.
//
// A test that crashes PostgreSQL uses a Server of its own instead.
package loadtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the postgres driver

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/pgsettings"
	"github.com/plutora-sync/plutora-sync/schema"
)

// DefaultURL is the server used when TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL returns TEST_DATABASE_URL, or DefaultURL when it is unset.
func ServerURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDB creates a database with a unique name on TEST_DATABASE_URL's server,
// with every migration applied, and returns a handle to it. The database is
// dropped (WITH (FORCE)) when the test ends. The test fails, never skips,
// when the server cannot be reached.
func NewDB(t testing.TB) *sqlx.DB {
	t.Helper()
	db, _ := newDB(t, true)
	return db
}

// NewEmptyDB is NewDB without the migrations; it also returns the new
// database's URL, for tests that open more connections of their own.
func NewEmptyDB(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	return newDB(t, false)
}

func newDB(t testing.TB, migrated bool) (*sqlx.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db, dbURL, drop, err := create(ctx, t.Name(), migrated)
	if err != nil {
		t.Fatalf("loadtest: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("loadtest: %v", err)
		}
	})
	return db, dbURL
}

// Open creates a fresh, migrated database as NewDB does, for code that has
// no testing.TB (such as runnable examples). drop closes and drops it.
func Open(ctx context.Context) (db *sqlx.DB, drop func() error, err error) {
	db, _, drop, err = create(ctx, "example", true)
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: %w", err)
	}
	return db, drop, nil
}

// create makes a uniquely named database on ServerURL's server (a copy of
// the migrated template when migrated) and opens it; drop closes it and
// drops the database.
func create(ctx context.Context, testName string, migrated bool) (db *sqlx.DB, dbURL string, drop func() error, err error) {
	serverURL := ServerURL()
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		return nil, "", nil, fmt.Errorf("open TEST_DATABASE_URL: %w", err)
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return nil, "", nil, fmt.Errorf("PostgreSQL at TEST_DATABASE_URL (%s) is unreachable: %w", redact(serverURL), err)
	}
	name := dbName(testName)
	stmt := "CREATE DATABASE " + name
	if migrated {
		tmpl, err := ensureTemplate(ctx, admin, serverURL)
		if err != nil {
			admin.Close()
			return nil, "", nil, err
		}
		stmt += " TEMPLATE " + tmpl
	}
	if _, err := admin.ExecContext(ctx, stmt); err != nil {
		admin.Close()
		return nil, "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	drop = func() error {
		if db != nil {
			db.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	if dbURL, err = withDatabase(serverURL, name); err == nil {
		db, err = sqlx.Open("postgres", dbURL)
	}
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		_ = drop()
		return nil, "", nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	return db, dbURL, drop, nil
}

// templatePrefix starts the names of template databases.
const templatePrefix = "plutora_test_tmpl_"

// ensureTemplate returns the name of the migrated template database of the
// current migrations, building it first if the server has none. Builders
// serialise on an advisory lock; a template is built under another name and
// renamed when complete, so a half-built one is never copied.
func ensureTemplate(ctx context.Context, admin *sql.DB, serverURL string) (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	defer conn.Close()
	const lockKey = 0x706c7574657374 // "plutest"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", fmt.Errorf("template lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck // closing the session unlocks too
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	if exists {
		return name, nil
	}
	if err := buildTemplate(ctx, conn, serverURL, name); err != nil {
		return "", err
	}
	// Templates of older migrations are dropped when unused (best effort).
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2", templatePrefix+"%", name)
	if err == nil {
		var old []string
		for rows.Next() {
			var n string
			if rows.Scan(&n) == nil {
				old = append(old, n)
			}
		}
		rows.Close()
		for _, n := range old {
			_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n)
		}
	}
	return name, nil
}

// buildTemplate creates and migrates a database, then renames it to name.
func buildTemplate(ctx context.Context, conn *sql.Conn, serverURL, name string) error {
	build := dbName("build")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+build); err != nil {
		return fmt.Errorf("template: create %s: %w", build, err)
	}
	buildURL, err := withDatabase(serverURL, build)
	if err != nil {
		return err
	}
	db, err := sql.Open("postgres", buildURL)
	if err == nil {
		err = Migrate(ctx, db)
		db.Close()
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, "ALTER DATABASE "+build+" RENAME TO "+name)
	}
	if err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)")
		return fmt.Errorf("template: %w", err)
	}
	return nil
}

// Migrate migrates db as the worker does: the migrations, then the entity
// rows (load.RegisterEntities).
func Migrate(ctx context.Context, db *sql.DB) error {
	if err := schema.Migrate(ctx, db); err != nil {
		return err
	}
	return load.RegisterEntities(ctx, db)
}

// templateName names the template after a hash of what Migrate writes: the
// migrations and the entity rows.
func templateName() (string, error) {
	h := sha256.New()
	for _, e := range load.EntityTables() {
		fmt.Fprintf(h, "%q\x00", e)
	}
	err := fs.WalkDir(schema.Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(schema.Migrations(), path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("template: read migrations: %w", err)
	}
	return templatePrefix + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// dbName makes a unique, valid database name from a test name.
func dbName(testName string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	base := unsafeChars.ReplaceAllString(strings.ToLower(testName), "_")
	if len(base) > 40 {
		base = base[:40]
	}
	return "plutora_test_" + strings.Trim(base, "_") + "_" + hex.EncodeToString(b[:])
}

// withDatabase returns serverURL with its database replaced by name.
func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("TEST_DATABASE_URL %q is not a postgres:// URL", redact(serverURL))
	}
	u.Path = "/" + name
	// The worker's session settings, so that tests and benchmarks run its statements as it does.
	return pgsettings.Add(u.String())
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
