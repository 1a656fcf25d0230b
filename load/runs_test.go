package load_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestCrashBetweenPagesLeavesCheckpointAndRowsInAgreement kills the writer's
// session in the middle of page 2's transaction (a trigger terminates its own
// backend), then resumes from the checkpoint.
func TestCrashBetweenPagesLeavesCheckpointAndRowsInAgreement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	recs := records(srv, "changes")
	pages := paged(recs, 100)
	if len(pages) < 3 {
		t.Fatalf("need 3 pages, have %d", len(pages))
	}
	victim := string(pages[2][10])
	var victimID string
	if err := db.GetContext(ctx, &victimID, "SELECT $1::jsonb->>'id'", victim); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `
		CREATE FUNCTION public.die() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;
		CREATE TRIGGER die BEFORE INSERT ON plutora.changes FOR EACH ROW
		WHEN (NEW.id = '`+victimID+`') EXECUTE FUNCTION public.die();`); err != nil {
		t.Fatal(err)
	}
	wm := func(i int) *time.Time { x := time.Date(2025, 1, 1+i, 0, 0, 0, 0, time.UTC); return &x }
	runID, err := w.StartRun(ctx, synctype.RunStart{Entity: "changes", Mode: synctype.ModeIncremental, Since: wm(0)})
	if err != nil {
		t.Fatal(err)
	}
	var crashed error
	for i, page := range pages {
		_, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: "changes", Mode: synctype.ModeIncremental,
			PageNum: i, TotalCount: len(recs), Records: page, Watermark: wm(i + 1)})
		if err != nil {
			crashed = err
			break
		}
	}
	if crashed == nil || !strings.Contains(crashed.Error(), "changes page 2") {
		t.Fatalf("the page with the victim did not fail as it should: %v", crashed)
	}
	cp, ok, err := w.Checkpoint(ctx, "plutora", "changes")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if cp.RunID != runID || cp.NextPage != 2 || !cp.Watermark.Equal(*wm(2)) || cp.Since == nil || !cp.Since.Equal(*wm(0)) {
		t.Fatalf("checkpoint after the crash: %+v", cp)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.changes"); n != 200 {
		t.Errorf("%d rows after 2 committed pages", n)
	}
	if n := count(t, db, "SELECT pages FROM plutora_sync.run_entities WHERE run_id = $1", runID); n != 2 {
		t.Errorf("ledger: %d pages", n)
	}
	// Resume where the checkpoint says, without the trigger.
	if _, err := db.ExecContext(ctx, `DROP TRIGGER die ON plutora.changes`); err != nil {
		t.Fatal(err)
	}
	for i := cp.NextPage; i < len(pages); i++ {
		if _, err := w.WritePage(ctx, synctype.PageWrite{RunID: cp.RunID, Entity: "changes", Mode: synctype.ModeIncremental,
			PageNum: i, TotalCount: len(recs), Records: pages[i], Watermark: wm(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Outcome: synctype.OutcomeSuccess, Resumed: true, TotalFirst: len(recs), TotalLast: len(recs)}); err != nil {
		t.Fatal(err)
	}
	var led struct {
		Pages     int `db:"pages"`
		Inserted  int `db:"inserted"`
		Unchanged int `db:"unchanged"`
	}
	if err := db.GetContext(ctx, &led, "SELECT pages, inserted, unchanged FROM plutora_sync.run_entities WHERE run_id = $1", runID); err != nil {
		t.Fatal(err)
	}
	if led.Pages != len(pages) || led.Inserted != len(recs) || led.Unchanged != 0 {
		t.Errorf("ledger after resume: %+v", led)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.changes"); n != len(recs) {
		t.Errorf("%d rows for %d records", n, len(recs))
	}
	cp, _, _ = w.Checkpoint(ctx, "plutora", "changes")
	if cp.RunID != 0 || cp.NextPage != 0 || !cp.Watermark.Equal(*wm(len(pages))) {
		t.Errorf("checkpoint after finish: %+v", cp)
	}
}

func TestRunLedgerAndCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	if _, ok, err := w.Checkpoint(ctx, "plutora", "releases"); ok || err != nil {
		t.Fatalf("a checkpoint before any run: %v %v", ok, err)
	}
	first, err := w.StartRun(ctx, synctype.RunStart{Entity: "releases", Mode: synctype.ModeIncremental, SourceURL: "http://127.0.0.1:1", Note: "plan ok"})
	if err != nil {
		t.Fatal(err)
	}
	late := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	early := late.Add(-time.Hour)
	for i, wm := range []time.Time{late, early} { // the watermark never moves back
		if _, err := w.WritePage(ctx, synctype.PageWrite{RunID: first, Entity: "releases", Mode: synctype.ModeIncremental, PageNum: i, TotalCount: 3, Watermark: &wm}); err != nil {
			t.Fatal(err)
		}
	}
	cp, ok, err := w.Checkpoint(ctx, "plutora", "releases")
	if err != nil || !ok || cp.RunID != first || cp.NextPage != 2 || cp.TotalCount != 3 || !cp.Watermark.Equal(late) || cp.Mode != synctype.ModeIncremental {
		t.Fatalf("checkpoint %+v %v %v", cp, ok, err)
	}
	// A new run while the first is still marked running: the first was abandoned.
	second, err := w.StartRun(ctx, synctype.RunStart{Entity: "releases", Mode: synctype.ModeIncremental})
	if err != nil {
		t.Fatal(err)
	}
	var status string
	if err := db.GetContext(ctx, &status, "SELECT status FROM plutora_sync.runs WHERE id = $1", first); err != nil || status != "abandoned" {
		t.Errorf("first run: %q %v", status, err)
	}
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: second, Outcome: synctype.OutcomeFailed, Error: "fetch releases page 0: boom",
		Requests: 9, Throttled: 2, Retries: 3, TokenRenewals: 1, BudgetUsed: 120, BudgetLimit: 24700}); err != nil {
		t.Fatal(err)
	}
	var led struct {
		Status   string     `db:"status"`
		Error    string     `db:"error"`
		Requests int        `db:"requests"`
		Thr      int        `db:"throttled"`
		Used     int        `db:"budget_used"`
		WMBefore *time.Time `db:"watermark_before"`
	}
	if err := db.GetContext(ctx, &led, `SELECT r.status, r.error, e.requests, e.throttled, e.budget_used, e.watermark_before
		FROM plutora_sync.runs r JOIN plutora_sync.run_entities e ON e.run_id = r.id WHERE r.id = $1`, second); err != nil {
		t.Fatal(err)
	}
	if led.Status != "failed" || led.Error != "fetch releases page 0: boom" || led.Requests != 9 || led.Thr != 2 || led.Used != 120 ||
		led.WMBefore == nil || !led.WMBefore.Equal(late) {
		t.Errorf("ledger %+v", led)
	}
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: second, Outcome: "done"}); err == nil {
		t.Error("FinishRun accepted status done")
	}
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: 999999, Outcome: synctype.OutcomeSuccess}); err == nil || !strings.Contains(err.Error(), "no run 999999") {
		t.Errorf("FinishRun of an unknown run: %v", err)
	}
	if _, err := w.StartRun(ctx, synctype.RunStart{Entity: "releases", Mode: "often"}); err == nil {
		t.Error("StartRun accepted mode often")
	}
	var src string
	if err := db.GetContext(ctx, &src, "SELECT source_url FROM plutora_sync.runs WHERE id = $1", first); err != nil || src != "http://127.0.0.1:1" {
		t.Errorf("source_url %q %v", src, err)
	}
}

