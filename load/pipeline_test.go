package load_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// pipelineRun gathers what a Pipeline gave back for one run.
type pipelineRun struct {
	runID     int64
	committed []int // page numbers, in the order they were given back
	sum       synctype.PageResult
}

func (r *pipelineRun) add(p synctype.PageWrite, res synctype.PageResult) {
	r.committed = append(r.committed, p.PageNum)
	r.sum.Inserted += res.Inserted
	r.sum.Updated += res.Updated
	r.sum.Unchanged += res.Unchanged
	r.sum.Quarantined += res.Quarantined
}

func startRun(t *testing.T, w *load.Writer, mode synctype.Mode) *pipelineRun {
	t.Helper()
	runID, err := w.StartRun(context.Background(), synctype.RunStart{Entity: "changes", Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	return &pipelineRun{runID: runID}
}

func (r *pipelineRun) page(n int, recs []json.RawMessage, total int) synctype.PageWrite {
	return synctype.PageWrite{RunID: r.runID, Entity: "changes", Mode: synctype.ModeIncremental, PageNum: n, TotalCount: total, Records: recs}
}

// content is a digest of what the changes tables hold, leaving out when and
// by which run rows were written.
func content(t *testing.T, db *sqlx.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tb := range changeTables {
		var s string
		err := db.GetContext(context.Background(), &s, `SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '')
			FROM (SELECT to_jsonb(t) - '_first_seen_at' - '_last_changed_at' - '_synced_at' - '_run_id' - 'history_id'
				- 'valid_to' AS x FROM `+tb+` t) s`)
		if err != nil {
			t.Fatal(err)
		}
		out[tb] = s
	}
	return out
}

// checkpointAndLedger returns the changes checkpoint's next page and the
// run's ledger counts.
func checkpointAndLedger(t *testing.T, db *sqlx.DB, runID int64) (nextPage, pages, inserted int) {
	t.Helper()
	err := db.QueryRowContext(context.Background(), `SELECT k.next_page, l.pages, l.inserted
		FROM plutora_sync.checkpoints k, plutora_sync.run_entities l
		WHERE k.entity = 'changes' AND k.mode = 'incremental' AND l.run_id = $1`, runID).Scan(&nextPage, &pages, &inserted)
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestPipelineWritesWhatOnePageAtATimeWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	recs := records(newSandbox(t, smallSizes), "changes")
	pages := paged(recs, 40) // 7 pages

	wAlone, dbAlone := newWriter(t)
	loadAll(t, wAlone, "changes", synctype.ModeIncremental, recs)

	w, db := newWriter(t)
	db.SetMaxOpenConns(3)
	run := startRun(t, w, synctype.ModeIncremental)
	pl := w.Pipeline(3, run.add)
	for i, page := range pages {
		if err := pl.Write(ctx, run.page(i, page, len(recs))); err != nil {
			t.Fatal(err)
		}
	}
	if err := pl.Close(); err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6}; !slices.Equal(run.committed, want) {
		t.Errorf("pages given back in the order %v, want %v", run.committed, want)
	}
	if run.sum.Inserted != len(recs) || run.sum.Updated+run.sum.Unchanged+run.sum.Quarantined != 0 {
		t.Errorf("results: %+v", run.sum)
	}
	if got, want := content(t, db), content(t, dbAlone); !maps.Equal(got, want) {
		t.Errorf("written side by side, the tables hold\n%v\none page at a time\n%v", got, want)
	}
	if next, n, ins := checkpointAndLedger(t, db, run.runID); next != len(pages) || n != len(pages) || ins != len(recs) {
		t.Errorf("checkpoint next page %d, ledger %d pages and %d inserted; want %d, %d, %d", next, n, ins, len(pages), len(pages), len(recs))
	}
}

// A record that moved onto the next page while the pages were read, and
// changed meanwhile, is on two pages: the second must be written after the
// first committed, or it would replace the record's child rows without
// seeing the first's, and lose the first's version from the history. The
// first page is held in the database (on its ledger row) while the second
// is given.
func TestPipelineWritesPagesThatShareARecordOneAfterTheOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	recs := records(srv, "changes")
	moved := srv.IDs("changes")[99]
	if err := srv.Update("changes", moved); err != nil {
		t.Fatal(err)
	}
	newer := srv.Records("changes")[moved]
	page0 := recs[:100]
	page1 := append([]json.RawMessage{newer}, recs[100:199]...)

	run := startRun(t, w, synctype.ModeIncremental)
	hold := holdLedger(t, db, run.runID)
	pl := w.Pipeline(2, run.add)
	if err := pl.Write(ctx, run.page(0, page0, 200)); err != nil {
		t.Fatal(err)
	}
	waitForLockWaits(t, db, 1)
	given := make(chan []int, 1)
	go func() {
		err := pl.Write(ctx, run.page(1, page1, 200))
		if err != nil {
			t.Error(err)
		}
		given <- slices.Clone(run.committed)
	}()
	select {
	case got := <-given:
		t.Fatalf("page 1 went in flight beside page 0, which holds the same record (pages given back: %v)", got)
	case <-time.After(300 * time.Millisecond):
		// A window for page 1 to go in flight wrongly: it cannot fail a right
		// pipeline, only let a wrong one pass, which the child rows and the
		// history below then catch.
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := <-given; !slices.Equal(got, []int{0}) {
		t.Errorf("when page 1 went in flight, pages %v had committed, want [0]", got)
	}
	if err := pl.Close(); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := db.GetContext(ctx, &raw, "SELECT raw FROM plutora.changes WHERE id = $1", moved); err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, raw, newer) {
		t.Errorf("the moved record holds %s, want the newer version", raw)
	}
	var want struct{ Systems []json.RawMessage }
	if err := json.Unmarshal(newer, &want); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.change_systems WHERE change_id = $1", moved); n != len(want.Systems) {
		t.Errorf("the moved record has %d system rows, want %d", n, len(want.Systems))
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.changes_history WHERE id = $1", moved); n != 1 {
		t.Errorf("the moved record has %d history rows, want 1 (the version page 0 wrote)", n)
	}
}

