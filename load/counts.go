package load

import (
	"context"
	"database/sql"
	"fmt"
)

// EntityCount is what the warehouse holds of one entity.
type EntityCount struct {
	Entity, Table              string // Table schema-qualified
	Live, History, Quarantined int
}

// EntityCounts counts each entity's live rows, history rows and open
// quarantine, in the order of synctype.Entities.
func EntityCounts(ctx context.Context, db *sql.DB) ([]EntityCount, error) {
	var out []EntityCount
	for _, t := range EntityTables() {
		c := EntityCount{Entity: t.Entity, Table: t.Schema + "." + t.Table}
		if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM `+t.qualified()+` WHERE _deleted_at IS NULL),
			(SELECT count(*) FROM `+t.qualifiedHistory()+`),
			(SELECT count(*) FROM plutora_sync.quarantine WHERE entity = $1 AND resolved_at IS NULL)`, t.Entity).
			Scan(&c.Live, &c.History, &c.Quarantined); err != nil {
			return nil, fmt.Errorf("count %s: %w", t.Entity, err)
		}
		out = append(out, c)
	}
	return out, nil
}
