package soak

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestHostileFutureDateKeepsIncrementalFresh: one record dated in the far
// future (a typo upstream, valid ISO, so it loads) must not move the
// incremental watermark past now. Otherwise every later incremental run asks
// for records modified after that date, and misses every update until the
// next census.
func TestHostileFutureDateKeepsIncrementalFresh(t *testing.T) {
	bin := workertest.Binary(t)
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 9,
		Sizes: plutoratest.Sizes{Changes: 250, Releases: -1, Environments: -1, Hosts: -1, Systems: -1, Defects: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := loadtest.NewEmptyDB(t)
	ids := sb.IDs("changes")
	var rec map[string]any
	if err := json.Unmarshal(sb.Records("changes")[ids[0]], &rec); err != nil {
		t.Fatal(err)
	}
	future := "7a1c1f9e-0000-4000-8000-00000000f00d"
	rec["id"], rec["lastModifiedDate"] = future, "9999-12-31T00:00:00"
	raw, _ := json.Marshal(rec)
	vars := workertest.ProductEnv(sb.Plutora)
	vars["DATABASE_URL"] = dsn
	env := workertest.Environ(vars, "LOG_FORMAT=json")
	syncChanges := func() {
		t.Helper()
		cmd := exec.Command(bin, "sync", "changes")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sync changes: %v\n%s", err, out)
		}
	}
	syncChanges() // the first run sweeps
	// The future-dated record appears upstream; an incremental run loads it.
	if err := sb.SetRecord("changes", future, raw); err != nil {
		t.Fatal(err)
	}
	syncChanges()
	updated := ids[len(ids)/2]
	if err := sb.Update("changes", updated); err != nil {
		t.Fatal(err)
	}
	syncChanges() // incremental
	var got []byte
	if err := db.QueryRow(`SELECT raw::text FROM plutora.changes WHERE id = $1`, updated).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !workertest.SameJSON(t, got, sb.Records("changes")[updated]) {
		var wm string
		_ = db.QueryRow(`SELECT coalesce(watermark::text, 'none') FROM plutora_sync.checkpoints WHERE entity = 'changes' AND mode = 'incremental'`).Scan(&wm)
		t.Errorf("the incremental run after a record dated 9999-12-31 missed an update (watermark %s): the watermark must not pass now", wm)
	}
	if !bytes.Contains(raw, []byte("9999")) {
		t.Fatal("the future record lost its date")
	}
}
