package load

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/schema"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// EntityTable is one row of plutora_sync.entities: where an entity's records
// live. The views over all entities (reporting.freshness) read these rows
// instead of naming every table, so adding an entity adds a row, not a view.
type EntityTable struct {
	Entity, Product string
	Schema, Table   string // the table of its records, one row each
	History         string // its history table, in Schema
	Key             string // the column other tables name a record of it by (change_id)
	Modified        string // the column of Plutora's last-modified time; "" when not incremental
}

// EntityTables returns the row of every entity, in the order of
// synctype.Entities.
func EntityTables() []EntityTable {
	var out []EntityTable
	for _, e := range synctype.Entities() {
		out = append(out, tableOf(e))
	}
	return out
}

// tableOf is e's row, from its declaration: its table, and the column its
// modified field lands in.
func tableOf(e synctype.Entity) EntityTable {
	sch, table, _ := strings.Cut(e.Table, ".")
	t := EntityTable{Entity: e.Name, Product: string(e.Product), Schema: sch, Table: table, History: table + "_history", Key: e.Key}
	if e.Incremental() {
		i := slices.IndexFunc(e.Columns, func(c synctype.Column) bool { return slices.Equal(c.Path, []string{e.ModifiedField}) })
		if i < 0 {
			panic("load: " + e.Name + " has no column for its modified field " + e.ModifiedField)
		}
		t.Modified = e.Columns[i].Name
	}
	return t
}

// RegisterEntities writes EntityTables into plutora_sync.entities, right
// after migrating, and makes what depends on that list
// (plutora_sync.keep_entity_views): under the migration lock
// (schema.LockID), so that it never runs beside a migration. It adds and
// updates rows and deletes none: during a rolling update an older replica
// leaves a newer one's entities in place, and a row whose table is gone is
// skipped by the views.
func RegisterEntities(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("register entities: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // committed below, or nothing to keep
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, schema.LockID); err != nil {
		return fmt.Errorf("register entities: migration lock: %w", err)
	}
	var cols [7][]string
	for _, t := range EntityTables() {
		for i, v := range []string{t.Entity, t.Product, t.Schema, t.Table, t.History, t.Key, t.Modified} {
			cols[i] = append(cols[i], v)
		}
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO plutora_sync.entities AS e (entity, product, table_schema, table_name, history_table, key_column, modified_column)
		SELECT entity, product, table_schema, table_name, history_table, NULLIF(key_column, ''), NULLIF(modified_column, '')
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			AS r(entity, product, table_schema, table_name, history_table, key_column, modified_column)
		ON CONFLICT (entity) DO UPDATE SET product = EXCLUDED.product, table_schema = EXCLUDED.table_schema,
			table_name = EXCLUDED.table_name, history_table = EXCLUDED.history_table, key_column = EXCLUDED.key_column,
			modified_column = EXCLUDED.modified_column
		WHERE (e.product, e.table_schema, e.table_name, e.history_table, e.key_column, e.modified_column)
			IS DISTINCT FROM (EXCLUDED.product, EXCLUDED.table_schema, EXCLUDED.table_name, EXCLUDED.history_table,
				EXCLUDED.key_column, EXCLUDED.modified_column)`,
		pq.Array(cols[0]), pq.Array(cols[1]), pq.Array(cols[2]), pq.Array(cols[3]), pq.Array(cols[4]), pq.Array(cols[5]), pq.Array(cols[6]))
	if err != nil {
		return fmt.Errorf("register entities: %w", err)
	}
	if err := registerRefs(ctx, tx); err != nil {
		return fmt.Errorf("register entities: %w", err)
	}
	// What depends on the entity list (reporting.deletions, the indexes of
	// incremental copies): made anew only where it changed (migration 00135).
	if _, err := tx.ExecContext(ctx, `SELECT plutora_sync.keep_entity_views()`); err != nil {
		return fmt.Errorf("register entities: the views over every entity: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("register entities: %w", err)
	}
	return nil
}

// registerRefs writes the declarations' Refs into plutora_sync.entity_refs,
// which reporting.relationships reads: the refs of every entity declared here
// are replaced, those of an entity only a newer replica declares are kept.
func registerRefs(ctx context.Context, tx *sql.Tx) error {
	var names, entities, cols, tos []string
	for _, e := range synctype.Entities() {
		names = append(names, e.Name)
		for _, r := range e.Refs {
			entities, cols, tos = append(entities, e.Name), append(cols, r.Column), append(tos, r.To)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM plutora_sync.entity_refs WHERE entity = ANY ($1::text[])`,
		pq.Array(names)); err != nil {
		return fmt.Errorf("refs: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO plutora_sync.entity_refs (entity, column_name, ref_entity)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, pq.Array(entities), pq.Array(cols), pq.Array(tos))
	if err != nil {
		return fmt.Errorf("refs: %w", err)
	}
	return nil
}

// qualified is t's table as SQL, quoted.
func (t EntityTable) qualified() string {
	return pq.QuoteIdentifier(t.Schema) + "." + pq.QuoteIdentifier(t.Table)
}

// qualifiedHistory is t's history table as SQL, quoted.
func (t EntityTable) qualifiedHistory() string {
	return pq.QuoteIdentifier(t.Schema) + "." + pq.QuoteIdentifier(t.History)
}
