package schema_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
)

func TestMigrateTwiceIsANoOp(t *testing.T) {
	ctx := context.Background()
	db := loadtest.NewDB(t) // migrated once
	before := schemaFingerprint(t, db)
	var rows int
	if err := db.GetContext(ctx, &rows, "SELECT count(*) FROM "+schema.VersionTable); err != nil {
		t.Fatal(err)
	}
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var rowsAfter int
	if err := db.GetContext(ctx, &rowsAfter, "SELECT count(*) FROM "+schema.VersionTable); err != nil {
		t.Fatal(err)
	}
	if rowsAfter != rows {
		t.Errorf("version rows: %d before, %d after a second migrate", rows, rowsAfter)
	}
	if after := schemaFingerprint(t, db); after != before {
		t.Errorf("schema changed on a second migrate:\nbefore %s\nafter  %s", before, after)
	}
	cur, target, err := schema.Version(ctx, db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if cur != target || cur == 0 {
		t.Errorf("version %d, target %d", cur, target)
	}
}

func TestConcurrentMigratesDoNotCollide(t *testing.T) {
	ctx := context.Background()
	db, url := loadtest.NewEmptyDB(t)
	// A second pool, as a second replica would have.
	db2, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	errs := make(chan error, 2)
	start := make(chan struct{})
	for _, d := range []*sqlx.DB{db, db2} {
		go func() {
			<-start
			errs <- schema.Migrate(ctx, d.DB)
		}()
	}
	close(start)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent migrate: %v", err)
		}
	}
	var applied, distinct int
	if err := db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT version_id) FROM "+schema.VersionTable+" WHERE version_id > 0").Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	// Count the files, not the newest version: numbers may have gaps while
	// branches that add migrations are merged.
	files, err := fs.Glob(schema.Migrations(), "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied != len(files) {
		t.Errorf("applied %d rows (%d distinct) for %d migrations", applied, distinct, len(files))
	}
}

// schemaFingerprint lists every column and view of the project's schemas.
func schemaFingerprint(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var s string
	err := db.GetContext(context.Background(), &s, `
		SELECT md5(string_agg(table_schema||'.'||table_name||'.'||column_name||':'||data_type, ',' ORDER BY 1))
		FROM (SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
		      WHERE table_schema IN ('plutora','plutora_sync','reporting')) c`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
