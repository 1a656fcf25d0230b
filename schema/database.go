package schema

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lib/pq"
)

// CreateDatabase creates the database name on the server that server is
// connected to, unless it exists; it reports whether it created it. Its
// errors are the server's (a *pq.Error: 42501 when the role may not create
// databases).
func CreateDatabase(ctx context.Context, server *sql.DB, name string) (created bool, err error) {
	var exists bool
	if err := server.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	_, err = server.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // created meanwhile
		return false, nil
	}
	return err == nil, err
}