// When a page fails, the page written beside it after it does not commit
// (it waits for the first and checks that it committed); the pipeline
// writes both again, in order. Here the first page's statement is cancelled
// while it waits on its ledger row and the second waits for it.
func TestPipelinePageAfterAFailedPageDoesNotCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := loadtest.NewDB(t)
	var logged bytes.Buffer
	w, err := load.NewWriter(db, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	recs := records(newSandbox(t, smallSizes), "changes")
	run := startRun(t, w, synctype.ModeIncremental)
	hold := holdLedger(t, db, run.runID)
	pl := w.Pipeline(2, run.add)
	// Page 0 waits on the ledger row, then page 1 on page 0 (an advisory lock).
	for i, page := range paged(recs[:200], 100) {
		if err := pl.Write(ctx, run.page(i, page, 200)); err != nil {
			t.Fatal(err)
		}
		waitForLockWaits(t, db, i+1)
	}
	var first int
	if err := db.GetContext(ctx, &first, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event <> 'advisory'
			AND pid <> $1`, pidOf(t, hold)); err != nil {
		t.Fatal(err)
	}
	// (Terminating the session would not do: database/sql sends the
	// statement again on a new connection when lib/pq reports the
	// connection lost.)
	if _, err := db.ExecContext(ctx, "SELECT pg_cancel_backend($1)", first); err != nil {
		t.Fatal(err)
	}
	waitForIdle(t, db, pidOf(t, hold))
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	// Nothing committed: page 1 found page 0 rolled back, and the pipeline
	// has not written them again yet.
	if n := count(t, db, "SELECT count(*) FROM plutora.changes"); n != 0 {
		t.Errorf("%d rows after page 0 failed: page 1 committed without it", n)
	}
	if next, _, _ := checkpointAndLedger(t, db, run.runID); next != 0 {
		t.Errorf("the checkpoint's next page is %d after page 0 failed, want 0", next)
	}
	if err := pl.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(run.committed, []int{0, 1}) || run.sum.Inserted != 200 {
		t.Errorf("given back %v, %+v; want pages [0 1], 200 inserted", run.committed, run.sum)
	}
	if next, pages, ins := checkpointAndLedger(t, db, run.runID); next != 2 || pages != 2 || ins != 200 {
		t.Errorf("checkpoint next page %d, ledger %d pages and %d inserted; want 2, 2, 200", next, pages, ins)
	}
	if !strings.Contains(logged.String(), `writing it again, alone" entity=changes mode=incremental run_id=`) ||
		!strings.Contains(logged.String(), "page=0 pages_after_it=1") || !strings.Contains(logged.String(), "canceling statement") {
		t.Errorf("the log does not say that page 0 was written again, and why:\n%s", logged.String())
	}
}

// Records that cannot be loaded, or whose id cannot be read without
// decoding them, are sorted out as WritePage sorts them out.
func TestPipelineQuarantinesBadRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	recs := records(newSandbox(t, smallSizes), "changes")
	pages := paged(recs, 100)
	pages[1] = append(slices.Clone(pages[1][:50]), append([]json.RawMessage{
		json.RawMessage(`{"id":"7a1c1f9e-0000-4000-8000-000000000001","raisedDate":"next Tuesday"}`)}, pages[1][50:]...)...)
	pages[2] = append(slices.Clone(pages[2]), json.RawMessage(`{"name":"nameless"}`))
	run := startRun(t, w, synctype.ModeIncremental)
	pl := w.Pipeline(2, run.add)
	for i, page := range pages {
		if err := pl.Write(ctx, run.page(i, page, len(recs)+2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := pl.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(run.committed, []int{0, 1, 2}) || run.sum.Inserted != len(recs) || run.sum.Quarantined != 2 {
		t.Errorf("given back %v, %+v; want pages [0 1 2], %d inserted, 2 quarantined", run.committed, run.sum, len(recs))
	}
	if n := count(t, db, "SELECT count(*) FROM plutora_sync.quarantine WHERE entity = 'changes'"); n != 2 {
		t.Errorf("%d records quarantined, want 2", n)
	}
	if next, _, _ := checkpointAndLedger(t, db, run.runID); next != 3 {
		t.Errorf("checkpoint next page %d, want 3", next)
	}
}

// holdLedger locks the run's ledger row in a transaction of its own, which
// the caller rolls back: a page of the run waits there, its data written.
func holdLedger(t *testing.T, db *sqlx.DB, runID int64) *sql.Tx {
	t.Helper()
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	if _, err := tx.Exec("SELECT 1 FROM plutora_sync.run_entities WHERE run_id = $1 FOR UPDATE", runID); err != nil {
		t.Fatal(err)
	}
	return tx
}

func pidOf(t *testing.T, tx *sql.Tx) int {
	t.Helper()
	var pid int
	if err := tx.QueryRow("SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
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

// waitForIdle waits until no session of the test's database but this
// one's and except's runs a statement.
func waitForIdle(t *testing.T, db *sqlx.DB, except int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND state = 'active' AND pid NOT IN (pg_backend_pid(), $1)`, except) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("sessions still busy after a minute: %s", activity(t, db))
		}
		time.Sleep(10 * time.Millisecond) // polling: PostgreSQL signals no end of a statement
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

func TestPipelineOfDepthOneWritesOnePageAtATime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	recs := records(newSandbox(t, smallSizes), "changes")
	run := startRun(t, w, synctype.ModeIncremental)
	pl := w.Pipeline(1, run.add)
	for i, page := range paged(recs, 100) {
		if err := pl.Write(ctx, run.page(i, page, len(recs))); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(run.committed, []int{0, 1, 2}[:i+1]) {
			t.Fatalf("after page %d was given, pages %v had committed", i, run.committed)
		}
	}
	if err := pl.Close(); err != nil {
		t.Fatal(err)
	}
	if next, pages, ins := checkpointAndLedger(t, db, run.runID); next != 3 || pages != 3 || ins != len(recs) {
		t.Errorf("checkpoint next page %d, ledger %d pages and %d inserted; want 3, 3, %d", next, pages, ins, len(recs))
	}
}

// A page the pipeline refuses stops it; the pages in flight before it
// still commit and are given back.
func TestPipelineStopsAtAnInvalidPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, _ := newWriter(t)
	recs := records(newSandbox(t, smallSizes), "changes")
	run := startRun(t, w, synctype.ModeIncremental)
	pl := w.Pipeline(2, run.add)
	if err := pl.Write(ctx, run.page(0, recs[:100], 250)); err != nil {
		t.Fatal(err)
	}
	bad := run.page(1, recs[100:200], 250)
	bad.Mode = "nightly"
	err := pl.Write(ctx, bad)
	if err == nil || !strings.Contains(err.Error(), `unknown mode "nightly"`) {
		t.Fatalf("an invalid page: %v", err)
	}
	if err := pl.Write(ctx, run.page(2, recs[200:], 250)); err == nil {
		t.Error("the pipeline took a page after it stopped")
	}
	if cerr := pl.Close(); cerr != err {
		t.Errorf("Close: %v, want the error that stopped it", cerr)
	}
	if !slices.Equal(run.committed, []int{0}) || run.sum.Inserted != 100 {
		t.Errorf("given back %v, %+v; want page 0, 100 inserted", run.committed, run.sum)
	}
}
