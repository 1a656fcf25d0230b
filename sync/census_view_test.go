package sync_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// TestReportingCensusSaysWhen (issue 29 point 3): every reporting view that
// leaves out deleted rows can tell its reader when their entity was last
// censused: reporting.census lists each such view (found in the catalog,
// those of later migrations too) with each entity whose _deleted_at it
// reads, and the entity's last complete census, the one reporting.freshness
// shows. A view that reads no deleted row is not listed.
func TestReportingCensusSaysWhen(t *testing.T) {
	t.Parallel()
	sb, clk := oneEntitySandbox(t, "changes", 120, plutoratest.Options{Seed: 30})
	r, db := sandboxRunner(t, sb.Plutora, synctype.ProductPlutora, clk, sync.RunnerOptions{ConfirmMax: 10})
	changes, _ := synctype.EntityByName("changes")
	type row struct {
		Entity    string       `db:"entity"`
		At        sql.NullTime `db:"last_census_at"`
		StartedAt sql.NullTime `db:"last_census_started_at"`
		Pending   int          `db:"pending_deletions"`
	}
	census := func(view string) map[string]row {
		t.Helper()
		var rows []row
		if err := db.Select(&rows, `SELECT entity, last_census_at, last_census_started_at, pending_deletions
			FROM reporting.census WHERE view_name = $1`, view); err != nil {
			t.Fatal(err)
		}
		out := map[string]row{}
		for _, r := range rows {
			out[r.Entity] = r
		}
		return out
	}
	if got := census("changes"); len(got) != 1 || got["changes"].At.Valid {
		t.Errorf("reporting.census of changes before any census: %+v, want changes, never censused", got)
	}
	if _, err := r.Run(t.Context(), changes, synctype.ModeIncremental); err != nil {
		t.Fatal(err)
	}
	if got := census("changes"); got["changes"].At.Valid {
		t.Errorf("after a poll: %+v, want no census yet", got)
	}
	clk.Advance(time.Hour)
	res, err := r.Run(t.Context(), changes, synctype.ModeCensus)
	if err != nil {
		t.Fatal(err)
	}
	var finished, freshness time.Time
	if err := db.Get(&finished, `SELECT finished_at FROM plutora_sync.runs WHERE id = $1`, res.RunID); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&freshness, `SELECT last_complete_census_at FROM reporting.freshness WHERE entity = 'changes'`); err != nil {
		t.Fatal(err)
	}
	got := census("changes")["changes"]
	if !got.At.Time.Equal(finished) || !got.At.Time.Equal(freshness) || !got.StartedAt.Time.Equal(clk.Now()) || got.Pending != 0 {
		t.Errorf("after the census: %+v, want it finished at %v (freshness: %v), begun at %v", got, finished, freshness, clk.Now())
	}
	// A view over two entities, one never censused; views of later
	// migrations; the deletions feed. Not the views without deleted rows.
	if rc := census("release_changes"); len(rc) != 2 || !rc["changes"].At.Valid || rc["releases"].At.Valid {
		t.Errorf("release_changes: %+v, want changes censused and releases not yet", rc)
	}
	for view, entity := range map[string]string{"change_status_daily": "changes", "bookings": "bookings", "tecrs": "tecrs",
		"release_phases": "releases", "deletions": "users"} {
		if _, ok := census(view)[entity]; !ok {
			t.Errorf("reporting.census has no row of %s for reporting.%s", entity, view)
		}
	}
	for _, view := range []string{"freshness", "calendar", "relationships", "census"} {
		if got := census(view); len(got) != 0 {
			t.Errorf("reporting.%s reads no deleted row, but reporting.census lists %v", view, got)
		}
	}
}
