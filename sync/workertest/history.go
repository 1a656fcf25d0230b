package workertest

import (
	"testing"

	"github.com/jmoiron/sqlx"
)

// AssertNoDuplicateHistory fails the test if two consecutive versions of a
// record of entity (its history rows, then the current row) have the same
// content: every change in the sandbox alters the record, so a repeat is a
// replay written twice. Each repeat is reported with the record's history.
func AssertNoDuplicateHistory(t testing.TB, db *sqlx.DB, entity string) {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT id::text, valid_from::text, coalesce(valid_to::text, '-'), coalesce(run_id, 0), is_current FROM (
		SELECT *, raw = lag(raw) OVER (PARTITION BY id ORDER BY valid_from, is_current) AS same FROM (
			SELECT id, valid_from, valid_to, raw, _run_id AS run_id, false AS is_current FROM plutora.`+entity+`_history
			UNION ALL SELECT id, 'infinity'::timestamptz, _deleted_at, raw, _run_id, true FROM plutora.`+entity+`) v) x
		WHERE same`)
	if err != nil {
		t.Fatalf("history of %s: %v", entity, err)
	}
	type repeat struct {
		id, from, to string
		run          int64
		current      bool
	}
	var repeats []repeat
	for rows.Next() {
		var r repeat
		if err := rows.Scan(&r.id, &r.from, &r.to, &r.run, &r.current); err != nil {
			rows.Close()
			t.Fatalf("history of %s: %v", entity, err)
		}
		repeats = append(repeats, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatalf("history of %s: %v", entity, err)
	}
	for _, r := range repeats {
		t.Errorf("%s %s: version from %s (to %s, run %d, current %v) repeats the one before it", entity, r.id, r.from, r.to, r.run, r.current)
		var hist string
		_ = db.QueryRow(`SELECT string_agg(format('[%s → %s run %s]', valid_from, valid_to, _run_id), ' ' ORDER BY valid_from)
			FROM plutora.`+entity+`_history WHERE id = $1`, r.id).Scan(&hist)
		t.Logf("  history of %s: %s", r.id, hist)
	}
}
