package load

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The reads of the ledger that the commands print (status) or decide on
// (the guards of sync, run and demo), for readers without a Writer.

// HasLedger reports whether db holds the worker's ledger as the commands
// that read it expect (plutora_sync.runs and next_runs): false for a
// database never migrated, or migrated by a much older version.
func HasLedger(ctx context.Context, db *sql.DB) (bool, error) {
	var ok bool
	err := db.QueryRowContext(ctx, `SELECT to_regclass('plutora_sync.runs') IS NOT NULL
		AND to_regclass('plutora_sync.next_runs') IS NOT NULL`).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look for the ledger: %w", err)
	}
	return ok, nil
}

// LastRuns returns the ledger's last n lines (a run and one of its
// entities), newest first. Error is the entity's or the run's error; Note,
// the census's note on deletions.
func LastRuns(ctx context.Context, db *sql.DB, n int) ([]RunRow, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT r.id, e.entity, r.mode, r.started_at, r.finished_at, r.status, e.pages, e.inserted, e.updated,
			e.unchanged, e.deleted, e.quarantined, coalesce(e.error, r.error, ''), coalesce(e.deletion_note, '')
		FROM plutora_sync.runs r JOIN plutora_sync.run_entities e ON e.run_id = r.id
		ORDER BY r.id DESC LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("last runs: %w", err)
	}
	defer rows.Close()
	var out []RunRow
	for rows.Next() {
		var r RunRow
		var finished sql.NullTime
		if err := rows.Scan(&r.ID, &r.Entity, &r.Mode, &r.Started, &finished, &r.Status, &r.Pages, &r.Inserted, &r.Updated,
			&r.Unchanged, &r.Deleted, &r.Quarantined, &r.Error, &r.Note); err != nil {
			return nil, fmt.Errorf("last runs: %w", err)
		}
		r.Finished = timePtr(finished)
		out = append(out, r)
	}
	return out, rows.Err()
}

// KeyRequests is the requests an API key made.
type KeyRequests struct {
	Key   string
	Count int
}

// RequestsSince returns the requests each API key made after since, by key.
func RequestsSince(ctx context.Context, db *sql.DB, since time.Time) ([]KeyRequests, error) {
	rows, err := db.QueryContext(ctx, `SELECT key, sum(count) FROM plutora_sync.request_counts
		WHERE minute > $1 GROUP BY key ORDER BY key`, since)
	if err != nil {
		return nil, fmt.Errorf("requests by key: %w", err)
	}
	defer rows.Close()
	var out []KeyRequests
	for rows.Next() {
		var k KeyRequests
		if err := rows.Scan(&k.Key, &k.Count); err != nil {
			return nil, fmt.Errorf("requests by key: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// LedgerKinds counts the runs of the ledger marked sandbox and marked real
// (runs recorded before the mark existed are neither), with one source of
// each.
type LedgerKinds struct {
	Sandbox, Real             int
	SandboxSource, RealSource string
}

// ReadLedgerKinds reads the ledger's LedgerKinds.
func ReadLedgerKinds(ctx context.Context, db *sql.DB) (LedgerKinds, error) {
	var k LedgerKinds
	var sSrc, rSrc sql.NullString
	err := db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE sandbox), min(source_url) FILTER (WHERE sandbox),
		count(*) FILTER (WHERE NOT sandbox), min(source_url) FILTER (WHERE NOT sandbox) FROM plutora_sync.runs`).
		Scan(&k.Sandbox, &sSrc, &k.Real, &rSrc)
	if err != nil {
		return k, fmt.Errorf("read the ledger's runs: %w", err)
	}
	k.SandboxSource, k.RealSource = sSrc.String, rSrc.String
	return k, nil
}

// LastCensuses returns when each entity of product's last completed census
// (success or warning) began; an entity never censused is not in the map.
// The adaptive census starts a leadership's round with the oldest
// (sync.CensusOptions.Censused), so a worker restarted often still
// censuses every entity.
func LastCensuses(ctx context.Context, db *sql.DB, product string) (map[string]time.Time, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT e.entity, max(r.started_at)
		FROM plutora_sync.runs r JOIN plutora_sync.run_entities e ON e.run_id = r.id
		WHERE r.product = $1 AND e.mode = 'census' AND r.status IN ('success', 'warning')
		GROUP BY e.entity`, product)
	if err != nil {
		return nil, fmt.Errorf("last censuses of %s: %w", product, err)
	}
	defer rows.Close()
	last := map[string]time.Time{}
	for rows.Next() {
		var entity string
		var at time.Time
		if err := rows.Scan(&entity, &at); err != nil {
			return nil, fmt.Errorf("last censuses of %s: %w", product, err)
		}
		last[entity] = at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("last censuses of %s: %w", product, err)
	}
	return last, nil
}
