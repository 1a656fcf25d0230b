package schema_test

import (
	"context"
	"errors"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
)

// A database that has its own plutora.changes is not half-migrated: Migrate
// stops before the first migration and names what is in the way.
func TestMigrateStopsOnObjectsInTheWay(t *testing.T) {
	ctx := context.Background()
	db, _ := loadtest.NewEmptyDB(t)
	if _, err := db.Exec(`CREATE SCHEMA plutora; CREATE TABLE plutora.changes (id int);
		CREATE SCHEMA reporting; CREATE VIEW reporting.a AS SELECT 1 AS one`); err != nil {
		t.Fatal(err)
	}
	err := schema.Migrate(ctx, db.DB)
	var clash *schema.ClashError
	if !errors.As(err, &clash) {
		t.Fatalf("migrate: %v, want a *ClashError", err)
	}
	want := "the database was never migrated by plutora-sync (it has no table plutora_sync_goose_version) but holds " +
		"plutora.changes, reporting.a in the schemas plutora-sync creates (plutora, plutora_sync, reporting); " +
		"migrating would stop half-way, so nothing was changed. Move those objects out of these schemas, or point DATABASE_URL at another database"
	if err.Error() != want {
		t.Errorf("migrate:\n got %s\nwant %s", err, want)
	}
	var created int
	if err := db.Get(&created, `SELECT count(*) FROM pg_namespace WHERE nspname = 'plutora_sync'`); err != nil || created != 0 {
		t.Errorf("plutora_sync created (%d, %v): migrated half-way", created, err)
	}
	if err := db.Get(&created, `SELECT count(*) FROM pg_class WHERE relname = $1`, schema.VersionTable); err != nil || created != 0 {
		t.Errorf("%s created (%d, %v)", schema.VersionTable, created, err)
	}
}

func TestClashErrorNamesFiveObjectsAtMost(t *testing.T) {
	e := &schema.ClashError{Objects: []string{"plutora.a", "plutora.b", "plutora.c", "plutora.d", "plutora.e", "plutora.f", "plutora.g"}}
	want := "the database was never migrated by plutora-sync (it has no table plutora_sync_goose_version) but holds " +
		"plutora.a, plutora.b, plutora.c, plutora.d, plutora.e and 2 more in the schemas plutora-sync creates (plutora, plutora_sync, reporting); " +
		"migrating would stop half-way, so nothing was changed. Move those objects out of these schemas, or point DATABASE_URL at another database"
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e, want)
	}
}

// Empty schemas of the same names are not in the way (the migrations create
// them IF NOT EXISTS), and a migrated database is never checked again.
func TestMigrateAcceptsEmptySchemas(t *testing.T) {
	ctx := context.Background()
	db, _ := loadtest.NewEmptyDB(t)
	if _, err := db.Exec(`CREATE SCHEMA plutora; CREATE SCHEMA plutora_sync`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := schema.Migrate(ctx, db.DB); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
}
