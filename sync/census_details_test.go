package sync_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestCensusOfSummaryListFetchesOnlyChanged (issue 29 point 3): a census of
// a summary list reads its pages and fetches the detail of a new item or of
// one whose summary changed, as a sweep does, never of an unchanged one: a
// census of 6,000 environments used to cost 6,000 detail requests. The
// sandbox's own log counts the requests by id: the changed item's detail,
// the probe of a record the census saw, and the confirmation of the one
// deleted; the warehouse then equals the sandbox.
func TestCensusOfSummaryListFetchesOnlyChanged(t *testing.T) {
	t.Parallel()
	sb, clk := oneEntitySandbox(t, "environments", 140, plutoratest.Options{Seed: 29, Lists: plutoratest.ListsReal})
	r, db := sandboxRunner(t, sb.Plutora, synctype.ProductPlutora, clk, sync.RunnerOptions{ConfirmMax: 10})
	environments, _ := synctype.EntityByName("environments")
	if res, err := r.Run(t.Context(), environments, synctype.ModeSweep); err != nil || res.Details < 140 {
		t.Fatalf("first sweep: %d details, %v; want every environment's", res.Details, err)
	}
	ids := sb.IDs("environments")
	renamed, gone := ids[7], ids[120]
	setEnvironmentName(t, sb, renamed, "Renamed by the census test")
	if err := sb.Delete("environments", gone); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)

	before := len(sb.Plutora.RequestLog())
	res, err := r.Run(t.Context(), environments, synctype.ModeCensus)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for _, q := range sb.Plutora.RequestLog()[before:] {
		if id, ok := strings.CutPrefix(q.Path, "/environments/"); ok && q.Method == "GET" {
			byID[id]++
		}
	}
	asked := 0
	for _, n := range byID {
		asked += n
	}
	// The renamed item's detail; one probe of a record the census saw
	// (found, so that a 404 means gone); the deleted one's confirmation.
	if res.Details != 1 || byID[renamed] != 1 || byID[gone] != 1 || asked != 3 {
		t.Errorf("census: %d details counted, %d requests by id in the sandbox's log (renamed %d, deleted %d); want 1 detail (the renamed item) and 3 requests by id",
			res.Details, asked, byID[renamed], byID[gone])
	}
	if res.Deleted != 1 {
		t.Errorf("census marked %d deleted, want 1 (%s)", res.Deleted, res.DeleteNote)
	}
	var name string
	if err := db.Get(&name, `SELECT name FROM plutora.environments WHERE id = $1`, renamed); err != nil || name != "Renamed by the census test" {
		t.Errorf("renamed environment: %q, %v", name, err)
	}
	diffs, _, err := workertest.CompareTables(t.Context(), db, sb, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		if d.Entity == "environments" && !d.OK() {
			t.Error(d)
		}
	}
}

// setEnvironmentName stores environment id with another name, which its
// list item (a summary) shows.
func setEnvironmentName(t *testing.T, sb *plutoratest.Server, id, name string) {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal(sb.Records("environments")[id], &rec); err != nil {
		t.Fatal(err)
	}
	rec["name"] = name
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.SetRecord("environments", id, raw); err != nil {
		t.Fatal(err)
	}
}
