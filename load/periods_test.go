package load_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestStatusPeriodsAndTypedHistoryAtLoad writes versions of one change and
// checks what the page statement keeps: typed history rows, status periods
// (the first from the raised date, a new one per status change, none for a
// change of another field), a census that marks the change deleted closing
// its period, and its return opening one.
func TestStatusPeriodsAndTypedHistoryAtLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	const id = "5c0a7d10-0000-4000-8000-000000000001"
	const zero = "00000000-0000-0000-0000-000000000000"
	rec := func(status, name, modified string) json.RawMessage {
		return json.RawMessage(`{"id":"` + id + `","changeId":4711,"name":"` + name + `","changeStatus":"` + status +
			`","changeStatusId":"` + zero + `","raisedDate":"2025-01-01T08:00:00","expectedDeliveryDate":"2025-03-31T00:00:00","lastModifiedDate":"` + modified + `"}`)
	}
	write := func(r json.RawMessage, runID int64, mode synctype.Mode) {
		t.Helper()
		if _, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: "changes", Mode: mode, Records: []json.RawMessage{r}, TotalCount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	write(rec("Draft", "C", "2025-01-10T09:00:00"), 0, synctype.ModeIncremental)
	write(rec("Draft", "C renamed", "2025-01-20T09:00:00"), 0, synctype.ModeIncremental)
	write(rec("Approved", "C renamed", "2025-02-01T09:00:00"), 0, synctype.ModeIncremental)

	// A census that does not see the change marks it deleted (share 1: no cap).
	other := json.RawMessage(`{"id":"5c0a7d10-0000-4000-8000-000000000002","changeId":4712,"name":"other"}`)
	runID, err := w.StartRun(ctx, synctype.RunStart{Entity: "changes", Mode: synctype.ModeCensus})
	if err != nil {
		t.Fatal(err)
	}
	write(other, runID, synctype.ModeCensus)
	if n, reason, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "changes", TotalFirst: 1, TotalLast: 1, MaxShare: 1}, nil, ""); err != nil || n != 1 {
		t.Fatalf("mark deleted: %d %q %v", n, reason, err)
	}
	var deletedAt time.Time
	if err := db.GetContext(ctx, &deletedAt, "SELECT _deleted_at FROM plutora.changes WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	write(rec("Approved", "C renamed", "2025-02-01T09:00:00"), 0, synctype.ModeIncremental) // it comes back

	type period struct {
		Status string     `db:"status"`
		From   time.Time  `db:"valid_from"`
		To     *time.Time `db:"valid_to"`
	}
	var got []period
	if err := db.SelectContext(ctx, &got, `SELECT status, valid_from, valid_to FROM plutora.changes_status_periods
		WHERE id = $1 ORDER BY valid_from, valid_to NULLS LAST`, id); err != nil {
		t.Fatal(err)
	}
	at := func(m, d, h int) time.Time { return time.Date(2025, time.Month(m), d, h, 0, 0, 0, time.UTC) }
	want := []struct {
		status   string
		from, to time.Time // zero to: open
	}{
		{"Draft", at(1, 1, 8), at(2, 1, 9)},
		{"Approved", at(2, 1, 9), deletedAt},
		{"Approved", at(2, 1, 9), time.Time{}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d periods, want %d: %+v", len(got), len(want), got)
	}
	for i, wp := range want {
		g := got[i]
		if g.Status != wp.status || !g.From.Equal(wp.from) || (g.To == nil) != wp.to.IsZero() || (g.To != nil && !g.To.Equal(wp.to)) {
			t.Errorf("period %d: %s %s..%v, want %s %s..%s", i, g.Status, g.From, g.To, wp.status, wp.from, wp.to)
		}
	}

	// History rows carry the typed columns of the version they hold.
	var hist []struct {
		Name     string     `db:"name"`
		Status   string     `db:"change_status"`
		StatusID *string    `db:"change_status_id"`
		Number   int64      `db:"change_number"`
		Expected *time.Time `db:"expected_delivery_date"`
	}
	if err := db.SelectContext(ctx, &hist, `SELECT name, change_status, change_status_id::text, change_number, expected_delivery_date
		FROM plutora.changes_history WHERE id = $1 ORDER BY valid_from, valid_to`, id); err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Name != "C" || hist[1].Status != "Draft" || hist[2].Status != "Approved" {
		t.Fatalf("history: %+v", hist)
	}
	for _, h := range hist {
		if h.StatusID != nil || h.Number != 4711 || h.Expected == nil || !h.Expected.Equal(at(3, 31, 0)) {
			t.Errorf("history row %+v: want no status id (all-zero GUID), number 4711, expected 2025-03-31", h)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM plutora.changes WHERE id = $1 AND change_status_id IS NULL AND raw->>'changeStatusId' = $2", id, zero); n != 1 {
		t.Error("the all-zero GUID is not NULL in the typed column, or raw lost it")
	}
	// The views read the periods: one open period, in status Approved.
	if n := count(t, db, `SELECT count(*) FROM reporting.change_status_history h JOIN reporting.changes c USING (change_id)
		WHERE c.change_number = 4711 AND h.valid_to IS NULL AND h.status = 'Approved'`); n != 1 {
		t.Errorf("reporting.change_status_history: %d open Approved periods, want 1", n)
	}
	if n := count(t, db, "SELECT changes FROM reporting.change_status_daily WHERE calendar_date = '2025-01-15' AND status = 'Draft'"); n != 1 {
		t.Errorf("reporting.change_status_daily: %d Draft changes on 2025-01-15, want 1", n)
	}
}

// TestCappedCensusIsNotSilent: a census held back by the cap leaves the
// unseen rows live, and the ledger and reporting.freshness say how many and
// why.
func TestCappedCensusIsNotSilent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	recs := records(srv, "releases")
	loadAll(t, w, "releases", synctype.ModeSweep, recs)
	kept := recs[:len(recs)/2] // half the releases are gone upstream
	runID, _ := loadAll(t, w, "releases", synctype.ModeCensus, kept)
	n, reason, err := w.MarkDeleted(ctx, synctype.Census{RunID: runID, Entity: "releases", TotalFirst: len(kept), TotalLast: len(kept), MaxShare: 0.1}, nil, "")
	if err != nil || n != 0 || reason == "" {
		t.Fatalf("capped census: %d %q %v", n, reason, err)
	}
	if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Outcome: synctype.OutcomeSuccess, TotalFirst: len(kept), TotalLast: len(kept)}); err != nil {
		t.Fatal(err)
	}
	var f struct {
		Rows    int     `db:"rows"`
		Pending int     `db:"pending_deletions"`
		Why     *string `db:"pending_deletions_reason"`
		Stale   *bool   `db:"is_stale"`
	}
	if err := db.GetContext(ctx, &f, `SELECT rows, pending_deletions, pending_deletions_reason, is_stale
		FROM reporting.freshness WHERE entity = 'releases'`); err != nil {
		t.Fatal(err)
	}
	gone := len(recs) - len(kept)
	if f.Rows != len(recs) || f.Pending != gone || f.Why == nil || *f.Why != reason || f.Stale == nil || *f.Stale {
		t.Errorf("freshness: %+v, want %d rows, %d pending deletions because %q, not stale", f, len(recs), gone, reason)
	}
}
