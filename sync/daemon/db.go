package daemon

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/pgsettings"
	"github.com/plutora-sync/plutora-sync/schema"
	"github.com/plutora-sync/plutora-sync/schema/redact"
)

// OpenLedger opens the database at dsn as OpenDB does, for a command that
// reads the worker's ledger (status): an error says so when dsn holds none
// yet, or an old one, naming the command (what) and dsn redacted.
func OpenLedger(ctx context.Context, dsn, what string) (*sqlx.DB, error) {
	db, err := OpenDB(ctx, dsn)
	if err != nil {
		return nil, err
	}
	migrated, err := load.HasLedger(ctx, db.DB)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !migrated {
		db.Close()
		return nil, fmt.Errorf("%s: database %s has no ledger yet, or an old one: run plutora-sync migrate, then sync", what, RedactURL(dsn))
	}
	return db, nil
}

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
		if missing := missingDatabase(dsn, err); missing != nil {
			return nil, missing
		}
		return nil, fail("connect to database", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	return db, nil
}

// EnsureDatabase creates the database named in dsn when it does not exist,
// connecting to the server's postgres database to do so (dsn may be a URL or
// key=value pairs). It reports whether it created it.
func EnsureDatabase(ctx context.Context, dsn string) (created bool, err error) {
	if err := redact.CheckDatabaseURL(dsn); err != nil {
		return false, fmt.Errorf("DATABASE_URL is %w", err)
	}
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return false, dbError("open server", dsn, err)
	}
	name := cfg.Database
	if name == "" {
		return false, errors.New("DATABASE_URL names no database")
	}
	cfg.Database = "postgres"
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return false, dbError("open server", dsn, err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return false, dbError("connect to server", dsn, err)
	}
	created, err = schema.CreateDatabase(ctx, db, name)
	var pqErr *pq.Error
	switch {
	case err == nil:
		return created, nil
	case errors.As(err, &pqErr) && pqErr.Code == "42501":
		return false, fmt.Errorf("create database %s: %w: the role %s may not create databases; create it as a role that may (createdb %s)",
			name, err, cfg.User, name)
	}
	return false, fmt.Errorf("create database %s: %w", name, err)
}

// MissingDatabaseError is the answer of a server that does not have the
// database DATABASE_URL names: it says which, and how to create it.
type MissingDatabaseError struct {
	Name       string
	Host, Port string
	Err        error // the driver's error
}

func (e *MissingDatabaseError) Error() string {
	return fmt.Sprintf("database %q does not exist on %s: create it with plutora-sync migrate --create-database, or createdb -h %s -p %s %s",
		e.Name, net.JoinHostPort(e.Host, e.Port), e.Host, e.Port, e.Name)
}

func (e *MissingDatabaseError) Unwrap() error { return e.Err }

// missingDatabase returns a *MissingDatabaseError when err says that the
// database of dsn does not exist (SQLSTATE 3D000), else nil.
func missingDatabase(dsn string, err error) error {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "3D000" {
		return nil
	}
	cfg, cerr := pq.NewConfig(dsn)
	if cerr != nil {
		return nil
	}
	host := cmp.Or(cfg.Host, "localhost")
	return &MissingDatabaseError{Name: cfg.Database, Host: host, Port: strconv.Itoa(int(cmp.Or(cfg.Port, 5432))), Err: err}
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
