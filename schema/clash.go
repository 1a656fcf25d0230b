package schema

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/lib/pq"
)

// schemas are the schemas the migrations create.
var schemas = []string{"plutora", "plutora_sync", "reporting"}

// ClashError is returned by Migrate when a database that plutora-sync never
// migrated holds objects in its schemas (plutora, plutora_sync, reporting):
// they belong to someone else, and the migrations would fail on them after
// applying the first ones.
type ClashError struct {
	Objects []string // schema-qualified tables and views, sorted
}

func (e *ClashError) Error() string {
	names := e.Objects
	more := ""
	if len(names) > 5 {
		names, more = names[:5], fmt.Sprintf(" and %d more", len(e.Objects)-5)
	}
	return fmt.Sprintf("the database was never migrated by plutora-sync (it has no table %s) but holds %s%s in the schemas plutora-sync creates (%s); "+
		"migrating would stop half-way, so nothing was changed. Move those objects out of these schemas, or point DATABASE_URL at another database",
		VersionTable, strings.Join(names, ", "), more, strings.Join(schemas, ", "))
}

// checkClash returns a *ClashError when db has no version table and holds
// tables or views in those schemas. The version table is created before any
// migration runs, so a migration in progress elsewhere is not a clash.
func checkClash(ctx context.Context, db *sql.DB) error {
	var migrated bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, VersionTable).Scan(&migrated); err != nil {
		return fmt.Errorf("migrate: look for %s: %w", VersionTable, err)
	}
	if migrated {
		return nil
	}
	var objects []string
	err := db.QueryRowContext(ctx, `SELECT coalesce(array_agg(n.nspname || '.' || c.relname ORDER BY n.nspname, c.relname), '{}')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`, pq.Array(schemas)).Scan(pq.Array(&objects))
	if err != nil {
		return fmt.Errorf("migrate: look for objects in the way: %w", err)
	}
	if len(objects) > 0 {
		return &ClashError{Objects: objects}
	}
	return nil
}
