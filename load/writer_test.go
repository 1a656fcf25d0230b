package load_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// dataTables are the tables a changes page writes.
var changeTables = []string{"plutora.changes", "plutora.changes_history", "plutora.change_systems",
	"plutora.change_delivery_releases", "plutora.change_stakeholders", "plutora.change_custom_fields"}

func TestReplayWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	recs := records(srv, "changes")
	_, first := loadAll(t, w, "changes", synctype.ModeIncremental, recs)
	if first.Inserted != len(recs) || first.Updated+first.Unchanged+first.Quarantined != 0 {
		t.Fatalf("first load: %+v", first)
	}
	before := map[string]string{}
	for _, tb := range changeTables {
		before[tb] = fingerprint(t, db, tb)
	}
	_, again := loadAll(t, w, "changes", synctype.ModeIncremental, recs)
	if again.Unchanged != len(recs) || again.Inserted+again.Updated != 0 {
		t.Fatalf("replay: %+v", again)
	}
	for _, tb := range changeTables {
		if fingerprint(t, db, tb) != before[tb] {
			t.Errorf("%s was rewritten by a replay of unchanged pages", tb)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.changes_history"); n != 0 {
		t.Errorf("%d history rows after loading unchanged records twice", n)
	}
	// The max lastModifiedDate comes back from the statement.
	var want time.Time
	if err := db.GetContext(ctx, &want, "SELECT max(last_modified_date) FROM plutora.changes"); err != nil {
		t.Fatal(err)
	}
	if first.MaxModified == nil || !first.MaxModified.Equal(want) {
		t.Errorf("MaxModified %v, want %v", first.MaxModified, want)
	}
}

func TestChangedRecordsWriteHistoryAndOnlyTheirChildren(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	recs := records(srv, "changes")
	loadAll(t, w, "changes", synctype.ModeIncremental, recs)
	old := srv.Records("changes")

	// Change 1% of the records (the sandbox stamps lastModifiedDate with its clock).
	ids := srv.IDs("changes")
	changed := map[string]bool{}
	for i := 0; i < len(ids); i += 100 {
		if err := srv.Update("changes", ids[i]); err != nil {
			t.Fatal(err)
		}
		changed[ids[i]] = true
	}
	childBefore := childFingerprints(t, db, "plutora.change_systems", "change_id")
	_, res := loadAll(t, w, "changes", synctype.ModeIncremental, records(srv, "changes"))
	if res.Updated != len(changed) || res.Inserted != 0 || res.Unchanged != len(ids)-len(changed) {
		t.Fatalf("after %d updates: %+v", len(changed), res)
	}
	childAfter := childFingerprints(t, db, "plutora.change_systems", "change_id")
	for id, fp := range childBefore {
		if !changed[id] && childAfter[id] != fp {
			t.Errorf("children of unchanged change %s were rewritten", id)
		}
	}
	// One history row per changed record: the old version, closed when the new began.
	type hrow struct {
		ID        string    `db:"id"`
		ValidFrom time.Time `db:"valid_from"`
		ValidTo   time.Time `db:"valid_to"`
		Raw       []byte    `db:"raw"`
	}
	var hist []hrow
	if err := db.SelectContext(ctx, &hist, "SELECT id::text, valid_from, valid_to, raw FROM plutora.changes_history"); err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(changed) {
		t.Fatalf("%d history rows for %d changed records", len(hist), len(changed))
	}
	for _, h := range hist {
		if !changed[h.ID] {
			t.Errorf("history for unchanged %s", h.ID)
			continue
		}
		if !jsonEqual(t, h.Raw, old[h.ID]) {
			t.Errorf("history of %s does not hold the old version", h.ID)
		}
		var cur struct {
			Modified time.Time `db:"last_modified_date"`
		}
		if err := db.GetContext(ctx, &cur, "SELECT last_modified_date FROM plutora.changes WHERE id = $1", h.ID); err != nil {
			t.Fatal(err)
		}
		if !h.ValidTo.Equal(cur.Modified) || !h.ValidFrom.Before(h.ValidTo) {
			t.Errorf("history of %s: valid %s..%s, new version from %s", h.ID, h.ValidFrom, h.ValidTo, cur.Modified)
		}
	}
	// Replaying the page with the changes writes nothing more.
	before := map[string]string{}
	for _, tb := range changeTables {
		before[tb] = fingerprint(t, db, tb)
	}
	_, res = loadAll(t, w, "changes", synctype.ModeIncremental, records(srv, "changes"))
	if res.Unchanged != len(ids) {
		t.Errorf("replay after changes: %+v", res)
	}
	for _, tb := range changeTables {
		if fingerprint(t, db, tb) != before[tb] {
			t.Errorf("%s rewritten by a replay", tb)
		}
	}
	// The status history view has every version of a changed record.
	for id := range changed {
		if n := count(t, db, "SELECT count(*) FROM reporting.change_versions WHERE change_id = $1", id); n != 2 {
			t.Errorf("change %s: %d versions, want 2", id, n)
		}
		if n := count(t, db, "SELECT count(*) FROM reporting.change_status_history WHERE change_id = $1 AND valid_to IS NULL", id); n != 1 {
			t.Errorf("change %s: %d open status periods, want 1", id, n)
		}
	}
	_ = now
}

