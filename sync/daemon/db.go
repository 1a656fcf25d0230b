package daemon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/load/pgsettings"
)

// OpenDB opens and pings the database at dsn, with the worker's session
// settings (pgsettings.Add).
func OpenDB(ctx context.Context, dsn string) (*sqlx.DB, error) {
	withSettings, err := pgsettings.Add(dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", RedactURL(dsn), err)
	}
	db, err := sqlx.Open("postgres", withSettings)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", RedactURL(dsn), err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database %s: %w", RedactURL(dsn), err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	return db, nil
}

// EnsureDatabase creates the database named in dsn when it does not exist,
// connecting to the server's postgres database to do so. It reports whether
// it created it.
func EnsureDatabase(ctx context.Context, dsn string) (created bool, err error) {
	u, err := url.Parse(dsn)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		return false, fmt.Errorf("DATABASE_URL: not a postgres:// URL: %s", RedactURL(dsn))
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return false, errors.New("DATABASE_URL: names no database")
	}
	admin := *u
	admin.Path = "/postgres"
	db, err := sql.Open("postgres", admin.String())
	if err != nil {
		return false, fmt.Errorf("open server %s: %w", RedactURL(admin.String()), err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, fmt.Errorf("connect to server %s: %w", RedactURL(admin.String()), err)
	}
	if exists {
		return false, nil
	}
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // created meanwhile
			return false, nil
		}
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}

// RedactURL hides the password of a URL.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
