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
	"github.com/plutora-sync/plutora-sync/sync/redact"
)

// OpenDB opens and pings the database at dsn, with the worker's session
// settings (pgsettings.Add). Its errors show dsn redacted, and the texts of
// the errors beneath are scrubbed of dsn's secrets.
func OpenDB(ctx context.Context, dsn string) (*sqlx.DB, error) {
	if err := redact.CheckDatabaseURL(dsn); err != nil {
		return nil, fmt.Errorf("open database: DATABASE_URL is %w", err)
	}
	fail := func(what string, err error) error { return dbError(what, dsn, err) }
	withSettings, err := pgsettings.Add(dsn)
	if err != nil {
		return nil, fail("open database", err)
	}
	db, err := sqlx.Open("postgres", withSettings)
	if err != nil {
		return nil, fail("open database", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fail("connect to database", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	return db, nil
}

// EnsureDatabase creates the database named in dsn when it does not exist,
// connecting to the server's postgres database to do so. It reports whether
// it created it.
func EnsureDatabase(ctx context.Context, dsn string) (created bool, err error) {
	if err := redact.CheckDatabaseURL(dsn); err != nil {
		return false, fmt.Errorf("DATABASE_URL is %w", err)
	}
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
		return false, dbError("open server", admin.String(), err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, dbError("connect to server", admin.String(), err)
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

// dbError is err about the database at dsn: "what dsn: err", with dsn
// redacted and dsn's secrets scrubbed from err's text (a parser's error may
// quote dsn). errors.Is and errors.As still see err.
func dbError(what, dsn string, err error) error {
	text := redact.NewSecrets(redact.DatabaseSecrets(dsn)...).Replace(err.Error())
	return &scrubbedError{text: what + " " + RedactURL(dsn) + ": " + text, err: err}
}

type scrubbedError struct {
	text string
	err  error
}

func (e *scrubbedError) Error() string { return e.text }
func (e *scrubbedError) Unwrap() error { return e.err }

// RedactURL returns the database connection string dsn fit to show, in any
// form lib/pq accepts (redact.DatabaseURL).
func RedactURL(dsn string) string { return redact.DatabaseURL(dsn) }
