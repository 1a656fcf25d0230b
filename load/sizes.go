package load

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// LookupTypes returns how many lookup types the warehouse holds live values
// of: what a run of lookup_values reads, one request each after the type
// list (sync/config's plan, LookupTypes); 0 before the first run. A type
// without a value is not counted.
func LookupTypes(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(DISTINCT type) FROM plutora.lookup_values WHERE _deleted_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("lookup types: %w", err)
	}
	return n, nil
}

// EntitySizes returns the last known size of each entity that has one: the
// totalCount of its latest sweep or census that read a page, whether the run
// succeeded or not, so that a sweep failing at its first page does not make
// a size unknown again (a checkpoint's count starts over with each run).
// Incremental runs count only modified records and are left out. db is any
// handle to the warehouse: check reads it without a Writer.
func EntitySizes(ctx context.Context, db *sql.DB) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT e.name, s.size
		FROM unnest($1::text[]) AS e(name)
		CROSS JOIN LATERAL (
			SELECT coalesce(nullif(r.total_last, 0), r.total_first) AS size
			FROM plutora_sync.run_entities r
			WHERE r.entity = e.name AND r.mode IN ('sweep', 'census')
				AND coalesce(nullif(r.total_last, 0), r.total_first, 0) > 0
			ORDER BY r.run_id DESC LIMIT 1) s`, pq.Array(synctype.EntityNames()))
	if err != nil {
		return nil, fmt.Errorf("entity sizes: %w", err)
	}
	defer rows.Close()
	sizes := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("entity sizes: %w", err)
		}
		sizes[name] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("entity sizes: %w", err)
	}
	return sizes, nil
}
