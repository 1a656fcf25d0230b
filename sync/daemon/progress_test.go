package daemon

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

func TestProgressTerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := newProgress(&out, true, slog.New(slog.DiscardHandler))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	changes := synctype.Entity{Product: "plutora", Name: "changes"}
	for i := range 5 {
		now = now.Add(time.Second)
		p.page(sync.Progress{Entity: changes, Mode: synctype.ModeSweep, Page: i, TotalCount: 1000, Records: (i + 1) * 100})
	}
	last := lastFrame(out.String())
	for _, want := range []string{"changes", "sweep", "[===============               ]", "    5/10    pages", "1 pages/s, ETA 4s"} {
		if !strings.Contains(last, want) {
			t.Errorf("frame lacks %q: %q", want, last)
		}
	}
	p.page(sync.Progress{Entity: synctype.Entity{Name: "hosts"}, Mode: synctype.ModeSweep, TotalCount: 50, Records: 50})
	p.finish("hosts", false)
	p.finish("changes", true)
	last = lastFrame(out.String())
	if !strings.Contains(last, "\x1b[2A") || !strings.Contains(last, "failed") || !strings.Contains(last, "done in") {
		t.Errorf("final frame: %q", last)
	}
}

// lastFrame returns the output from the last cursor-up sequence on.
func lastFrame(s string) string {
	locs := cursorUp.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return s
	}
	return s[locs[len(locs)-1][0]:]
}

var cursorUp = regexp.MustCompile(`\x1b\[\d+A`)

func TestProgressLogLines(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	p := newProgress(&bytes.Buffer{}, false, slog.New(slog.NewTextHandler(&logs, nil)))
	e := synctype.Entity{Name: "defects"}
	for i := range 8 {
		p.page(sync.Progress{Entity: e, Mode: synctype.ModeIncremental, Page: i, TotalCount: 800, Records: (i + 1) * 100})
	}
	if n := strings.Count(logs.String(), "msg=progress"); n != 3 {
		t.Errorf("%d progress lines, want 3 (25%%, 50%%, 75%%):\n%s", n, logs.String())
	}
}
