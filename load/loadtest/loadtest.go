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
	serverURL := ServerURL()
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		t.Fatalf("loadtest: open TEST_DATABASE_URL: %v", err)
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		t.Fatalf("loadtest: PostgreSQL at TEST_DATABASE_URL (%s) is unreachable: %v", redact(serverURL), err)
	}
	name := dbName(t.Name())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("loadtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("loadtest: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	dbURL, err := withDatabase(serverURL, name)
	if err != nil {
		t.Fatalf("loadtest: %v", err)
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatalf("loadtest: open %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() }) // runs before the drop (cleanups run last-in first-out)
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("loadtest: connect to %s: %v", name, err)
	}
	return db, dbURL
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
