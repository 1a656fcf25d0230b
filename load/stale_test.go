package load_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestStalePageDoesNotTakeARowBack: a run fetches a page holding a record,
// another run fetches and writes a newer version of it, then the first run
// writes its page (a census beside a poll, on a loaded machine). The stale
// version is older than the row's: the row keeps the newer one, history
// gets nothing, and the status periods do not move. Before the upsert
// compared last-modified times, the row went back to the old version and
// history held it twice in a row around the newer one (the soak's "repeats
// the one before it"). A version with the same last-modified time as the
// row's (a child item changed) is still written.
func TestStalePageDoesNotTakeARowBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	const id = "9b3e1f10-0000-4000-8000-000000000030"
	version := func(status, modified string) json.RawMessage {
		return json.RawMessage(`{"id":"` + id + `","name":"R3","releaseStatusType":"` + status + `","lastModifiedDate":"` + modified + `"}`)
	}
	write := func(mode synctype.Mode, rec json.RawMessage) synctype.PageResult {
		t.Helper()
		res, err := w.WritePage(ctx, synctype.PageWrite{Entity: "releases", Mode: mode, Records: []json.RawMessage{rec}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	v1, v2 := version("Draft", "2025-01-01T09:00:00Z"), version("Approved", "2025-02-01T09:00:00Z")
	write(synctype.ModeIncremental, v1)
	write(synctype.ModeIncremental, v2)
	if res := write(synctype.ModeSweep, v1); res.Updated != 0 || res.Unchanged != 1 {
		t.Errorf("the stale version: %+v, want it unchanged", res)
	}
	state := func() (row string, hist, periods []string) {
		t.Helper()
		if err := db.GetContext(ctx, &row, `SELECT raw->>'releaseStatusType' FROM plutora.releases WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if err := db.SelectContext(ctx, &hist, `SELECT raw->>'releaseStatusType' FROM plutora.releases_history
			WHERE id = $1 ORDER BY valid_from, valid_to`, id); err != nil {
			t.Fatal(err)
		}
		if err := db.SelectContext(ctx, &periods, `SELECT concat_ws(' ', status, valid_to IS NULL) FROM plutora.releases_status_periods
			WHERE id = $1 ORDER BY valid_from, valid_to`, id); err != nil {
			t.Fatal(err)
		}
		return row, hist, periods
	}
	row, hist, periods := state()
	if row != "Approved" || len(hist) != 1 || hist[0] != "Draft" || len(periods) != 2 || periods[0] != "Draft f" || periods[1] != "Approved t" {
		t.Errorf("after a stale write: row %s, history %v, periods %v; want Approved, [Draft], [Draft f Approved t]", row, hist, periods)
	}

	// Same last-modified time, other content: written.
	same := json.RawMessage(`{"id":"` + id + `","name":"R3 renamed","releaseStatusType":"Approved","lastModifiedDate":"2025-02-01T09:00:00Z"}`)
	if res := write(synctype.ModeIncremental, same); res.Updated != 1 {
		t.Errorf("a version with the row's last-modified time: %+v, want it written", res)
	}
	if n := count(t, db, `SELECT count(*) FROM plutora.releases WHERE id = $1 AND name = 'R3 renamed'`, id); n != 1 {
		t.Error("the row does not hold the version with its last-modified time")
	}
}
