package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

var changes = synctype.Entity{Product: "plutora", Name: "changes", ModifiedField: "lastModifiedDate", IDField: "id"}
var hosts = synctype.Entity{Product: "plutora", Name: "hosts"}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestRunner(t *testing.T, src *fakeSource, w *fakeWriter) *Runner {
	t.Helper()
	r, err := NewRunner(RunnerOptions{Writer: w, Sources: map[synctype.Product]Source{"plutora": {API: src, URL: "http://127.0.0.1:1"}},
		Overlap: time.Minute, DeleteMaxShare: 0.5, Now: func() time.Time { return t0 }, RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh})
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
	res, err := r.Run(ctx, changes, synctype.ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != synctype.ModeSweep || res.Inserted != 7 || res.Pages != 3 || res.Outcome != synctype.OutcomeSuccess {
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
	res, err = r.Run(ctx, changes, synctype.ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	q := src.queries[len(src.queries)-1]
	if res.Mode != synctype.ModeIncremental || q.Since == nil || !q.Since.Equal(wantWM.Add(-time.Minute)) {
		t.Fatalf("incremental: mode %s since %v", res.Mode, q.Since)
	}
	if res.Updated != 1 || res.Unchanged != 1 || !res.WatermarkAfter.Equal(t0.Add(-30*time.Minute)) {
		t.Errorf("incremental result: %+v", res)
	}

	// A census marks a deleted record.
	src.del("changes", ids[0])
	res, err = r.Run(ctx, changes, synctype.ModeCensus)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != synctype.ModeCensus || res.Deleted != 1 || res.TotalFirst != 6 || res.TotalLast != 6 {
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
		res, err := r.Run(context.Background(), hosts, synctype.ModeIncremental)
		if err != nil {
			t.Fatal(err)
		}
		if res.Mode != synctype.ModeSweep || src.queries[len(src.queries)-1].Since != nil {
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
	src.onPage = func(p synctype.Page) {
		if p.Num == 1 {
			cancel()
		}
	}
	_, err := r.Run(ctx, changes, synctype.ModeCensus)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	cp, _, _ := w.Checkpoint(ctx, "plutora", "changes")
	if cp.RunID == 0 || cp.NextPage != 2 || cp.Mode != synctype.ModeCensus {
		t.Fatalf("checkpoint after interrupt: %+v", cp)
	}
	if len(w.runs) != 0 {
		t.Fatalf("an interrupted run was closed: %+v", w.runs)
	}
	runID := cp.RunID

	// The next census resumes the interrupted one, with the same run id at
	// page 2 (an incremental run or a sweep would resume only a run of
	// theirs: the census runs beside them).
	src.onPage = nil
	if _, err := r.Run(context.Background(), changes, synctype.ModeCensus); err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background(), changes, synctype.ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	resumed := w.runs[runID]
	if resumed == nil || !resumed.Resumed || resumed.Mode != synctype.ModeCensus || resumed.Pages != 2 || resumed.Outcome != synctype.OutcomeSuccess {
		t.Fatalf("resumed run: %+v", resumed)
	}
	if src.queries[1].StartPage != 2 {
		t.Errorf("resume started at page %d, want 2", src.queries[1].StartPage)
	}
	// A resumed census vouches for no watermark: with none yet, the
	// incremental run asked for is a sweep.
	if res.Mode != synctype.ModeSweep || res.RunID == runID || res.WatermarkAfter == nil {
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
	if _, err := r.Run(context.Background(), changes, synctype.ModeSweep); err != nil {
		t.Fatal(err)
	}
	src.onPage = func(p synctype.Page) {
		if p.Num == 0 {
			cancel()
		}
	}
	if _, err := r.Run(ctx, changes, synctype.ModeCensus); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted census: %v", err)
	}
	// Between the two parts, one record goes and one comes: totalCount and
	// the number of ids seen still agree, though a record shifted unseen.
	src.onPage = nil
	src.del("changes", ids[1])
	src.put("changes", "id-new", t0)
	cp, _, _ := w.Checkpoint(context.Background(), "plutora", "changes")
	if _, err := r.Run(context.Background(), changes, synctype.ModeCensus); err != nil {
		t.Fatal(err)
	}
	res := w.runs[cp.RunID]
	if res == nil || !res.Resumed || res.Deleted != 0 || !strings.Contains(res.DeleteNote, "resumed census") {
		t.Fatalf("resumed census: %+v", res)
	}
	// The census asked for then runs afresh, complete, and marks the one gone.
	fresh := w.runs[cp.RunID+1]
	if fresh == nil || fresh.Mode != synctype.ModeCensus || fresh.Resumed || fresh.Deleted != 1 {
		t.Fatalf("census after the resumed one: %+v", fresh)
	}
	if got := w.live("changes"); len(got) != 9 || slices.Contains(got, ids[1]) {
		t.Errorf("live rows %v: want the 9 left upstream", got)
	}
}

func TestRunFailureAndPanicAreRecorded(t *testing.T) {
	tests := []struct {
		name string
		set  func(*fakeSource)
		want string
	}{
		{"error", func(s *fakeSource) { s.failPage = 1 }, "fetch hosts page 1: server error"},
		{"panic", func(s *fakeSource) { s.panicAt = 1 }, "panic: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, w := newFakeSource(), newFakeWriter()
			seed(src, "hosts", 8)
			tt.set(src)
			m := newTestMetrics()
			r := newTestRunner(t, src, w)
			r.opts.Metrics = m.Metrics
			res, err := r.Run(context.Background(), hosts, synctype.ModeSweep)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			got := w.runs[res.RunID]
			if got == nil || got.Outcome != synctype.OutcomeFailed || !strings.Contains(got.Error, tt.want) || got.Pages != 1 {
				t.Fatalf("ledger: %+v", got)
			}
			if v := m.value(t, "plutora_sync_runs_total", "entity", "hosts", "outcome", "failed"); v != 1 {
				t.Errorf("runs_total failed = %v", v)
			}
			if v := m.value(t, "plutora_sync_consecutive_failures", "entity", "hosts"); v != 1 {
				t.Errorf("consecutive_failures = %v", v)
			}
		})
	}
}

// TestNewRunnerRejects: NewRunner takes its settings as given (sync/config
// holds their defaults and ranges): an unset or unusable one is rejected,
// naming the field.
func TestNewRunnerRejects(t *testing.T) {
	src := map[synctype.Product]Source{"plutora": {API: newFakeSource()}}
	for field, change := range map[string]func(*RunnerOptions){
		"Writer":         func(o *RunnerOptions) { o.Writer = nil },
		"Sources":        func(o *RunnerOptions) { o.Sources = nil },
		"DeleteMaxShare": func(o *RunnerOptions) { o.DeleteMaxShare = 0 },
		"Overlap":        func(o *RunnerOptions) { o.Overlap = -1 },
		"RunTimeout":     func(o *RunnerOptions) { o.RunTimeout = 0 },
	} {
		o := RunnerOptions{Writer: newFakeWriter(), Sources: src, DeleteMaxShare: 0.1, RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh}
		change(&o)
		if _, err := NewRunner(o); err == nil {
			t.Errorf("without %s: no error", field)
		} else if !strings.Contains(err.Error(), "RunnerOptions."+field) {
			t.Errorf("without %s: %v; want the field named", field, err)
		}
	}
}

// TestSweepWatermarkCappedAtStart: a census pages by offset and proves
// nothing about dates, so it leaves the watermark alone; a sweep seeks and
// yields one, but never past its start, nor does an incremental run.
func TestSweepWatermarkCappedAtStart(t *testing.T) {
	src, w := newFakeSource(), newFakeWriter()
	seed(src, "changes", 4)
	// A record modified after the run starts (by the source's clock): a
	// sweep must not vouch for changes after its start.
	src.put("changes", "late", t0.Add(time.Hour))
	r := newTestRunner(t, src, w)
	res, err := r.Run(context.Background(), changes, synctype.ModeCensus)
	if err != nil {
		t.Fatal(err)
	}
	if res.WatermarkAfter != nil || w.cps["plutora/changes"].Watermark != nil {
		t.Errorf("census watermark %v, want none", res.WatermarkAfter)
	}
	res, err = r.Run(context.Background(), changes, synctype.ModeSweep)
	if err != nil {
		t.Fatal(err)
	}
	if res.WatermarkAfter == nil || !res.WatermarkAfter.Equal(t0) {
		t.Errorf("sweep watermark %v, want the run's start %v", res.WatermarkAfter, t0)
	}
	// An incremental run is capped at its start too: a record dated in the
	// future must not push the watermark past now and blind later runs.
	res, err = r.Run(context.Background(), changes, synctype.ModeIncremental)
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
		t, c, want *time.Time
	}{
		{&b, nil, &b},
		{&b, &a, &a},
		{&a, &b, &a},
		{nil, &a, nil},
	}
	for i, tt := range tests {
		got := capped(tt.t, tt.c)
		if (got == nil) != (tt.want == nil) || (got != nil && !got.Equal(*tt.want)) {
			t.Errorf("%d: capped = %v, want %v", i, got, tt.want)
		}
	}
}

// TestCensusConfirmsDeletions: an insert and a delete while a census pages
// keep totalCount and the ids seen equal, while the delete shifts a live
// record onto a page already read. Counting alone marks that record
// deleted (ConfirmMax 0); asking the API about one record keeps it, and still
// marks the record that is really gone. (The record deleted during the
// census was seen: it stays live until the next census.)
func TestCensusConfirmsDeletions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		checker   bool // the census asks the API about each record (ConfirmMax > 0)
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
			src.broken, src.failAfter = tc.broken, tc.failAfter
			confirm := 0
			if tc.checker {
				confirm = 100
			}
			r, err := NewRunner(RunnerOptions{Writer: w, Sources: map[synctype.Product]Source{"plutora": {API: src}},
				DeleteMaxShare: 0.5, ConfirmMax: confirm, Now: func() time.Time { return t0 }, RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Run(ctx, hosts, synctype.ModeSweep); err != nil {
				t.Fatal(err)
			}
			src.del("hosts", "id-05") // really gone
			src.onPage = func(p synctype.Page) {
				if p.Num == 0 { // after page 0: one record on it goes, one comes at the end
					src.del("hosts", "id-01")
					src.put("hosts", "id-99", t0)
					src.onPage = nil
				}
			}
			res, err := r.Run(ctx, hosts, synctype.ModeCensus)
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
			if len(src.asked) != tc.askedFor {
				t.Errorf("asked the API about %v, want %d records", src.asked, tc.askedFor)
			}
		})
	}
}

// The runner writes the pages one after the other and reports each as it
// commits; the page in hand commits when the run's context ends (shutdown),
// and a page that fails stops the run with only the pages before it counted.
func TestRunWritesPagesInOrder(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, w := newFakeSource(), &failingWriter{fakeWriter: newFakeWriter(), failPage: -1, cancelAt: -1, cancel: cancel}
	seed(src, "changes", 7)
	var progress []int
	r, err := NewRunner(RunnerOptions{Writer: w, Sources: map[synctype.Product]Source{"plutora": {API: src}},
		DeleteMaxShare: 0.5, Now: func() time.Time { return t0 }, RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh,
		Progress: func(p Progress) { progress = append(progress, p.Page, p.Records) }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(ctx, changes, synctype.ModeIncremental)
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 7 || res.Pages != 3 || res.TotalLast != 7 || res.WatermarkAfter == nil || !res.WatermarkAfter.Equal(t0.Add(-time.Hour)) {
		t.Errorf("run: %+v", res)
	}
	// A sweep of changes seeks: each page reads its predecessor's last record again.
	if want := []int{0, 3, 1, 6, 2, 9}; !slices.Equal(progress, want) {
		t.Errorf("progress (page, records so far) %v, want %v", progress, want)
	}

	// A page that fails stops the run; only the pages before it count.
	w.failPage = 1
	src.put("changes", "id-09", t0)
	res, err = r.Run(ctx, changes, synctype.ModeCensus)
	if err == nil || !strings.Contains(err.Error(), "write changes page 1: disk full") || strings.Count(err.Error(), "page 1") != 1 {
		t.Fatalf("run with a failing page: %v", err)
	}
	if res.Outcome != synctype.OutcomeFailed || res.Pages != 1 || res.Unchanged != 3 || res.Deleted != 0 {
		t.Errorf("failed run: %+v", res)
	}

	// Shutdown while page 0 is being written: it commits, the run stops
	// there and is left to resume at page 1.
	w.failPage, w.cancelAt = -1, 0
	src.put("changes", "id-10", t0)
	if _, err := r.Run(ctx, changes, synctype.ModeSweep); !errors.Is(err, context.Canceled) {
		t.Fatalf("run cancelled during page 0: %v, want context.Canceled", err)
	}
	if cp := w.cps["plutora/changes"]; cp.RunID == 0 || cp.NextPage != 1 {
		t.Errorf("checkpoint after the cancelled run: %+v, want its run at next page 1", cp)
	}
}
