package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestSeekNeverSkips: a record read early in an incremental run is modified
// meanwhile. With offset paging it moved to the end and shifted another
// record past the pager unseen; a seek re-reads from the last committed
// record, so the run itself reads every version, and the watermark moves with
// every committed page.
func TestSeekNeverSkips(t *testing.T) {
	ctx := context.Background()
	src, w := newFakeSource(), newFakeWriter()
	ids := seed(src, "changes", 9)
	r := newTestRunner(t, src, w)
	if _, err := r.Run(ctx, changes, synctype.ModeSweep); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids { // every record changes: the run reads all 9
		src.put("changes", id, t0.Add(time.Duration(i-20)*time.Minute))
	}
	n := len(src.queries)
	src.onPage = func(p synctype.Page) {
		if len(src.queries) == n+2 { // after the first page of the run (ids 0-2), id 1 changes again
			src.put("changes", ids[1], t0.Add(-time.Second))
		}
	}
	res, err := r.Run(ctx, changes, synctype.ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != synctype.ModeIncremental {
		t.Fatalf("mode %s", res.Mode)
	}
	for _, id := range ids {
		src.mu.Lock()
		want := src.recs["changes"][id].Format("2006-01-02T15:04:05.999")
		src.mu.Unlock()
		if got := w.rows["changes"][id]; !strings.Contains(got, want) {
			t.Errorf("%s: row %s, want modified %s", id, got, want)
		}
	}
	// Each request after the first seeks from the previous page's last record, page 0.
	var prev *time.Time
	for i, pw := range w.writes[len(w.writes)-res.Pages:] {
		q := src.queries[len(src.queries)-res.Pages+i]
		if q.StartPage != 0 || q.MaxPages != 1 || !q.Since.Equal(*pw.Since) {
			t.Errorf("page %d: query %+v, written since %v", i, q, pw.Since)
		}
		if prev != nil && !q.Since.Equal(*prev) {
			t.Errorf("page %d: since %v, want the last record before it, %v", i, q.Since, prev)
		}
		if pw.Watermark == nil || prev != nil && !pw.Watermark.After(*prev) {
			t.Errorf("page %d: the watermark %v did not move with the page", i, pw.Watermark)
		}
		prev = pw.Watermark
	}
	if wm := w.cps["plutora/changes"].Watermark; wm == nil || !wm.Equal(t0.Add(-time.Second)) {
		t.Errorf("watermark %v, want the newest record %v", wm, t0.Add(-time.Second))
	}
	// 9 records and id 1 again, 3 a page, the boundary record read twice: 5 pages.
	if res.Pages != 5 {
		t.Errorf("pages %d, want 5", res.Pages)
	}
}

// TestSeekInsideOneTimestamp: more than a page of records with one timestamp
// is paged with pageNum inside that timestamp, then the seek goes on past it.
func TestSeekInsideOneTimestamp(t *testing.T) {
	ctx := context.Background()
	src, w := newFakeSource(), newFakeWriter()
	src.put("changes", "a", t0.Add(-time.Hour))
	r := newTestRunner(t, src, w)
	if _, err := r.Run(ctx, changes, synctype.ModeSweep); err != nil {
		t.Fatal(err)
	}
	bulk := t0.Add(-10 * time.Minute)
	for i := range 7 {
		src.put("changes", fmt.Sprintf("bulk-%d", i), bulk)
	}
	src.put("changes", "z", t0.Add(-time.Minute))
	n := len(src.queries)
	if _, err := r.Run(ctx, changes, synctype.ModeIncremental); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range src.queries[n:] {
		g := fmt.Sprintf("%s/%d", q.Since.Sub(t0), q.StartPage)
		if q.Before != nil {
			g = fmt.Sprintf("[%s,%s)/%d", q.Since.Sub(t0), q.Before.Sub(t0), q.StartPage)
		}
		got = append(got, g)
	}
	// From the watermark − overlap: a and 2 of the bulk; then a full page
	// of the bulk's timestamp: paged inside it, bounded to it, from its page 0;
	// then past it (z).
	want := "-1h1m0s/0 -10m0s/0 [-10m0s,-9m59.999s)/0 [-10m0s,-9m59.999s)/1 [-10m0s,-9m59.999s)/2 -9m59.999s/0"
	if strings.Join(got, " ") != want {
		t.Errorf("queries %s, want %s", strings.Join(got, " "), want)
	}
	if len(w.live("changes")) != 9 {
		t.Errorf("rows %v", w.live("changes"))
	}
}

// TestSeekRefusesDisorder: a page out of the ascending order asked for (an
// API that ignored the filter or the sort) fails as a bad page instead of
// seeking past records it never showed.
func TestSeekRefusesDisorder(t *testing.T) {
	ctx := context.Background()
	src, w := newFakeSource(), newFakeWriter()
	seed(src, "changes", 3)
	r := newTestRunner(t, src, w)
	if _, err := r.Run(ctx, changes, synctype.ModeSweep); err != nil {
		t.Fatal(err)
	}
	src.put("changes", "late", t0.Add(-time.Minute))
	src.onPage = func(p synctype.Page) { p.Records[0], p.Records[1] = p.Records[1], p.Records[0] }
	_, err := r.Run(ctx, changes, synctype.ModeIncremental)
	if !errors.Is(err, synctype.ErrBadPage) || !strings.Contains(err.Error(), "ascending order") {
		t.Fatalf("err %v, want a bad page naming the order", err)
	}
}

// TestSeekGroupShrinks: a record of a one-timestamp group read on an earlier
// page changes while the group is paged; the records after it shift onto the
// page already read. The group's size drops, so it is read again from its
// page 0, and nothing is skipped.
func TestSeekGroupShrinks(t *testing.T) {
	ctx := context.Background()
	src, w := newFakeSource(), newFakeWriter()
	src.put("changes", "a", t0.Add(-time.Hour))
	r := newTestRunner(t, src, w)
	if _, err := r.Run(ctx, changes, synctype.ModeSweep); err != nil {
		t.Fatal(err)
	}
	bulk := t0.Add(-10 * time.Minute)
	for i := range 8 {
		src.put("changes", fmt.Sprintf("bulk-%d", i), bulk)
	}
	src.onPage = func(p synctype.Page) {
		if q := src.queries[len(src.queries)-1]; q.Before != nil && q.StartPage == 1 && src.recs["changes"]["bulk-0"].Equal(bulk) {
			src.mu.Lock()
			src.recs["changes"]["bulk-0"] = t0.Add(-time.Minute) // moves out of the group: bulk-3 shifts onto page 0
			src.mu.Unlock()
		}
	}
	if _, err := r.Run(ctx, changes, synctype.ModeIncremental); err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if _, ok := w.rows["changes"][fmt.Sprintf("bulk-%d", i)]; !ok {
			t.Errorf("bulk-%d skipped", i)
		}
	}
	if !strings.Contains(w.rows["changes"]["bulk-0"], t0.Add(-time.Minute).Format("15:04")) {
		t.Errorf("bulk-0's new version not read: %s", w.rows["changes"]["bulk-0"])
	}
}