func TestDuplicateIDsInAPageLastCopyWins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	recs := records(srv, "releases")[:5]
	var m map[string]any
	if err := json.Unmarshal(recs[2], &m); err != nil {
		t.Fatal(err)
	}
	m["name"] = "the second copy"
	second, _ := json.Marshal(m)
	page := append(append([]json.RawMessage{}, recs...), second)
	res, err := w.WritePage(ctx, synctype.PageWrite{Entity: "releases", Mode: synctype.ModeSweep, Records: page, TotalCount: 6})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 5 || res.Unchanged != 0 || res.Quarantined != 0 {
		t.Errorf("%+v", res)
	}
	var name string
	if err := db.GetContext(ctx, &name, "SELECT name FROM plutora.releases WHERE id = $1", m["id"]); err != nil {
		t.Fatal(err)
	}
	if name != "the second copy" {
		t.Errorf("name %q: the last copy should win", name)
	}
}

func TestZonelessDatesAreUTCWhateverTheSessionZone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	var dbName string
	if err := db.GetContext(ctx, &dbName, "SELECT current_database()"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "ALTER DATABASE "+dbName+" SET TimeZone = 'Australia/Sydney'"); err != nil {
		t.Fatal(err)
	}
	db.SetMaxIdleConns(0) // new sessions pick up the zone
	db.SetMaxIdleConns(2)
	recs := []json.RawMessage{
		json.RawMessage(`{"id":"0f0e0d0c-0b0a-4908-8706-050403020100","name":"a","implementationDate":"2025-06-20T17:29:55.883","lastModifiedDate":"2017-01-09T03:17:38.9137257+00:00"}`),
		json.RawMessage(`{"id":"1f0e0d0c-0b0a-4908-8706-050403020100","name":"b","implementationDate":"2016-12-31","lastModifiedDate":"2016-12-31T00:00:00+05:30"}`),
	}
	if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "releases", Mode: synctype.ModeSweep, Records: recs}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, col string
		want    time.Time
	}{
		// implementationDate is date-only: the date as written, whatever the zone.
		{"0f0e0d0c-0b0a-4908-8706-050403020100", "implementation_date", time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)},
		{"0f0e0d0c-0b0a-4908-8706-050403020100", "last_modified_date", time.Date(2017, 1, 9, 3, 17, 38, 913726e3, time.UTC)},
		{"1f0e0d0c-0b0a-4908-8706-050403020100", "implementation_date", time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"1f0e0d0c-0b0a-4908-8706-050403020100", "last_modified_date", time.Date(2016, 12, 30, 18, 30, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		var got time.Time
		if err := db.GetContext(ctx, &got, "SELECT "+tc.col+" FROM plutora.releases WHERE id = $1", tc.id); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(tc.want) {
			t.Errorf("%s %s = %s, want %s", tc.id, tc.col, got.UTC(), tc.want)
		}
	}
}

