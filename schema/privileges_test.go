package schema_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// TestFunctionsThatRunCallerTextAreNotPublic: a role with USAGE on
// plutora_sync but no grant on its functions cannot run expr_error or
// probe_records (both EXECUTE the text they are given), and no function of
// those names, whatever its signature, is executable by PUBLIC.
func TestFunctionsThatRunCallerTextAreNotPublic(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := loadtest.NewDB(t)
	role := fmt.Sprintf("no_privileges_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, `CREATE ROLE `+role+` NOLOGIN`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec(`REVOKE USAGE ON SCHEMA plutora_sync FROM ` + role)
		if _, err := db.Exec(`DROP ROLE ` + role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	if _, err := db.ExecContext(ctx, `GRANT USAGE ON SCHEMA plutora_sync TO `+role); err != nil {
		t.Fatal(err)
	}
	for _, call := range []string{
		`SELECT plutora_sync.expr_error('1', 'x')`,
		`SELECT * FROM plutora_sync.probe_records('SELECT 1', ARRAY['{}'], 0)`,
	} {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, `SET ROLE `+role); err != nil {
			t.Fatal(err)
		}
		_, err = conn.ExecContext(ctx, call)
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Code != "42501" {
			t.Errorf("%s as a role without privileges: %v, want SQLSTATE 42501", call, err)
		}
		_, _ = conn.ExecContext(ctx, `RESET ROLE`)
		conn.Close()
	}
	var public []string
	if err := db.SelectContext(ctx, &public, `SELECT p.oid::regprocedure::text FROM pg_proc p
		WHERE p.pronamespace = 'plutora_sync'::regnamespace AND p.proname IN ('expr_error', 'probe_records')
		  AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))`); err != nil {
		t.Fatal(err)
	}
	if len(public) > 0 {
		t.Errorf("executable by PUBLIC: %v", public)
	}
}

// TestNoFunctionExecutableByPublic lists every function of the warehouse's
// schemas that PUBLIC may execute (a NULL ACL is the default, which grants
// it): there must be none, so that no function that runs caller text
// (cast_error did, expr_error and probe_records do) is reachable by a role
// that was only given USAGE. A function the migrating role creates later is
// not executable by PUBLIC either (the default privileges), and cast_error
// is gone.
func TestNoFunctionExecutableByPublic(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := loadtest.NewDB(t)
	const publicFunctions = `SELECT p.oid::regprocedure::text FROM pg_proc p
		WHERE p.pronamespace::regnamespace::text IN ('plutora', 'plutora_sync', 'reporting')
		  AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
		ORDER BY 1`
	var all []string
	if err := db.SelectContext(ctx, &all, `SELECT p.oid::regprocedure::text FROM pg_proc p
		WHERE p.pronamespace = 'plutora_sync'::regnamespace ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("plutora_sync holds %d functions (%v), not even expr_error and probe_records: the list looks in the wrong place", len(all), all)
	}
	// A function added after the migrations, as a later migration would.
	if _, err := db.ExecContext(ctx, `CREATE FUNCTION plutora_sync.later(q text) RETURNS void
		LANGUAGE plpgsql AS $$ BEGIN EXECUTE q; END $$`); err != nil {
		t.Fatal(err)
	}
	var public []string
	if err := db.SelectContext(ctx, &public, publicFunctions); err != nil {
		t.Fatal(err)
	}
	if len(public) > 0 {
		t.Errorf("executable by PUBLIC: %v", public)
	}
	_, err := db.ExecContext(ctx, `SELECT plutora_sync.cast_error('1', 'int WHERE pg_sleep(0) IS NOT NULL')`)
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "42883" {
		t.Errorf("cast_error: %v, want SQLSTATE 42883 (no such function)", err)
	}
}
