package schema_test

import (
	"testing"

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
			var pk, fk string
			if err := db.Get(&pk, `SELECT COALESCE((SELECT string_agg(a.attname, ',' ORDER BY k.n)
				FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(attnum, n)
				JOIN pg_attribute a ON a.attnum = k.attnum
				WHERE c.conrelid = $1::regclass AND c.contype = 'p' AND a.attrelid = c.conrelid), '')`, ch.Table); err != nil {
				t.Fatal(err)
			}
			if want := ch.ParentCol + ",ordinal"; pk != want {
				t.Errorf("%s: primary key (%s), want (%s)", ch.Table, pk, want)
			}
			if err := db.Get(&fk, `SELECT COALESCE((SELECT string_agg(c.confrelid::regclass::text, ',')
				FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
				WHERE c.conrelid = $1::regclass AND c.contype = 'f' AND a.attname = $2
				  AND (SELECT attname FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = c.confkey[1]) = 'id'), '')`,
				ch.Table, ch.ParentCol); err != nil {
				t.Fatal(err)
			}
			if fk != e.Table {
				t.Errorf("%s.%s references %q, want %s (id)", ch.Table, ch.ParentCol, fk, e.Table)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Fatalf("%d child tables checked: the declarations are not read", checked)
	}
}
