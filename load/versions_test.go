package load_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestEveryEntityWithHistoryHasVersions: each entity's history shows in
// reporting.<entity>_versions: a record written again with a new name has
// two versions there, the current one beginning where the old one ends.
func TestEveryEntityWithHistoryHasVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, plutoratest.Sizes{Changes: 5, Releases: 5, Environments: 5, Hosts: 5, Systems: 5, Defects: 5})
	renamed := map[string]string{"defects": "Name", "users": "firstName", "lookup_values": "value", // else "name"
		"bookings": "status", "tecrs": "title", "tebrs": "title"}
	for _, entity := range load.Entities() {
		recs := records(srv, entity)
		loadAll(t, w, entity, synctype.ModeSweep, recs)
		var rec map[string]any
		if err := json.Unmarshal(recs[0], &rec); err != nil {
			t.Fatal(err)
		}
		field := renamed[entity]
		if field == "" {
			field = "name"
		}
		rec[field] = "renamed for the test"
		again, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: entity, Mode: synctype.ModeSweep, Records: []json.RawMessage{again}}); err != nil {
			t.Fatal(err)
		}
		singular := strings.TrimSuffix(entity, "s")
		var versions []struct {
			Current bool       `db:"is_current"`
			From    time.Time  `db:"valid_from"`
			To      *time.Time `db:"valid_to"`
		}
		id := rec["id"]
		if entity == "defects" {
			id = rec["Id"]
		}
		if err := db.SelectContext(ctx, &versions, `SELECT is_current, valid_from, valid_to FROM reporting.`+singular+`_versions
			WHERE `+singular+`_id = $1 ORDER BY is_current`, id); err != nil {
			t.Errorf("%s: %v", entity, err)
			continue
		}
		if len(versions) != 2 || versions[0].Current || !versions[1].Current || versions[1].To != nil ||
			versions[0].To == nil || !versions[0].To.Equal(versions[1].From) {
			t.Errorf("reporting.%s_versions of %v: %+v, want an old version ending where the current one begins", singular, id, versions)
		}
	}
}
