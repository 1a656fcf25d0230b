package sync_test

import (
	"context"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestIncompleteCensusMarksWhatTheAPIConfirms (issue 29, point 3): a record
// deleted upstream while a census pages makes it incomplete (totalCount
// moves, records shift past it), so its counts prove nothing; but the rows
// it did not see and the API confirms gone one by one are marked at once,
// not a census later, and no live row is. Real HTTP client, sandbox and
// PostgreSQL.
func TestIncompleteCensusMarksWhatTheAPIConfirms(t *testing.T) {
	t.Parallel()
	// 9 pages: with 4 in flight, pages 5 to 8 are asked for after page 0
	// is written, so they see the deletion made then.
	sb, clk := oneEntitySandbox(t, "changes", 900, plutoratest.Options{Seed: 29})
	ids := workertest.SortedIDs(sb, "changes")
	gone, during := ids[7], ids[11]
	var once gosync.Once
	r, db := sandboxRunner(t, sb.Plutora, synctype.ProductPlutora, clk, sync.RunnerOptions{ConfirmMax: 100,
		Progress: func(p sync.Progress) {
			if p.Mode == synctype.ModeCensus && p.Page == 0 {
				once.Do(func() {
					if err := sb.Delete("changes", during); err != nil {
						t.Error(err)
					}
				})
			}
		}})
	changes, _ := synctype.EntityByName("changes")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if _, err := r.Run(ctx, changes, synctype.ModeIncremental); err != nil { // the first load
		t.Fatal(err)
	}
	if err := sb.Delete("changes", gone); err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(ctx, changes, synctype.ModeCensus)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.DeleteNote, "incomplete census") {
		t.Fatalf("census note %q: want an incomplete census (the deletion while it paged)", res.DeleteNote)
	}
	var marked []string
	if err := db.SelectContext(ctx, &marked, `SELECT id::text FROM plutora.changes WHERE _deleted_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	live := map[string]bool{}
	for _, id := range sb.IDs("changes") {
		live[id] = true
	}
	found := false
	for _, id := range marked {
		found = found || id == gone
		if live[id] {
			t.Errorf("live change %s marked deleted", id)
		}
	}
	if !found || res.Deleted != len(marked) {
		t.Errorf("marked %v (run: %d, %q); want %s, deleted before the census, among them", marked, res.Deleted, res.DeleteNote, gone)
	}
}
