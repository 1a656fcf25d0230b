package load_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestNewlySeenCountsDistinctIDsOfARun: the runner sums NewlySeen over a run's
// pages to learn how many distinct ids it read, without keeping them in memory.
// A page read again (drift repeats records) or replayed adds nothing; a
// quarantined record with an id counts; FinishRun advances the watermark.
func TestNewlySeenCountsDistinctIDsOfARun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	recs := records(newSandbox(t, smallSizes), "changes")[:250]
	runID, err := w.StartRun(ctx, synctype.RunStart{Entity: "changes", Mode: synctype.ModeSweep})
	if err != nil {
		t.Fatal(err)
	}
	var bad map[string]any
	if err := json.Unmarshal(recs[120], &bad); err != nil {
		t.Fatal(err)
	}
	bad["lastModifiedDate"] = "not a date"
	badRaw, _ := json.Marshal(bad)
	pages := [][]json.RawMessage{
		recs[:100],
		append(append([]json.RawMessage{}, recs[100:120]...), append([]json.RawMessage{badRaw}, recs[121:200]...)...),
		recs[150:250], // drift: 50 records of the previous page again
		recs[150:250], // replayed
	}
	want := []int{100, 100, 50, 0}
	sum := 0
	for i, page := range pages {
		res, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: "changes", Mode: synctype.ModeSweep,
			PageNum: i, TotalCount: 250, Records: page})
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if res.NewlySeen != want[i] {
			t.Errorf("page %d: NewlySeen %d, want %d", i, res.NewlySeen, want[i])
		}
		sum += res.NewlySeen
	}
	if sum != 250 {
		t.Errorf("the run saw %d distinct ids, want 250", sum)
	}
	wm := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Outcome: synctype.OutcomeSuccess, WatermarkAfter: &wm}); err != nil {
		t.Fatal(err)
	}
	cp, ok, err := w.Checkpoint(ctx, "plutora", "changes")
	if err != nil || !ok || cp.Watermark == nil || !cp.Watermark.Equal(wm) {
		t.Errorf("checkpoint after FinishRun: %+v %v %v, want watermark %v", cp, ok, err, wm)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora_sync.census_seen"); n != 0 {
		t.Errorf("%d seen ids left after the run finished", n)
	}
}
