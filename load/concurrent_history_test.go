package load_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Two writes of one record wait side by side in the database, each with a
// newer version (a poll's page and a detail refresh); the first waits first,
// so PostgreSQL lets it go first. Each must supersede the version current
// when it writes: history then holds every version but the last once, in
// order, and the status periods chain with one left open. In READ COMMITTED
// the second took the superseded version from its snapshot, taken before
// the first committed: history held the first version twice (or, for a new
// record, not at all) and lost the first write's, and its status period
// stayed open beside the second's.

// releaseVersion is a release record with id, status and last-modified time.
func releaseVersion(id, status, modified string) json.RawMessage {
	return json.RawMessage(`{"id":"` + id + `","name":"R","releaseStatusType":"` + status + `","lastModifiedDate":"` + modified + `"}`)
}

// TestConcurrentUpdatesOfOneRecordKeepEveryVersionOnce: the record exists;
// a third transaction holds its row until both writes wait on it.
func TestConcurrentUpdatesOfOneRecordKeepEveryVersionOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, db := newWriter(t)
	const id = "9b3e1f10-0000-4000-8000-000000000020"
	if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "releases", Mode: synctype.ModeIncremental,
		Records: []json.RawMessage{releaseVersion(id, "Draft", "2025-01-01T09:00:00Z")}}); err != nil {
		t.Fatal(err)
	}
	hold := holdRows(ctx, t, db, `SELECT 1 FROM plutora.releases WHERE id = $1 FOR UPDATE`, id)
	writeSideBySide(ctx, t, w, db, hold, id, releaseVersion(id, "Approved", "2025-02-01T09:00:00Z"),
		releaseVersion(id, "Implemented", "2025-03-01T09:00:00Z"))
	assertVersions(ctx, t, db, id, []string{"Draft", "Approved"}, "Implemented")
}

// TestConcurrentInsertsOfOneRecordKeepEveryVersionOnce: the record is new;
// the first write has inserted it and waits on its checkpoint row, which a
// third transaction holds, when the second comes.
func TestConcurrentInsertsOfOneRecordKeepEveryVersionOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, db := newWriter(t)
	const id = "9b3e1f10-0000-4000-8000-000000000021"
	other := releaseVersion("9b3e1f10-0000-4000-8000-000000000022", "Draft", "2025-01-01T09:00:00Z")
	if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "releases", Mode: synctype.ModeSweep, Records: []json.RawMessage{other}}); err != nil {
		t.Fatal(err) // the sweep's checkpoint row
	}
	hold := holdRows(ctx, t, db, `SELECT 1 FROM plutora_sync.checkpoints WHERE entity = 'releases' AND mode = 'sweep' FOR UPDATE`)
	writeSideBySide(ctx, t, w, db, hold, id, releaseVersion(id, "Draft", "2025-01-01T09:00:00Z"),
		releaseVersion(id, "Approved", "2025-02-01T09:00:00Z"))
	assertVersions(ctx, t, db, id, []string{"Draft"}, "Approved")
}

// holdRows locks the rows query selects in a transaction it returns.
func holdRows(ctx context.Context, t *testing.T, db *sqlx.DB, query string, args ...any) *sqlx.Tx {
	t.Helper()
	hold, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hold.Rollback() })
	if _, err := hold.ExecContext(ctx, query, args...); err != nil {
		t.Fatal(err)
	}
	return hold
}

// writeSideBySide writes first as a sweep page, then second as a detail
// refresh, each once the one before waits on a lock, then lets hold go and
// waits for both.
func writeSideBySide(ctx context.Context, t *testing.T, w *load.Writer, db *sqlx.DB, hold *sqlx.Tx, id string, first, second json.RawMessage) {
	t.Helper()
	errs := make(chan error, 2)
	go func() {
		_, err := w.WritePage(ctx, synctype.PageWrite{Entity: "releases", Mode: synctype.ModeSweep, PageNum: 1, Records: []json.RawMessage{first}})
		errs <- err
	}()
	waitForLockWaits(t, db, 1)
	go func() {
		_, err := w.WriteDetails(ctx, synctype.DetailWrite{Entity: "releases", Records: []json.RawMessage{second}, At: time.Now()})
		errs <- err
	}()
	waitForLockWaits(t, db, 2)
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// assertVersions checks that release id's history holds the statuses of
// hist in order, its row current, and its status periods all of them, only
// the last open.
func assertVersions(ctx context.Context, t *testing.T, db *sqlx.DB, id string, hist []string, current string) {
	t.Helper()
	var got []string
	if err := db.SelectContext(ctx, &got, `SELECT raw->>'releaseStatusType' FROM plutora.releases_history
		WHERE id = $1 ORDER BY valid_from, valid_to`, id); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, hist) {
		t.Errorf("history %v, want %v", got, hist)
	}
	if n := count(t, db, `SELECT count(*) FROM plutora.releases WHERE id = $1 AND raw->>'releaseStatusType' = $2`, id, current); n != 1 {
		t.Errorf("the row does not hold the last version, %s", current)
	}
	var periods, want []string
	if err := db.SelectContext(ctx, &periods, `SELECT concat_ws(' ', status, valid_to IS NULL) FROM plutora.releases_status_periods
		WHERE id = $1 ORDER BY valid_from, valid_to`, id); err != nil {
		t.Fatal(err)
	}
	for _, s := range hist {
		want = append(want, s+" f")
	}
	if want = append(want, current+" t"); !slices.Equal(periods, want) {
		t.Errorf("status periods %v, want %v", periods, want)
	}
}
