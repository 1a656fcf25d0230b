package load_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// The tests inside the package get their databases from loadtest too.
func init() { load.SetTestDB(loadtest.NewDB) }

// smallSizes keeps test data small; every entity has records.
var smallSizes = plutoratest.Sizes{Changes: 250, Releases: 60, Environments: 20, Hosts: 50, Systems: 15, Defects: 120}

func newWriter(t *testing.T) (*load.Writer, *sqlx.DB) {
	t.Helper()
	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w, db
}

func newSandbox(t *testing.T, sizes plutoratest.Sizes) *plutoratest.Server {
	t.Helper()
	srv, err := plutoratest.NewServer(plutoratest.Options{Seed: 7, Sizes: sizes, Quirks: plutoratest.AllQuirks()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// records returns the sandbox's records of entity in paging order.
func records(srv *plutoratest.Server, entity string) []json.RawMessage {
	m := srv.Records(entity)
	out := make([]json.RawMessage, 0, len(m))
	for _, id := range srv.IDs(entity) {
		out = append(out, m[id])
	}
	return out
}

func paged(recs []json.RawMessage, size int) [][]json.RawMessage {
	var out [][]json.RawMessage
	for len(recs) > 0 {
		n := min(size, len(recs))
		out = append(out, recs[:n])
		recs = recs[n:]
	}
	return out
}

// loadAll writes recs of entity as pages of 100 under a new run, and returns
// the summed results.
func loadAll(t *testing.T, w *load.Writer, entity string, mode synctype.Mode, recs []json.RawMessage) (int64, synctype.PageResult) {
	t.Helper()
	ctx := context.Background()
	runID, err := w.StartRun(ctx, synctype.RunStart{Entity: entity, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	var sum synctype.PageResult
	for i, page := range paged(recs, 100) {
		res, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: entity, Mode: mode, PageNum: i,
			TotalCount: len(recs), Records: page})
		if err != nil {
			t.Fatalf("%s page %d: %v", entity, i, err)
		}
		sum.Inserted += res.Inserted
		sum.Updated += res.Updated
		sum.Unchanged += res.Unchanged
		sum.Quarantined += res.Quarantined
		if res.MaxModified != nil && (sum.MaxModified == nil || res.MaxModified.After(*sum.MaxModified)) {
			sum.MaxModified = res.MaxModified
		}
	}
	return runID, sum
}

func count(t *testing.T, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// fingerprint identifies every row version of table: it changes when any row
// is written, inserted or deleted.
func fingerprint(t *testing.T, db *sqlx.DB, table string) string {
	t.Helper()
	var s string
	if err := db.GetContext(context.Background(), &s,
		`SELECT coalesce(md5(string_agg(ctid::text || ':' || xmin::text, ',' ORDER BY ctid)), 'empty') FROM `+table); err != nil {
		t.Fatal(err)
	}
	return s
}

// childFingerprints is fingerprint per parent of a child table.
func childFingerprints(t *testing.T, db *sqlx.DB, table, parentCol string) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT ` + parentCol + `::text, md5(string_agg(ctid::text || ':' || xmin::text, ',' ORDER BY ctid)) FROM ` + table + ` GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// recordsByID returns the stored raw records of the given host ids.
func recordsByID(t *testing.T, db *sqlx.DB, ids ...string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for _, id := range ids {
		var raw []byte
		if err := db.GetContext(context.Background(), &raw, "SELECT raw FROM plutora.hosts WHERE id = $1", id); err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

// waitForLockWaits waits until n sessions of the test's database wait on a
// lock.
func waitForLockWaits(t *testing.T, db *sqlx.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) != n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d sessions waiting on a lock after a minute: %s", n, activity(t, db))
		}
		time.Sleep(10 * time.Millisecond) // polling: PostgreSQL signals no lock wait
	}
}

// activity lists the sessions of the test's database, for failures.
func activity(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var act []string
	if err := db.Select(&act, `SELECT concat_ws(' ', pid, state, wait_event_type, wait_event, left(query, 60))
		FROM pg_stat_activity WHERE datname = current_database()`); err != nil {
		return err.Error()
	}
	return strings.Join(act, "; ")
}