func TestCensusMarksDeletedOnlyWhenComplete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	census := func() (int64, int) {
		t.Helper()
		recs := records(srv, "hosts")
		runID, _ := loadAll(t, w, "hosts", synctype.ModeCensus, recs)
		return runID, len(recs)
	}
	runID, n := census()
	if d, reason, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "hosts", TotalFirst: n, TotalLast: n, MaxShare: 0.1}, nil, ""); err != nil || d != 0 || reason != "" {
		t.Fatalf("first census: %d %q %v", d, reason, err)
	}
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Outcome: synctype.OutcomeSuccess}); err != nil {
		t.Fatal(err)
	}
	if c := count(t, db, "SELECT count(*) FROM plutora_sync.census_seen"); c != 0 {
		t.Errorf("%d census ids left after FinishRun", c)
	}
	ids := srv.IDs("hosts")
	gone := ids[3]
	if err := srv.Delete("hosts", gone); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		first, last int
		share       float64
		deleted     int
		reason      string
	}{
		{"totalCount moved", n, n - 1, 0.5, 0, "incomplete census: totalCount moved from 50 to 49 while paging"},
		{"ids missing", n, n, 0.5, 0, "incomplete census: 49 distinct ids seen, totalCount says 50"},
		{"over the cap", n - 1, n - 1, 0.01, 0, "would mark 1 of 50 rows deleted (2.0%), over the 1.0% cap"},
		{"complete", n - 1, n - 1, 0.05, 1, ""},
	}
	runID, _ = census()
	for _, tc := range tests {
		d, reason, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "hosts", TotalFirst: tc.first, TotalLast: tc.last, MaxShare: tc.share}, nil, "")
		if err != nil || d != tc.deleted || reason != tc.reason {
			t.Errorf("%s: %d %q %v, want %d %q", tc.name, d, reason, err, tc.deleted, tc.reason)
		}
	}
	if c := count(t, db, "SELECT count(*) FROM plutora.hosts WHERE _deleted_at IS NOT NULL AND id = $1", gone); c != 1 {
		t.Errorf("host %s not marked deleted", gone)
	}
	if c := count(t, db, "SELECT deleted FROM plutora_sync.run_entities WHERE run_id = $1", runID); c != 1 {
		t.Errorf("ledger says %d deleted", c)
	}
	if c := count(t, db, "SELECT count(*) FROM reporting.host_stack WHERE host_id = $1", gone); c != 0 {
		t.Errorf("a deleted host is in reporting.host_stack")
	}
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Outcome: synctype.OutcomeSuccess}); err != nil {
		t.Fatal(err)
	}
	if c := count(t, db, "SELECT deleted_rows FROM reporting.freshness WHERE entity = 'hosts'"); c != 1 {
		t.Errorf("freshness: %d deleted rows", c)
	}
	// The record reappears, unchanged: it is live again, and its deleted
	// period shows in the history.
	if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "hosts", Mode: synctype.ModeSweep, Records: recordsByID(t, db, gone)}); err != nil {
		t.Fatal(err)
	}
	if c := count(t, db, "SELECT count(*) FROM plutora.hosts WHERE _deleted_at IS NULL AND id = $1", gone); c != 1 {
		t.Errorf("host %s still deleted after it reappeared", gone)
	}
	if c := count(t, db, "SELECT count(*) FROM plutora.hosts_history WHERE id = $1", gone); c != 1 {
		t.Errorf("%d history rows for the reappeared host, want 1", c)
	}
	if _, _, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "hosts", TotalFirst: 1, TotalLast: 1, MaxShare: 2}, nil, ""); err == nil {
		t.Error("MarkDeleted accepted a share of 2")
	}
	if _, _, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "nope", TotalFirst: 1, TotalLast: 1, MaxShare: 0.1}, nil, ""); err == nil {
		t.Error("MarkDeleted accepted an unknown entity")
	}
}

