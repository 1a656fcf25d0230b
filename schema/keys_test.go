package schema_test

import (
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestChildTablesHaveKeys reads the catalog as a BI tool does: every child
// table of a declaration has the primary key (parent column, ordinal) and a
// foreign key from its parent column to its parent's id (docs/warehouse.md,
// "Keys and relationships").
func TestChildTablesHaveKeys(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	checked := 0
	for _, e := range synctype.Entities() {
		for _, ch := range e.Children {
			if pk, want := primaryKey(t, db, ch.Table), ch.ParentCol+",ordinal"; pk != want {
				t.Errorf("%s: primary key (%s), want (%s)", ch.Table, pk, want)
			}
			if fk := referenced(t, db, ch.Table, ch.ParentCol); fk != e.Table {
				t.Errorf("%s.%s references the id of %q, want %s", ch.Table, ch.ParentCol, fk, e.Table)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Fatalf("%d child tables checked: the declarations are not read", checked)
	}
}

// TestStatusPeriodsHaveKeys: each table of status periods has its own key,
// period_id (two periods of a record may start at one instant), and a
// foreign key from id to its entity's table.
func TestStatusPeriodsHaveKeys(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	checked := 0
	for _, e := range synctype.Entities() {
		if e.Periods == nil {
			continue
		}
		table := e.Table + "_status_periods"
		if pk := primaryKey(t, db, table); pk != "period_id" {
			t.Errorf("%s: primary key (%s), want (period_id)", table, pk)
		}
		if fk := referenced(t, db, table, "id"); fk != e.Table {
			t.Errorf("%s.id references %q, want %s (id)", table, fk, e.Table)
		}
		checked++
	}
	if checked < 3 {
		t.Fatalf("%d tables of status periods checked, want changes, releases and defects", checked)
	}
}

// TestEveryWarehouseTableHasAKey reads the catalog as Superset or Metabase
// do: no table of the plutora schema is without a primary key.
func TestEveryWarehouseTableHasAKey(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	var keyless []string
	if err := db.Select(&keyless, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'plutora'::regnamespace AND c.relkind IN ('r', 'p')
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
		ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(keyless) > 0 {
		t.Errorf("tables of plutora without a primary key: %v", keyless)
	}
}

// primaryKey returns the columns of table's primary key, comma-separated
// in order ("" for none).
func primaryKey(t *testing.T, db *sqlx.DB, table string) string {
	t.Helper()
	var pk string
	if err := db.Get(&pk, `SELECT COALESCE((SELECT string_agg(a.attname, ',' ORDER BY k.n)
		FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(attnum, n)
		JOIN pg_attribute a ON a.attnum = k.attnum
		WHERE c.conrelid = $1::regclass AND c.contype = 'p' AND a.attrelid = c.conrelid), '')`, table); err != nil {
		t.Fatal(err)
	}
	return pk
}

// referenced returns the tables whose id column's foreign keys reference
// from table.column ("" for none).
func referenced(t *testing.T, db *sqlx.DB, table, column string) string {
	t.Helper()
	var fk string
	if err := db.Get(&fk, `SELECT COALESCE((SELECT string_agg(c.confrelid::regclass::text, ',')
		FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		WHERE c.conrelid = $1::regclass AND c.contype = 'f' AND a.attname = $2
		  AND (SELECT attname FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = c.confkey[1]) = 'id'), '')`,
		table, column); err != nil {
		t.Fatal(err)
	}
	return fk
}
