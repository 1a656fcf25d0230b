package load

import (
	"context"
	"database/sql"
	"fmt"
)

// Foreign is what a database holds that no sandbox run wrote: the demo
// writes only into a database without any.
type Foreign struct {
	Runs   int    // runs not marked as the sandbox's (real ones, or recorded before runs were marked)
	Source string // one of their sources; "" when the ledger names none
	Entity string // an entity with rows no sandbox run wrote, when Runs is 0
	Rows   int    // how many
}

// Any reports whether f found anything.
func (f Foreign) Any() bool { return f.Runs > 0 || f.Rows > 0 }

// ReadForeign looks for runs not marked as the sandbox's, then for rows that
// no sandbox run wrote, entity by entity; it stops at the first it finds. A
// database without a ledger holds nothing foreign here (migrating refuses one
// whose schemas hold someone else's tables).
func ReadForeign(ctx context.Context, db *sql.DB) (Foreign, error) {
	var f Foreign
	var ledger, marked bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('plutora_sync.runs') IS NOT NULL,
		EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'plutora_sync' AND table_name = 'runs' AND column_name = 'sandbox')`).
		Scan(&ledger, &marked); err != nil {
		return f, fmt.Errorf("inspect database: %w", err)
	}
	if !ledger {
		return f, nil
	}
	// Before 00012_sandbox_runs no run says what it read: none counts as the sandbox's.
	isSandboxRun := "false"
	if marked {
		isSandboxRun = "r.sandbox"
	}
	var src sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT count(*), min(source_url) FROM plutora_sync.runs r WHERE `+isSandboxRun+` IS NOT TRUE`).
		Scan(&f.Runs, &src); err != nil {
		return f, fmt.Errorf("read the ledger: %w", err)
	}
	f.Source = src.String
	if f.Runs > 0 {
		return f, nil
	}
	for _, t := range EntityTables() {
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+t.qualified()+` t
			WHERE NOT EXISTS (SELECT 1 FROM plutora_sync.runs r WHERE r.id = t._run_id AND `+isSandboxRun+`)`).Scan(&f.Rows)
		if err != nil {
			return f, fmt.Errorf("inspect %s: %w", t.Entity, err)
		}
		if f.Rows > 0 {
			f.Entity = t.Entity
			return f, nil
		}
	}
	return f, nil
}
