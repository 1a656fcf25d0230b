package load_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func TestBudgetHistoryCountsPerKeyPerMinute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	h := w.BudgetHistory()
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	adds := []struct {
		key string
		at  time.Duration
		n   int
	}{
		{"plutora", 5 * time.Second, 3},
		{"plutora", 59 * time.Second, 2}, // same minute
		{"plutora", 61 * time.Second, 4},
		{"plutoratest", 10 * time.Second, 7},
		{"plutora", 3 * time.Minute, 0}, // nothing to count
		{"plutora", 59 * time.Minute, 1},
	}
	for _, a := range adds {
		if err := h.Add(ctx, a.key, t0.Add(a.at).In(time.FixedZone("x", 3600)), a.n); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		key   string
		since time.Time
		want  []synctype.MinuteCount
	}{
		{"plutora", t0, []synctype.MinuteCount{{Minute: t0, Count: 5}, {Minute: t0.Add(time.Minute), Count: 4}, {Minute: t0.Add(59 * time.Minute), Count: 1}}},
		{"plutora", t0.Add(90 * time.Second), []synctype.MinuteCount{{Minute: t0.Add(time.Minute), Count: 4}, {Minute: t0.Add(59 * time.Minute), Count: 1}}},
		{"plutoratest", t0, []synctype.MinuteCount{{Minute: t0, Count: 7}}},
		{"other", t0, nil},
	}
	for _, tc := range tests {
		got, err := h.Recent(ctx, tc.key, tc.since)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Recent(%s, %s) = %v, want %v", tc.key, tc.since.Format(time.TimeOnly), got, tc.want)
		}
	}
	// A new history (a restart) sees the same counts; old minutes are pruned.
	h2 := w.BudgetHistory()
	if err := h2.Add(ctx, "plutora", t0.Add(load.Keep+2*time.Hour), 1); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM plutora_sync.request_counts WHERE minute < $1", t0.Add(2*time.Hour)); n != 0 {
		t.Errorf("%d minutes older than %s kept", n, load.Keep)
	}
}
