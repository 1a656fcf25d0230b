package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestCensusBesidePolls (issue 22): a census in progress never holds the
// polls of its entity back. While a census of changes stands after its last
// page, a record is created upstream and an incremental run loads it; the
// census then marks the record deleted before it began, and not the one the
// poll loaded, which it never saw (its counts are complete, and it asks the
// API about nothing: ConfirmMax 0). Real HTTP client, sandbox and PostgreSQL.
func TestCensusBesidePolls(t *testing.T) {
	t.Parallel()
	sb, clk := oneEntitySandbox(t, "changes", 450, plutoratest.Options{Seed: 23})
	atLast, release := make(chan struct{}), make(chan struct{})
	r, db := sandboxRunner(t, sb.Plutora, synctype.ProductPlutora, clk, sync.RunnerOptions{
		Progress: func(p sync.Progress) {
			if p.Mode == synctype.ModeCensus && (p.Page+1)*extract.RecordsPerPage >= p.TotalCount {
				close(atLast) // the census's last page is committed: it stands here
				<-release
			}
		}})
	changes, _ := synctype.EntityByName("changes")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if _, err := r.Run(ctx, changes, synctype.ModeIncremental); err != nil { // the first load
		t.Fatal(err)
	}
	gone := sb.IDs("changes")[7]
	if err := sb.Delete("changes", gone); err != nil {
		t.Fatal(err)
	}

	type result struct {
		res synctype.RunResult
		err error
	}
	census := make(chan result, 1)
	go func() {
		res, err := r.Run(ctx, changes, synctype.ModeCensus)
		census <- result{res, err}
	}()
	select {
	case <-atLast:
	case <-ctx.Done():
		t.Fatal("the census did not reach its last page")
	}
	clk.Advance(time.Minute)
	created, err := sb.Insert("changes")
	if err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(ctx, 15*time.Second)
	poll, err := r.Run(pctx, changes, synctype.ModeIncremental)
	pcancel()
	if err != nil || poll.Mode != synctype.ModeIncremental || poll.Inserted != 1 {
		close(release)
		t.Fatalf("poll during the census: %v, mode %s, %d inserted; want an incremental run loading the new record at once", err, poll.Mode, poll.Inserted)
	}
	close(release)
	got := <-census
	if got.err != nil || got.res.Deleted != 1 {
		t.Fatalf("census: %v, %d marked deleted (%s); want the one deleted before it", got.err, got.res.Deleted, got.res.DeleteNote)
	}
	var deleted []string
	if err := db.Select(&deleted, `SELECT id::text FROM plutora.changes WHERE _deleted_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || deleted[0] != gone {
		t.Errorf("rows marked deleted %v, want only %s (not %s, which the poll loaded)", deleted, gone, created)
	}
	diffs, _, err := workertest.CompareTables(ctx, db, sb, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		if d.Entity == "changes" && !d.OK() {
			t.Error(d)
		}
	}
}