// TestCensusCandidatesAndConfirmedDeletions: Candidates lists the rows a
// complete census did not see, with ids it did see as probes, and
// MarkDeleted with a list marks only the listed ones (those the API
// confirmed gone), recording the note.
func TestCensusCandidatesAndConfirmedDeletions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	loadAll(t, w, "hosts", synctype.ModeSweep, records(srv, "hosts"))
	ids := srv.IDs("hosts")
	gone := []string{ids[7], ids[3]}
	for _, id := range gone {
		if err := srv.Delete("hosts", id); err != nil {
			t.Fatal(err)
		}
	}
	recs := records(srv, "hosts")
	runID, _ := loadAll(t, w, "hosts", synctype.ModeCensus, recs)
	c := synctype.Census{RunID: runID, Entity: "hosts", TotalFirst: len(recs), TotalLast: len(recs), MaxShare: 0.5}

	got, err := w.Candidates(ctx, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	first := min(gone[0], gone[1])
	if got.Total != 2 || len(got.IDs) != 1 || got.IDs[0] != first || got.Reason != "" {
		t.Errorf("Candidates(limit 1) = %+v; want total 2, ids [%s], no reason", got, first)
	}
	if len(got.SeenIDs) != 3 {
		t.Errorf("%d seen ids to probe with, want 3", len(got.SeenIDs))
	}
	for _, id := range got.SeenIDs {
		if !slices.Contains(srv.IDs("hosts"), id) {
			t.Errorf("seen id %q is not a live host", id)
		}
	}
	// An incomplete census still names its unseen rows, to be confirmed one
	// by one; trusting its counts alone marks nothing.
	incomplete := c
	incomplete.TotalLast++
	if got, err := w.Candidates(ctx, incomplete, 10); err != nil || got.Reason != "" || got.Incomplete == "" || len(got.IDs) != 2 {
		t.Errorf("Candidates of an incomplete census = %+v, %v; want why it is incomplete and the 2 ids", got, err)
	}
	if d, reason, err := w.MarkDeleted(ctx, incomplete, nil, ""); err != nil || d != 0 || !strings.HasPrefix(reason, "incomplete census") {
		t.Errorf("MarkDeleted(incomplete, by the counts) = %d %q %v; want 0 and why", d, reason, err)
	}

	// Nothing confirmed: nothing marked, the note kept.
	if d, reason, err := w.MarkDeleted(ctx, c, []string{}, "2 unseen rows still in the API"); err != nil || d != 0 || reason != "2 unseen rows still in the API" {
		t.Errorf("MarkDeleted(none confirmed) = %d %q %v", d, reason, err)
	}
	want := fmt.Sprintf("incomplete census: totalCount moved from %d to %d while paging: marked only the rows the API confirmed gone; "+
		"1 unseen row still in the API", incomplete.TotalFirst, incomplete.TotalLast)
	if d, reason, err := w.MarkDeleted(ctx, incomplete, []string{first}, "1 unseen row still in the API"); err != nil || d != 1 ||
		reason != want {
		t.Errorf("MarkDeleted(incomplete, one confirmed) = %d %q %v; want 1 and why no more", d, reason, err)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.hosts WHERE _deleted_at IS NOT NULL"); n != 1 {
		t.Errorf("%d hosts marked deleted, want 1", n)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.hosts WHERE _deleted_at IS NOT NULL AND id = $1", first); n != 1 {
		t.Errorf("host %s (confirmed) not marked", first)
	}
	var note string
	if err := db.GetContext(ctx, &note, "SELECT deletion_note FROM plutora_sync.run_entities WHERE run_id = $1", runID); err != nil || note != want {
		t.Errorf("deletion_note %q %v, want %q", note, err, want)
	}
}

