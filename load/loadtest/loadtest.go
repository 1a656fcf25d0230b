// Package loadtest gives tests a fresh, migrated PostgreSQL database of their
// own on the server named by TEST_DATABASE_URL, dropped when the test ends.
package loadtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the postgres driver

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
// applies the migrations and returns a handle to it. The database is dropped
// (WITH (FORCE)) when the test ends. The test fails, never skips, when the
// server cannot be reached.
func NewDB(t testing.TB) *sqlx.DB {
	t.Helper()
	db, _ := NewEmptyDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatalf("loadtest: %v", err)
	}
	return db
}

// NewEmptyDB is NewDB without the migrations; it also returns the new
// database's URL, for tests that open more connections of their own.
func NewEmptyDB(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, dbURL, drop, err := create(ctx, t.Name())
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
	db, _, drop, err = create(ctx, "example")
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: %w", err)
	}
	if err := schema.Migrate(ctx, db.DB); err != nil {
		_ = drop()
		return nil, nil, fmt.Errorf("loadtest: %w", err)
	}
	return db, drop, nil
}

// create makes a uniquely named database on ServerURL's server and opens it;
// drop closes it and drops the database.
func create(ctx context.Context, testName string) (db *sqlx.DB, dbURL string, drop func() error, err error) {
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
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
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
	return u.String(), nil
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
