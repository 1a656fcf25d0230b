package sync_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestSummaryItemNotUTF8IsQuarantined (found by the soak): an item of a
// summary list that is not valid UTF-8, or holds a \u0000 that jsonb
// refuses, failed the read of its page's stored details, and so every run of
// the entity, at that page. It is written as
// the list gave it, and the writer quarantines it; the page's other records
// load.
func TestSummaryItemNotUTF8IsQuarantined(t *testing.T) {
	t.Parallel()
	clk := workertest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 8, Now: clk.Now,
		Sizes: plutoratest.Sizes{Changes: -1, Releases: -1, Environments: 20, Hosts: -1, Systems: -1, Defects: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ids := workertest.SortedIDs(sb, "environments")
	for i, bad := range []string{"\xff\xfe", `\u0000`} { // not UTF-8; a NUL, which jsonb refuses
		raw := bytes.Replace(sb.Records("environments")[ids[3+i]], []byte(`"name":"`), []byte(`"name":"`+bad), 1)
		if err := sb.SetRecord("environments", ids[3+i], raw); err != nil {
			t.Fatal(err)
		}
	}
	r, db := sandboxRunner(t, sb.Plutora, synctype.ProductPlutora, clk, sync.RunnerOptions{
		ListKinds: map[string]synctype.ListKind{"environments": synctype.ListSummary}})
	environments, _ := synctype.EntityByName("environments")
	res, err := r.Run(t.Context(), environments, synctype.ModeSweep)
	if err != nil {
		t.Fatalf("a sweep with an item that is not UTF-8: %v", err)
	}
	var live, quarantined int
	if err := db.Get(&live, `SELECT count(*) FROM plutora.environments WHERE _deleted_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&quarantined, `SELECT count(*) FROM plutora_sync.quarantine WHERE entity = 'environments' AND resolved_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if live != len(ids)-2 || quarantined != 2 || res.Quarantined != 2 {
		t.Errorf("%d rows and %d quarantined (run: %+v), want %d and 2", live, quarantined, res, len(ids)-2)
	}
}