// TestWarningRunCompletes: a run that ends with a warning (every record it
// read quarantined) is in the ledger as such, and it completed: its
// checkpoint starts the next run at page 0, and reporting.freshness counts
// it as the last success while its last_run_status says warning.
func TestWarningRunCompletes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	runID, err := w.StartRun(ctx, synctype.RunStart{Entity: "systems", Mode: synctype.ModeSweep})
	if err != nil {
		t.Fatal(err)
	}
	bad := json.RawMessage(`{"id":"7a1c1f9e-0000-4000-8000-000000000005","name":"s","organizationId":"nope"}`)
	if _, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: "systems", Mode: synctype.ModeSweep, Records: []json.RawMessage{bad}, TotalCount: 1}); err != nil {
		t.Fatal(err)
	}
	const note = "every record the run read (1) was quarantined"
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Entity: "systems", Mode: synctype.ModeSweep, Outcome: synctype.OutcomeWarning, Error: note}); err != nil {
		t.Fatal(err)
	}
	var f struct {
		Status      string     `db:"last_run_status"`
		Error       string     `db:"last_run_error"`
		LastSuccess *time.Time `db:"last_success_at"`
		Quarantined int        `db:"quarantined"`
	}
	if err := db.GetContext(ctx, &f, `SELECT last_run_status, last_run_error, last_success_at, quarantined
		FROM reporting.freshness WHERE entity = 'systems'`); err != nil {
		t.Fatal(err)
	}
	if f.Status != "warning" || f.Error != note || f.LastSuccess == nil || f.Quarantined != 1 {
		t.Errorf("freshness of systems %+v, want the last run a warning with its note, a last success and 1 quarantined", f)
	}
	cp, ok, err := w.CheckpointMode(ctx, "plutora", "systems", synctype.ModeSweep)
	if err != nil || !ok || cp.RunID != 0 || cp.NextPage != 0 || cp.Failures != 0 {
		t.Errorf("checkpoint after a warning run %+v %v %v, want released at page 0", cp, ok, err)
	}
}
