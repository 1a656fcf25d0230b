package schema_test

import (
	"context"
	"testing"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// TestCalendar checks reporting.calendar: one row a day with no gap from
// 2000-01-01 to the end of the fifth year ahead, and ISO weeks as ISO 8601
// counts them around a new year.
func TestCalendar(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := loadtest.NewDB(t)
	var days, distinct int
	var gapless, reachesAhead bool
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT calendar_date),
			max(calendar_date) - min(calendar_date) + 1 = count(*) AND min(calendar_date) = date '2000-01-01',
			max(calendar_date) >= current_date + 5 * 365
		FROM reporting.calendar`).Scan(&days, &distinct, &gapless, &reachesAhead); err != nil {
		t.Fatal(err)
	}
	if days != distinct || !gapless || !reachesAhead {
		t.Errorf("calendar: %d days, %d distinct, gapless from 2000-01-01 %v, five years ahead %v", days, distinct, gapless, reachesAhead)
	}
	for _, c := range []struct {
		date               string
		isoYear, week, dow int
		weekStart, dayName string
		weekend            bool
	}{
		{"2021-01-01", 2020, 53, 5, "2020-12-28", "Friday", false}, // a Friday in the last week of 2020
		{"2024-12-30", 2025, 1, 1, "2024-12-30", "Monday", false},  // a Monday in the first week of 2025
		{"2026-12-06", 2026, 49, 7, "2026-11-30", "Sunday", true},
	} {
		var isoYear, week, dow int
		var weekStart, dayName string
		var weekend bool
		if err := db.QueryRowContext(ctx, `SELECT iso_year, iso_week, iso_day_of_week, week_start_date::text, day_name, is_weekend
			FROM reporting.calendar WHERE calendar_date = $1::date`, c.date).Scan(&isoYear, &week, &dow, &weekStart, &dayName, &weekend); err != nil {
			t.Fatalf("%s: %v", c.date, err)
		}
		if isoYear != c.isoYear || week != c.week || dow != c.dow || weekStart != c.weekStart || dayName != c.dayName || weekend != c.weekend {
			t.Errorf("%s: ISO %d-W%d-%d, week from %s, %s, weekend %v; want %d-W%d-%d, %s, %s, %v",
				c.date, isoYear, week, dow, weekStart, dayName, weekend, c.isoYear, c.week, c.dow, c.weekStart, c.dayName, c.weekend)
		}
	}
}
