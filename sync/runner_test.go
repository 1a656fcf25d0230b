package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var changes = Entity{Product: "plutora", Name: "changes", ModifiedField: "lastModifiedDate", IDField: "id"}
var hosts = Entity{Product: "plutora", Name: "hosts"}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestRunner(t *testing.T, src *fakeSource, w *fakeWriter) *Runner {
	t.Helper()
	r, err := NewRunner(RunnerOptions{Writer: w, Sources: map[string]Source{"plutora": {PageSource: src, URL: "http://127.0.0.1:1"}},
		Overlap: time.Minute, DeleteMaxShare: 0.5, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func seed(src *fakeSource, entity string, n int) []string {
	var ids []string
	for i := range n {
		id := fmt.Sprintf("id-%02d", i)
		src.put(entity, id, t0.Add(-time.Duration(n-i)*time.Hour))
		ids = append(ids, id)
	}
	return ids
}

func TestRunModes(t *testing.T) {
	ctx := context.Background()
	src, w := newFakeSource(), newFakeWriter()
	ids := seed(src, "changes", 7)
	r := newTestRunner(t, src, w)

	// The first run of an entity is a sweep, whatever was asked.
	res, err := r.Run(ctx, changes, ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != ModeSweep || res.Inserted != 7 || res.Pages != 3 || res.Outcome != OutcomeSuccess {
		t.Fatalf("first run: %+v", res)
	}
	wantWM := t0.Add(-time.Hour)
	if res.WatermarkAfter == nil || !res.WatermarkAfter.Equal(wantWM) {
		t.Fatalf("watermark after sweep %v, want %v", res.WatermarkAfter, wantWM)
	}
	if got := w.starts[res.RunID].SourceURL; got != "http://127.0.0.1:1" {
		t.Errorf("source URL in ledger %q", got)
	}

	// Then incremental: since = watermark − overlap; picks up an update.
	src.put("changes", ids[2], t0.Add(-30*time.Minute))
	res, err = r.Run(ctx, changes, ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	q := src.queries[len(src.queries)-1]
	if res.Mode != ModeIncremental || q.Since == nil || !q.Since.Equal(wantWM.Add(-time.Minute)) {
		t.Fatalf("incremental: mode %s since %v", res.Mode, q.Since)
	}
	if res.Updated != 1 || res.Unchanged != 1 || !res.WatermarkAfter.Equal(t0.Add(-30*time.Minute)) {
		t.Errorf("incremental result: %+v", res)
	}

	// A census marks a deleted record.
	src.del("changes", ids[0])
	res, err = r.Run(ctx, changes, ModeCensus)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != ModeCensus || res.Deleted != 1 || res.TotalFirst != 6 || res.TotalLast != 6 {
		t.Errorf("census: %+v", res)
	}
	if got := w.live("changes"); !slices.Equal(got, ids[1:]) {
		t.Errorf("live rows %v, want %v", got, ids[1:])
	}
}

func TestRunSweepOnlyEntity(t *testing.T) {
	src, w := newFakeSource(), newFakeWriter()
	seed(src, "hosts", 4)
	r := newTestRunner(t, src, w)
	for range 2 {
		res, err := r.Run(context.Background(), hosts, ModeIncremental)
		if err != nil {
			t.Fatal(err)
		}
		if res.Mode != ModeSweep || src.queries[len(src.queries)-1].Since != nil {
			t.Errorf("hosts run: mode %s", res.Mode)
		}
	}
}

func TestRunResumesAtNextPage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src, w := newFakeSource(), newFakeWriter()
	seed(src, "changes", 10)
	r := newTestRunner(t, src, w)
	// Interrupt during page 1: the page in hand still commits.
	src.onPage = func(p Page) {
		if p.Num == 1 {
			cancel()
		}
	}
	_, err := r.Run(ctx, changes, ModeCensus)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	cp, _, _ := w.Checkpoint(ctx, "plutora", "changes")
	if cp.RunID == 0 || cp.NextPage != 2 || cp.Mode != ModeCensus {
		t.Fatalf("checkpoint after interrupt: %+v", cp)
	}
	if len(w.runs) != 0 {
		t.Fatalf("an interrupted run was closed: %+v", w.runs)
	}
	runID := cp.RunID

	// The next run resumes the census with the same run id at page 2, then
	// runs what was asked.
	src.onPage = nil
	res, err := r.Run(context.Background(), changes, ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	resumed := w.runs[runID]
	if resumed == nil || !resumed.Resumed || resumed.Mode != ModeCensus || resumed.Pages != 2 || resumed.Outcome != OutcomeSuccess {
		t.Fatalf("resumed run: %+v", resumed)
	}
	if src.queries[1].StartPage != 2 {
		t.Errorf("resume started at page %d, want 2", src.queries[1].StartPage)
	}
	// A resumed census vouches for no watermark: with none yet, the
	// incremental run asked for is a sweep.
	if res.Mode != ModeSweep || res.RunID == runID || res.WatermarkAfter == nil {
		t.Errorf("after resume: %+v", res)
	}
	if resumed.WatermarkAfter != nil {
		t.Errorf("resumed census advanced the watermark to %v", resumed.WatermarkAfter)
	}
	if len(w.live("changes")) != 10 {
		t.Errorf("rows: %d", len(w.live("changes")))
	}
}

func TestResumedCensusMarksNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src, w := newFakeSource(), newFakeWriter()
	ids := seed(src, "changes", 9)
	r := newTestRunner(t, src, w)
	if _, err := r.Run(context.Background(), changes, ModeSweep); err != nil {
		t.Fatal(err)
	}
	src.onPage = func(p Page) {
		if p.Num == 0 {
			cancel()
		}
	}
	if _, err := r.Run(ctx, changes, ModeCensus); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted census: %v", err)
	}
	// Between the two parts, one record goes and one comes: totalCount and
	// the number of ids seen still agree, though a record shifted unseen.
	src.onPage = nil
	src.del("changes", ids[1])
	src.put("changes", "id-new", t0)
	cp, _, _ := w.Checkpoint(context.Background(), "plutora", "changes")
	if _, err := r.Run(context.Background(), changes, ModeCensus); err != nil {
		t.Fatal(err)
	}
	res := w.runs[cp.RunID]
	if res == nil || !res.Resumed || res.Deleted != 0 || !strings.Contains(res.DeleteNote, "resumed census") {
		t.Fatalf("resumed census: %+v", res)
	}
	if got := len(w.live("changes")); got != 10 {
		t.Errorf("%d live rows after the resumed census, want 10 (nothing marked)", got)
	}
}

func TestRunFailureAndPanicAreRecorded(t *testing.T) {
	tests := []struct {
		name string
		set  func(*fakeSource)
		want string
	}{
		{"error", func(s *fakeSource) { s.failPage = 1 }, "fetch changes page 1: server error"},
		{"panic", func(s *fakeSource) { s.panicAt = 1 }, "panic: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, w := newFakeSource(), newFakeWriter()
			seed(src, "changes", 8)
			tt.set(src)
			m := newTestMetrics()
			r := newTestRunner(t, src, w)
			r.opts.Metrics = m.Metrics
			res, err := r.Run(context.Background(), changes, ModeIncremental)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			got := w.runs[res.RunID]
			if got == nil || got.Outcome != OutcomeFailed || !strings.Contains(got.Error, tt.want) || got.Pages != 1 {
				t.Fatalf("ledger: %+v", got)
			}
			if v := m.value(t, "plutora_sync_runs_total", "entity", "changes", "outcome", "failed"); v != 1 {
				t.Errorf("runs_total failed = %v", v)
			}
			if v := m.value(t, "plutora_sync_consecutive_failures", "entity", "changes"); v != 1 {
				t.Errorf("consecutive_failures = %v", v)
			}
		})
	}
}

func TestNewRunnerRejects(t *testing.T) {
	src := map[string]Source{"plutora": {PageSource: newFakeSource()}}
	for name, o := range map[string]RunnerOptions{
		"no writer":  {Sources: src, DeleteMaxShare: 0.1},
		"no sources": {Writer: newFakeWriter(), DeleteMaxShare: 0.1},
		"share":      {Writer: newFakeWriter(), Sources: src},
		"overlap":    {Writer: newFakeWriter(), Sources: src, DeleteMaxShare: 0.1, Overlap: -1},
	} {
		if _, err := NewRunner(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSweepWatermarkCappedAtStart(t *testing.T) {
	src, w := newFakeSource(), newFakeWriter()
	seed(src, "changes", 4)
	// A record modified after the run starts (by the source's clock): a
	// sweep must not vouch for changes after its start.
	src.put("changes", "late", t0.Add(time.Hour))
	r := newTestRunner(t, src, w)
	res, err := r.Run(context.Background(), changes, ModeCensus)
	if err != nil {
		t.Fatal(err)
	}
	if res.WatermarkAfter == nil || !res.WatermarkAfter.Equal(t0) {
		t.Errorf("census watermark %v, want the run's start %v", res.WatermarkAfter, t0)
	}
	// An incremental run is capped at its start too: a record dated in the
	// future must not push the watermark past now and blind later runs.
	res, err = r.Run(context.Background(), changes, ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	if res.WatermarkAfter == nil || !res.WatermarkAfter.Equal(t0) {
		t.Errorf("incremental watermark %v, want the run's start %v", res.WatermarkAfter, t0)
	}
}

func TestCapped(t *testing.T) {
	a, b := t0, t0.Add(time.Hour)
	tests := []struct {
		t    *time.Time
		c    *wmBound
		want *time.Time
	}{
		{&b, nil, &b},
		{&b, capAt(&a), &a},
		{&a, capAt(&b), &a},
		{&a, capAt(nil), nil},
		{nil, capAt(&a), nil},
	}
	for i, tt := range tests {
		got := capped(tt.t, tt.c)
		if (got == nil) != (tt.want == nil) || (got != nil && !got.Equal(*tt.want)) {
			t.Errorf("%d: capped = %v, want %v", i, got, tt.want)
		}
	}
}

// TestIncrementalSkipKeepsWatermark: a record read early in an incremental
// run is modified meanwhile, moves to the end, and shifts another past the
// pager unseen: the run must not advance the watermark, so that the next run
// reads the skipped record.
func TestIncrementalSkipKeepsWatermark(t *testing.T) {
	ctx := context.Background()
	src, w := newFakeSource(), newFakeWriter()
	ids := seed(src, "changes", 9)
	r := newTestRunner(t, src, w)
	if _, err := r.Run(ctx, changes, ModeSweep); err != nil {
		t.Fatal(err)
	}
	before := *w.cps["plutora/changes"].Watermark
	// Touch every record so that the incremental run pages through all 9.
	for i, id := range ids {
		src.put("changes", id, t0.Add(time.Duration(i+1)*time.Minute))
	}
	src.onPage = func(p Page) {
		if p.Num == 0 {
			// After page 0 (ids 0-2) is read, id 1 is modified again.
			src.put("changes", ids[1], t0.Add(time.Hour))
		}
	}
	res, err := r.Run(ctx, changes, ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	src.onPage = nil
	if res.Mode != ModeIncremental {
		t.Fatalf("mode %s", res.Mode)
	}
	if wm := w.cps["plutora/changes"].Watermark; wm == nil || !wm.Equal(before) {
		t.Errorf("watermark moved to %v after a run that skipped a record; want it kept at %v", wm, before)
	}
	// The next run reads from the old watermark and catches up.
	if _, err := r.Run(ctx, changes, ModeIncremental); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var want string
		src.mu.Lock()
		mod := src.recs["changes"][id]
		src.mu.Unlock()
		want = mod.Format("2006-01-02T15:04:05.999")
		if got := w.rows["changes"][id]; !strings.Contains(got, want) {
			t.Errorf("%s: row %s, want modified %s", id, got, want)
		}
	}
	// Every record is dated after the run's start (now = t0): the watermark
	// stops at the start.
	if wm := w.cps["plutora/changes"].Watermark; wm == nil || !wm.Equal(t0) {
		t.Errorf("watermark after the catch-up run %v, want %v", wm, t0)
	}
}

// TestCensusConfirmsDeletions: an insert and a delete while a census pages
// keep totalCount and the ids seen equal, while the delete shifts a live
// record onto a page already read. Counting alone marks that record
// deleted; a source that can ask about one record keeps it, and still
// marks the record that is really gone. (The record deleted during the
// census was seen: it stays live until the next census.)
func TestCensusConfirmsDeletions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		checker   bool // the source can ask about one record
		broken    bool // … but its detail endpoint finds nothing
		failAfter int  // … or fails from this question on
		live      []string
		deleted   int
		note      string
		askedFor  int
	}{
		{"counting only", false, false, 0, []string{"id-00", "id-01", "id-02", "id-04", "id-06", "id-07", "id-08", "id-99"}, 2, "", 0},
		{"confirmed one by one", true, false, 0, []string{"id-00", "id-01", "id-02", "id-03", "id-04", "id-06", "id-07", "id-08", "id-99"}, 1,
			"1 of the 2 unseen rows asked about are still in the API", 3},
		{"detail endpoint finds nothing", true, true, 0, []string{"id-00", "id-01", "id-02", "id-04", "id-06", "id-07", "id-08", "id-99"}, 2,
			"deletions not confirmed one by one: asked about records the census saw, and the API answered id-00: not found; id-01: not found; id-02: not found", 3},
		{"API fails while asking", true, false, 3, []string{"id-00", "id-01", "id-02", "id-03", "id-04", "id-05", "id-06", "id-07", "id-08", "id-99"}, 0,
			"stopped asking after 1 of 2 unseen rows: HTTP 503", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			src, w := newFakeSource(), newFakeWriter()
			seed(src, "hosts", 9)
			checking := &checkingSource{fakeSource: src, broken: tc.broken, failAfter: tc.failAfter}
			var ps PageSource = src
			if tc.checker {
				ps = checking
			}
			r, err := NewRunner(RunnerOptions{Writer: w, Sources: map[string]Source{"plutora": {PageSource: ps}},
				DeleteMaxShare: 0.5, ConfirmMax: 100, Now: func() time.Time { return t0 }})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Run(ctx, hosts, ModeSweep); err != nil {
				t.Fatal(err)
			}
			src.del("hosts", "id-05") // really gone
			src.onPage = func(p Page) {
				if p.Num == 0 { // after page 0: one record on it goes, one comes at the end
					src.del("hosts", "id-01")
					src.put("hosts", "id-99", t0)
					src.onPage = nil
				}
			}
			res, err := r.Run(ctx, hosts, ModeCensus)
			if err != nil {
				t.Fatal(err)
			}
			if res.TotalFirst != res.TotalLast {
				t.Fatalf("totalCount moved (%d → %d): the scenario needs it steady", res.TotalFirst, res.TotalLast)
			}
			if got := w.live("hosts"); !slices.Equal(got, tc.live) || res.Deleted != tc.deleted {
				t.Errorf("live %v, %d deleted; want %v, %d", got, res.Deleted, tc.live, tc.deleted)
			}
			if !strings.Contains(res.DeleteNote, tc.note) {
				t.Errorf("note %q, want it to say %q", res.DeleteNote, tc.note)
			}
			if len(checking.asked) != tc.askedFor {
				t.Errorf("asked the API about %v, want %d records", checking.asked, tc.askedFor)
			}
		})
	}
}

// The runner writes each page before it takes the next, counts it when
// it has committed, and writes the page in hand with a context of its own
// when the run's is cancelled.
func TestRunWritesOnePageAtATime(t *testing.T) {
	ctx := context.Background()
	src, w := newFakeSource(), &failingWriter{fakeWriter: newFakeWriter(), failPage: -1}
	seed(src, "changes", 7)
	var progress []int
	r, err := NewRunner(RunnerOptions{Writer: w, Sources: map[string]Source{"plutora": {PageSource: src}},
		DeleteMaxShare: 0.5, Now: func() time.Time { return t0 },
		Progress: func(p Progress) { progress = append(progress, p.Page, p.Records) }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(ctx, changes, ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 7 || res.Pages != 3 || res.TotalLast != 7 || res.WatermarkAfter == nil || !res.WatermarkAfter.Equal(t0.Add(-time.Hour)) {
		t.Errorf("run: %+v", res)
	}
	if want := []int{0, 3, 1, 6, 2, 7}; !slices.Equal(progress, want) {
		t.Errorf("progress (page, records so far) %v, want %v", progress, want)
	}

	// Cancelled while page 1 is fetched: page 1 is written with a live context.
	cctx, cancel := context.WithCancel(ctx)
	src.onPage = func(p Page) {
		if p.Num == 1 {
			cancel()
		}
	}
	w.ctxErrs = nil
	if _, err := r.Run(cctx, changes, ModeSweep); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if len(w.ctxErrs) != 2 || w.ctxErrs[1] != nil {
		t.Errorf("contexts of the pages written: %v, want two live ones", w.ctxErrs)
	}
	src.onPage = nil
	if _, err := r.Run(ctx, changes, ModeSweep); err != nil { // finishes the resumed sweep
		t.Fatal(err)
	}

	// A page that fails stops the run; only the pages before it count.
	w.failPage = 1
	src.put("changes", "id-09", t0)
	res, err = r.Run(ctx, changes, ModeCensus)
	if err == nil || !strings.Contains(err.Error(), "changes page 1: disk full") {
		t.Fatalf("run with a failing page: %v", err)
	}
	if res.Outcome != OutcomeFailed || res.Pages != 1 || res.Unchanged != 3 || res.Deleted != 0 {
		t.Errorf("failed run: %+v", res)
	}
}