func TestWritePageRejectsBadInput(t *testing.T) {
	t.Parallel()
	w, _ := newWriter(t)
	tests := []struct {
		p    synctype.PageWrite
		want string
	}{
		{synctype.PageWrite{Entity: "widgets", Mode: synctype.ModeSweep}, `unknown entity "widgets"`},
		{synctype.PageWrite{Entity: "changes", Mode: "full"}, `unknown mode "full"`},
		{synctype.PageWrite{Entity: "defects", Product: "plutora", Mode: synctype.ModeSweep}, `product "plutoratest"`},
		{synctype.PageWrite{Entity: "hosts", Mode: synctype.ModeCensus}, "needs a run id"},
		{synctype.PageWrite{Entity: "hosts", Mode: synctype.ModeSweep, PageNum: -1}, "negative page"},
	}
	for _, tc := range tests {
		_, err := w.WritePage(context.Background(), tc.p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", tc.p, err, tc.want)
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestReleaseStatusOverTimeIsOneQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	const id = "9b3e1f10-0000-4000-8000-000000000010"
	versions := []struct{ status, name, modified string }{
		{"Draft", "R1", "2025-01-01T09:00:00"},
		{"Approved", "R1", "2025-02-01T09:00:00"},
		{"Approved", "R1 renamed", "2025-03-01T09:00:00"},
		{"Implemented", "R1 renamed", "2025-04-01T09:00:00+02:00"},
	}
	for i, v := range versions {
		rec := json.RawMessage(`{"id":"` + id + `","name":"` + v.name + `","releaseStatusType":"` + v.status + `","lastModifiedDate":"` + v.modified + `"}`)
		res, err := w.WritePage(ctx, synctype.PageWrite{Entity: "releases", Mode: synctype.ModeIncremental, PageNum: i, Records: []json.RawMessage{rec}})
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && res.Updated != 1 {
			t.Fatalf("version %d: %+v", i, res)
		}
	}
	type period struct {
		Status string     `db:"status"`
		From   time.Time  `db:"valid_from"`
		To     *time.Time `db:"valid_to"`
	}
	var got []period
	if err := db.SelectContext(ctx, &got, `SELECT status, valid_from, valid_to FROM reporting.release_status_history
		WHERE release_id = $1 ORDER BY valid_from`, id); err != nil {
		t.Fatal(err)
	}
	day := func(m, h int) time.Time { return time.Date(2025, time.Month(m), 1, h, 0, 0, 0, time.UTC) }
	want := []struct {
		status   string
		from, to time.Time
	}{
		{"Draft", day(1, 9), day(2, 9)},
		{"Approved", day(2, 9), day(4, 7)},
		{"Implemented", day(4, 7), time.Time{}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d periods: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Status != w.status || !g.From.Equal(w.from) || (w.to.IsZero() != (g.To == nil)) || (g.To != nil && !g.To.Equal(w.to)) {
			t.Errorf("period %d: %s %s..%v, want %s %s..%s", i, g.Status, g.From, g.To, w.status, w.from, w.to)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.releases_history WHERE id = $1", id); n != 3 {
		t.Errorf("%d history rows for 4 versions, want 3 (the current one is the row)", n)
	}
}

// TestManyPagesFromTwoGoroutines writes pages of one entity from two
// goroutines at once: a Writer is safe for concurrent use.
func TestManyPagesFromTwoGoroutines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	const pages = 130 // per goroutine
	errs := make(chan error, 2)
	for g := range 2 {
		go func() {
			for i := range pages {
				id := fmt.Sprintf("%08x-0000-4000-8000-%012x", g, i)
				rec := json.RawMessage(`{"id":"` + id + `","name":"s` + id + `"}`)
				if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "systems", Mode: synctype.ModeSweep, PageNum: i, Records: []json.RawMessage{rec}}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.systems"); n != 2*pages {
		t.Errorf("%d systems, want %d", n, 2*pages)
	}
}

// Two writes of one entity run side by side: a page that waits in the
// database (here on a checkpoint row another transaction holds) does not
// hold up a page of the same entity in another mode.
func TestWritesOfOneEntityRunSideBySide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	recs := records(newSandbox(t, smallSizes), "changes")
	write := func(ctx context.Context, mode synctype.Mode, page int, recs []json.RawMessage) error {
		_, err := w.WritePage(ctx, synctype.PageWrite{Entity: "changes", Mode: mode, PageNum: page, TotalCount: 250, Records: recs})
		return err
	}
	if err := write(ctx, synctype.ModeIncremental, 0, recs[:100]); err != nil {
		t.Fatal(err)
	}
	hold, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback() //nolint:errcheck // released at the end
	if _, err := hold.ExecContext(ctx, `SELECT 1 FROM plutora_sync.checkpoints WHERE mode = 'incremental' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	blocked := make(chan error, 1)
	go func() { blocked <- write(ctx, synctype.ModeIncremental, 1, recs[100:200]) }()
	waitForLockWaits(t, db, 1) // the incremental page, on the held checkpoint
	sweep := make(chan error, 1)
	go func() { sweep <- write(ctx, synctype.ModeSweep, 0, recs[200:]) }()
	select {
	case err := <-sweep:
		if err != nil {
			t.Fatalf("a sweep page of the same entity, while an incremental page waits: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a sweep page of the same entity waited a minute for an incremental page held in the database")
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.changes"); n != 250 {
		t.Errorf("%d changes rows, want 250", n)
	}
}
