package load_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
)

// TestFreshnessReadsTheEntitiesTable: an entity that is only a table and a
// row of plutora_sync.entities shows in reporting.freshness and
// freshness_lag, with its counts and lags, without a view written for it.
func TestFreshnessReadsTheEntitiesTable(t *testing.T) {
	t.Parallel()
	db := loadtest.NewDB(t)
	for _, q := range []string{
		`CREATE TABLE plutora.gizmos (id int PRIMARY KEY, last_modified_date timestamptz,
			_last_changed_at timestamptz NOT NULL DEFAULT now(), _deleted_at timestamptz)`,
		// live, modified 30 and 10 seconds before they landed; live, modified two hours ago; deleted
		`INSERT INTO plutora.gizmos (id, last_modified_date, _deleted_at) VALUES (1, now() - interval '30 seconds', NULL),
			(2, now() - interval '10 seconds', NULL), (3, now() - interval '2 hours', NULL), (4, now() - interval '20 minutes', now())`,
		`INSERT INTO plutora_sync.entities (entity, product, table_schema, table_name, history_table, modified_column)
			VALUES ('gizmos', 'plutoratest', 'plutora', 'gizmos', 'gizmos_history', 'last_modified_date')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var got struct {
		Product string `db:"product"`
		Rows    int    `db:"rows"`
		Deleted int    `db:"deleted_rows"`
		P50     string `db:"lag_p50"`
		Max     string `db:"lag_max"`
		Changed int    `db:"changed_last_hour"`
		Lagged  int    `db:"lagged"`
	}
	if err := db.Get(&got, `SELECT product, rows, deleted_rows, lag_p50::text, lag_max::text, changed_last_hour,
		(SELECT count(*) FROM reporting.freshness_lag WHERE entity = 'gizmos') AS lagged
		FROM reporting.freshness WHERE entity = 'gizmos'`); err != nil {
		t.Fatal(err)
	}
	want := got
	want.Product, want.Rows, want.Deleted, want.P50, want.Max, want.Changed, want.Lagged = "plutoratest", 3, 1, "00:00:20", "00:00:30", 2, 1
	if got != want {
		t.Errorf("freshness of the new entity %+v, want %+v", got, want)
	}
}

// TestRegisterEntities: the template holds every entity's row; registering
// again restores a changed row and keeps a row it does not know (another
// version's, during a rolling update); it waits for the migration lock.
func TestRegisterEntities(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := loadtest.NewDB(t)
	rows := func() []load.EntityTable {
		t.Helper()
		var out []load.EntityTable
		if err := db.Select(&out, `SELECT entity AS "entity", product AS "product", table_schema AS "schema",
			table_name AS "table", history_table AS "history", coalesce(key_column, '') AS "key",
			coalesce(modified_column, '') AS "modified"
			FROM plutora_sync.entities WHERE entity <> 'gizmos' ORDER BY entity`); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := rows()
	if len(want) != len(load.EntityTables()) {
		t.Fatalf("the template holds %d entities, want %d: %v", len(want), len(load.EntityTables()), want)
	}
	for _, q := range []string{
		`UPDATE plutora_sync.entities SET table_name = 'elsewhere', key_column = NULL, modified_column = NULL WHERE entity = 'changes'`,
		`INSERT INTO plutora_sync.entities (entity, product, table_schema, table_name, history_table)
			VALUES ('gizmos', 'plutora', 'plutora', 'gizmos', 'gizmos_history')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// Another replica migrating holds the lock: registering waits for it.
	lock, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, schema.LockID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- load.RegisterEntities(ctx, db.DB) }()
	waitForLockWaits(t, db, 1)
	if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, schema.LockID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("RegisterEntities still waits a minute after the lock was released")
	}
	if got := rows(); !reflect.DeepEqual(got, want) {
		t.Errorf("after registering again:\n%v\nwant\n%v", got, want)
	}
	if n := count(t, db, `SELECT count(*) FROM plutora_sync.entities WHERE entity = 'gizmos'`); n != 1 {
		t.Errorf("the unknown entity's row: %d rows, want it kept", n)
	}
	// A row whose table is gone is left out of the counts, not an error.
	var fresh int
	if err := db.Get(&fresh, `SELECT count(*) FROM reporting.freshness WHERE entity = 'gizmos' AND rows IS NULL`); err != nil || fresh != 1 {
		t.Errorf("freshness of an entity without a table: %d rows (%v), want one without counts", fresh, err)
	}
}

// TestBIReaderSelectsFreshness: a BI role granted as docs/operations.md says
// (USAGE on plutora and reporting, SELECT on their tables and views, nothing
// on plutora_sync) reads reporting.freshness with its counts; one that may
// not select a table gets no counts for it, not an error.
func TestBIReaderSelectsFreshness(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := loadtest.NewDB(t)
	role := fmt.Sprintf("bi_reader_%d", time.Now().UnixNano())
	for _, q := range []string{
		`CREATE ROLE ` + role + ` NOLOGIN`,
		`GRANT USAGE ON SCHEMA plutora, reporting TO ` + role,
		`GRANT SELECT ON ALL TABLES IN SCHEMA plutora, reporting TO ` + role,
		`REVOKE SELECT ON plutora.hosts FROM ` + role,
		`INSERT INTO plutora.systems (id, raw, _run_id) VALUES (gen_random_uuid(), '{}', 0)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		_, _ = db.Exec(`DROP OWNED BY ` + role)
		if _, err := db.Exec(`DROP ROLE ` + role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET ROLE `+role); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `RESET ROLE`) //nolint:errcheck // before the connection goes back to the pool
	got := map[string]*int64{}
	rows, err := conn.QueryContext(ctx, `SELECT entity, rows FROM reporting.freshness`)
	if err != nil {
		t.Fatalf("the BI role selects reporting.freshness: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var n *int64
		if err := rows.Scan(&e, &n); err != nil {
			t.Fatal(err)
		}
		got[e] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("the BI role selects reporting.freshness: %v", err)
	}
	if len(got) != len(load.EntityTables()) || got["systems"] == nil || *got["systems"] != 1 || got["hosts"] != nil {
		t.Errorf("the BI role's freshness: %d entities, systems %v rows, hosts %v; want every entity, 1 system, no count of hosts",
			len(got), got["systems"], got["hosts"])
	}
}
