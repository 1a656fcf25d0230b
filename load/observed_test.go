package load_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// historyRow is a row of a reporting.*_status_history view.
type historyRow struct {
	Status   *string    `db:"status"`
	Observed bool       `db:"observed"`
	From     time.Time  `db:"valid_from"`
	To       *time.Time `db:"valid_to"`
}

// TestStatusHistorySaysWhatWasObserved: a change raised on 1 January and
// first read as last modified on 10 January was seen Draft only from 10
// January; before, its status is unknown: a period of its own, status NULL
// and observed false, which the daily view counts apart. A change read as
// last modified when raised has no such period; neither has a defect's or
// a change's later status, taken from the oldest version read.
func TestStatusHistorySaysWhatWasObserved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	const late, early = "0b5e7ed0-0000-4000-8000-000000000001", "0b5e7ed0-0000-4000-8000-000000000002"
	change := func(id string, number int, status, raised, modified string) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"id":%q,"changeId":%d,"name":"C","changeStatus":%q,"raisedDate":%q,"lastModifiedDate":%q}`,
			id, number, status, raised, modified))
	}
	write := func(entity string, recs ...json.RawMessage) {
		t.Helper()
		if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: entity, Mode: synctype.ModeIncremental, Records: recs, TotalCount: len(recs)}); err != nil {
			t.Fatal(err)
		}
	}
	write("changes", change(late, 1, "Draft", "2025-01-01T08:00:00Z", "2025-01-10T09:00:00Z"),
		change(early, 2, "Draft", "2025-01-05T00:00:00Z", "2025-01-05T00:00:00Z"))
	write("changes", change(late, 1, "Approved", "2025-01-01T08:00:00Z", "2025-02-01T09:00:00Z"))

	at := func(m, d, h int) time.Time { return time.Date(2025, time.Month(m), d, h, 0, 0, 0, time.UTC) }
	var late0 []historyRow
	if err := db.SelectContext(ctx, &late0, `SELECT status, observed, valid_from, valid_to FROM reporting.change_status_history
		WHERE change_id = $1 ORDER BY valid_from`, late); err != nil {
		t.Fatal(err)
	}
	checkHistory(t, "the change read late", late0, []wantPeriod{
		{"", false, at(1, 1, 8), at(1, 10, 9)}, {"Draft", true, at(1, 10, 9), at(2, 1, 9)}, {"Approved", true, at(2, 1, 9), time.Time{}}})
	var early0 []historyRow
	if err := db.SelectContext(ctx, &early0, `SELECT status, observed, valid_from, valid_to FROM reporting.change_status_history
		WHERE change_id = $1 ORDER BY valid_from`, early); err != nil {
		t.Fatal(err)
	}
	checkHistory(t, "the change read as raised", early0, []wantPeriod{{"Draft", true, at(1, 5, 0), time.Time{}}})

	var unobservedHours float64
	if err := db.GetContext(ctx, &unobservedHours, `SELECT time_in_status_hours FROM reporting.change_time_in_status
		WHERE change_id = $1 AND NOT observed AND status IS NULL`, late); err != nil || unobservedHours != 9*24+1 {
		t.Errorf("time not observed: %v hours (%v), want %d", unobservedHours, err, 9*24+1)
	}
	// At the end of 5 January: the late change unknown, the early one Draft;
	// at the end of 10 January: both Draft, nothing unknown.
	for day, want := range map[string]map[string]int{
		"2025-01-05": {"unknown": 1, "Draft": 1}, "2025-01-10": {"unknown": 0, "Draft": 2}, "2025-02-01": {"Draft": 1, "Approved": 1},
	} {
		got := dailyCounts(t, db, "change_status_daily", "changes", day)
		for status, n := range want {
			if got[status] != n {
				t.Errorf("change_status_daily on %s: %v, want %s %d", day, got, status, n)
			}
		}
	}

	// Defects: created before the version read, the same.
	write("defects", json.RawMessage(`{"Id":"0b5e7ed0-0000-4000-8000-000000000003","DisplayId":"P-D-1","Name":"D",
		"Status":{"Id":"0b5e7ed0-0000-4000-8000-0000000000aa","Value":"Open"},"CreatedDate":"2025-01-01T00:00:00Z","LastModifiedDate":"2025-01-03T00:00:00Z"}`))
	if n := count(t, db, `SELECT count(*) FROM reporting.defect_status_history WHERE NOT observed AND status IS NULL
		AND valid_from = '2025-01-01T00:00:00Z' AND valid_to = '2025-01-03T00:00:00Z'`); n != 1 {
		t.Errorf("defect_status_history: %d periods not observed from creation to the version read, want 1", n)
	}
}

type wantPeriod struct {
	status   string // "" for NULL
	observed bool
	from, to time.Time // zero to: open
}

func checkHistory(t *testing.T, what string, got []historyRow, want []wantPeriod) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d periods %+v, want %d", what, len(got), got, len(want))
	}
	for i, wp := range want {
		g := got[i]
		status := ""
		if g.Status != nil {
			status = *g.Status
		}
		if status != wp.status || g.Observed != wp.observed || (g.Status == nil) != (wp.status == "") || !g.From.Equal(wp.from) ||
			(g.To == nil) != wp.to.IsZero() || (g.To != nil && !g.To.Equal(wp.to)) {
			t.Errorf("%s, period %d: %q observed %v %s..%v, want %q observed %v %s..%s",
				what, i, status, g.Observed, g.From, g.To, wp.status, wp.observed, wp.from, wp.to)
		}
	}
}
