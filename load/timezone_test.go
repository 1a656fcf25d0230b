package load_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// dailyCounts reads a *_status_daily view on day: count per status, the
// records in no observed status under "unknown".
func dailyCounts(t *testing.T, q sqlx.QueryerContext, view, counted, day string) map[string]int {
	t.Helper()
	var rows []struct {
		Status   *string `db:"status"`
		Observed bool    `db:"observed"`
		N        int     `db:"n"`
	}
	if err := sqlx.SelectContext(context.Background(), q, &rows, `SELECT status, observed, `+counted+` AS n
		FROM reporting.`+view+` WHERE calendar_date = $1::date`, day); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		switch {
		case !r.Observed:
			out["unknown"] += r.N
		case r.Status != nil:
			out[*r.Status] += r.N
		}
	}
	return out
}

// TestDailyViewsCountDaysOfOneTimeZone: the *_status_daily views count at
// the end of the days of plutora_sync.reporting_settings.time_zone (UTC by
// default), whatever TimeZone a session sets: two BI connections, one at
// UTC+14 and one at UTC−8, get the same counts; setting the reporting zone
// to Asia/Tokyo moves a change raised at 22:00 UTC into the next day for
// both; a zone PostgreSQL does not know is refused.
func TestDailyViewsCountDaysOfOneTimeZone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	rec := func(status, modified string) json.RawMessage {
		return json.RawMessage(`{"id":"7a2e0000-0000-4000-8000-000000000001","changeId":1,"name":"C","changeStatus":"` + status +
			`","raisedDate":"2025-03-10T22:00:00Z","lastModifiedDate":"` + modified + `"}`)
	}
	for _, r := range []json.RawMessage{rec("Draft", "2025-03-10T22:00:00Z"), rec("Approved", "2025-03-11T02:00:00Z")} {
		if _, err := w.WritePage(ctx, synctype.PageWrite{Entity: "changes", Mode: synctype.ModeIncremental, Records: []json.RawMessage{r}, TotalCount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var sessions []*sqlx.Conn
	for _, zone := range []string{"Pacific/Kiritimati", "America/Los_Angeles"} {
		conn, err := db.Connx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SET TimeZone = '"+zone+"'"); err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, conn)
	}
	expect := func(zone string, want map[string]map[string]int) {
		t.Helper()
		for day, counts := range want {
			for i, s := range sessions {
				got := dailyCounts(t, s, "change_status_daily", "changes", day)
				for status, n := range counts {
					if got[status] != n {
						t.Errorf("reporting zone %s, session %d, %s: %v, want %s %d", zone, i, day, got, status, n)
					}
				}
			}
		}
	}
	expect("UTC", map[string]map[string]int{
		"2025-03-10": {"Draft": 1, "Approved": 0}, "2025-03-11": {"Draft": 0, "Approved": 1}})
	if _, err := db.ExecContext(ctx, `UPDATE plutora_sync.reporting_settings SET time_zone = 'Asia/Tokyo'`); err != nil {
		t.Fatal(err)
	}
	expect("Asia/Tokyo", map[string]map[string]int{
		"2025-03-10": {"Draft": 0, "Approved": 0}, "2025-03-11": {"Draft": 0, "Approved": 1}})
	if _, err := db.ExecContext(ctx, `UPDATE plutora_sync.reporting_settings SET time_zone = 'Mars/Olympus_Mons'`); err == nil {
		t.Error("an unknown time zone was accepted")
	}
}
