package load_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestDeletionsFeed: a change a complete census no longer sees leaves
// reporting.changes and appears in reporting.deletions, with its name and
// the time it was marked; a copy that asks for the deletions since before
// the census finds it. When it comes back it leaves the feed and is in
// reporting.changes again, written after its deletion.
func TestDeletionsFeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, plutoratest.Sizes{Changes: 20})
	loadAll(t, w, "changes", synctype.ModeSweep, records(srv, "changes"))
	gone := srv.IDs("changes")[5]
	var name string
	var raw json.RawMessage
	if err := db.QueryRowContext(ctx, "SELECT name, raw FROM plutora.changes WHERE id = $1", gone).Scan(&name, &raw); err != nil {
		t.Fatal(err)
	}
	var before time.Time
	if err := db.GetContext(ctx, &before, "SELECT clock_timestamp()"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Delete("changes", gone); err != nil {
		t.Fatal(err)
	}
	runID, _ := loadAll(t, w, "changes", synctype.ModeCensus, records(srv, "changes"))
	if n, reason, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "changes", TotalFirst: 19, TotalLast: 19, MaxShare: 1}, nil, ""); err != nil || n != 1 {
		t.Fatalf("census: %d marked, %q, %v", n, reason, err)
	}
	var feed []struct {
		Entity    string    `db:"entity"`
		RecordID  string    `db:"record_id"`
		Name      string    `db:"name"`
		DeletedAt time.Time `db:"deleted_at"`
	}
	if err := db.SelectContext(ctx, &feed, `SELECT entity, record_id, name, deleted_at FROM reporting.deletions
		WHERE deleted_at > $1`, before); err != nil {
		t.Fatal(err)
	}
	if len(feed) != 1 || feed[0].Entity != "changes" || feed[0].RecordID != gone || feed[0].Name != name || !feed[0].DeletedAt.After(before) {
		t.Fatalf("reporting.deletions since the census began: %+v, want changes %s %q", feed, gone, name)
	}
	if n := count(t, db, "SELECT count(*) FROM reporting.changes WHERE change_id = $1", gone); n != 0 {
		t.Error("the deleted change is still in reporting.changes")
	}
	if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "changes", Mode: synctype.ModeSweep, Records: []json.RawMessage{raw}}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM reporting.deletions WHERE record_id = $1", gone); n != 0 {
		t.Error("a change that came back is still in reporting.deletions")
	}
	if n := count(t, db, "SELECT count(*) FROM reporting.changes WHERE change_id = $1 AND changed_in_warehouse_at > $2",
		gone, feed[0].DeletedAt); n != 1 {
		t.Error("a change that came back is not in reporting.changes as written after its deletion")
	}
}
