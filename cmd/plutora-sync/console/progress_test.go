package console

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

var (
	changes = synctype.Entity{Product: synctype.ProductPlutora, Name: "changes"}
	defects = synctype.Entity{Product: synctype.ProductPlutoraTest, Name: "defects"}
)

// TestProgressLines: off a terminal, a log line at 25%, 50% and 75%, then
// the closing table as plain text, its columns as wide as their content
// (environment_groups, the longest name, shifts nothing).
func TestProgressLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := NewProgress(&out, false)
	p.logger = slog.New(slog.NewTextHandler(p, nil))
	groups := synctype.Entity{Product: synctype.ProductPlutora, Name: "environment_groups"}
	p.Begin([]synctype.Entity{changes, defects, groups})
	for i := range 8 {
		p.Page(sync.Progress{Entity: defects, Mode: synctype.ModeIncremental, Page: i, TotalCount: 800, Records: (i + 1) * 100})
	}
	p.Page(sync.Progress{Entity: changes, Mode: synctype.ModeSweep, TotalCount: 30, Records: 30})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.Finish(defects, synctype.RunResult{Mode: synctype.ModeIncremental, Inserted: 790, Updated: 7, Unchanged: 2, Quarantined: 1,
		Requests: 9, StartedAt: t0, FinishedAt: t0.Add(2500 * time.Millisecond)}, nil)
	p.Finish(changes, synctype.RunResult{Mode: synctype.ModeSweep, StartedAt: t0, FinishedAt: t0.Add(time.Second)}, errors.New("fetch changes page 1: boom\nmore"))
	p.Finish(groups, synctype.RunResult{Mode: synctype.ModeSweep, Inserted: 4, Requests: 2, StartedAt: t0, FinishedAt: t0.Add(400 * time.Millisecond)}, nil)
	p.End(map[synctype.Product]int64{synctype.ProductPlutora: 3, synctype.ProductPlutoraTest: 10})
	got := out.String()
	if n := strings.Count(got, "msg=progress"); n != 3 {
		t.Errorf("%d progress lines, want 3 (25%%, 50%%, 75%%):\n%s", n, got)
	}
	for _, want := range []string{
		"entity              mode         inserted  updated  unchanged  deleted  quarantined  requests  duration  result\n",
		"changes             sweep               0        0          0        0            0         0        1s  failed: fetch changes page 1: boom\n",
		"defects             incremental       790        7          2        0            1         9      2.5s  ok\n",
		"environment_groups  sweep               4        0          0        0            0         2     400ms  ok\n",
		"requests sent: plutora 3, plutoratest 10\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b") {
		t.Errorf("escape codes off a terminal: %q", got)
	}
}

// TestProgressBudgetWait: a wait for the budget shows on the lines of the
// product's running entities and is logged once; a wait too short to see is
// neither.
func TestProgressBudgetWait(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := NewProgress(&out, false)
	p.logger = slog.New(slog.NewTextHandler(p, nil))
	now := time.Date(2026, 1, 1, 14, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	p.Begin([]synctype.Entity{changes, defects})
	p.Page(sync.Progress{Entity: changes, Mode: synctype.ModeSweep, TotalCount: 1000, Records: 100})
	p.Waiting(synctype.ProductPlutora, now.Add(time.Millisecond), 38, 38)
	if strings.Contains(p.tail("changes"), "waiting") || out.Len() > 0 {
		t.Errorf("a 1ms wait shows: %q, log %q", p.tail("changes"), out.String())
	}
	for _, d := range []time.Duration{59 * time.Minute, 58 * time.Minute, 59 * time.Minute} {
		p.Waiting(synctype.ProductPlutora, now.Add(d), 38, 38)
	}
	want := "waiting for the budget (38/38 in the last hour) until 14:58:00"
	if got := p.tail("changes"); !strings.Contains(got, want) {
		t.Errorf("changes line %q lacks %q", got, want)
	}
	if got := p.tail("defects"); strings.Contains(got, "waiting") {
		t.Errorf("the other product's line says it waits: %q", got)
	}
	if n := strings.Count(out.String(), `msg="waiting for the budget"`); n != 1 ||
		!strings.Contains(out.String(), "product=plutora used=38 limit=38 next_request_at=14:59:00 wait=59m0s") {
		t.Errorf("%d wait lines, want 1:\n%s", n, out.String())
	}
	now = now.Add(time.Hour)
	if got := p.tail("changes"); strings.Contains(got, "waiting") {
		t.Errorf("still waiting after the wait: %q", got)
	}
}
