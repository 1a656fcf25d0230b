package load_test

import (
	"context"
	"testing"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestLastCensuses: the ledger gives when each entity of a product was last
// censused to the end (success or warning), the latest such census, and
// nothing for a census that failed or was left running, or another mode.
func TestLastCensuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	run := func(entity string, mode synctype.Mode, outcome synctype.Outcome) int64 {
		t.Helper()
		id, err := w.StartRun(ctx, synctype.RunStart{Entity: entity, Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if outcome != "" {
			if err := w.FinishRun(ctx, synctype.RunResult{RunID: id, Entity: entity, Mode: mode, Outcome: outcome}); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	run("changes", synctype.ModeCensus, synctype.OutcomeSuccess)
	latest := run("changes", synctype.ModeCensus, synctype.OutcomeWarning)
	run("changes", synctype.ModeCensus, synctype.OutcomeFailed)
	run("hosts", synctype.ModeCensus, "") // running, or its worker died
	run("releases", synctype.ModeSweep, synctype.OutcomeSuccess)
	run("defects", synctype.ModeCensus, synctype.OutcomeSuccess) // Plutora Test's

	last, err := load.LastCensuses(ctx, db.DB, string(synctype.ProductPlutora))
	if err != nil {
		t.Fatal(err)
	}
	var began []byte
	if err := db.GetContext(ctx, &began, `SELECT started_at::text FROM plutora_sync.runs WHERE id = $1`, latest); err != nil {
		t.Fatal(err)
	}
	if len(last) != 1 {
		t.Fatalf("last censuses %v, want changes only", last)
	}
	var want bool
	if err := db.GetContext(ctx, &want, `SELECT started_at = $2 FROM plutora_sync.runs WHERE id = $1`, latest, last["changes"]); err != nil || !want {
		t.Errorf("changes last censused at %v, want the warning's start %s (%v)", last["changes"], began, err)
	}
}
