package daemon

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// progress shows the pages done of each running entity: on a terminal, one
// bar per entity redrawn in place (pages of the total, rate, ETA); otherwise a
// log line each time an entity passes another 25%.
type progress struct {
	w        io.Writer
	terminal bool
	logger   *slog.Logger
	now      func() time.Time

	mu      gosync.Mutex
	bars    map[string]*bar
	order   []string
	drawn   int // lines drawn last time
	lastOut time.Time
}

type bar struct {
	name        string
	mode        synctype.Mode
	pages, of   int
	records     int
	start       time.Time
	done        bool
	failed      bool
	lastQuarter int
}

func newProgress(w io.Writer, terminal bool, logger *slog.Logger) *progress {
	return &progress{w: w, terminal: terminal, logger: logger, now: time.Now, bars: map[string]*bar{}}
}

func pagesOf(total int) int { return max(1, (total+99)/100) }

// page is the runner's Progress callback.
func (p *progress) page(ev sync.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bar(ev.Entity.Name)
	b.mode = ev.Mode
	b.pages++
	b.of = max(pagesOf(ev.TotalCount), b.pages)
	b.records = ev.Records
	if p.terminal {
		if p.now().Sub(p.lastOut) >= 100*time.Millisecond {
			p.draw()
		}
		return
	}
	if q := 4 * b.pages / b.of; q > b.lastQuarter && q < 4 {
		b.lastQuarter = q
		p.logger.Info("progress", "entity", b.name, "mode", b.mode, "pages", b.pages, "of", b.of)
	}
}

func (p *progress) bar(name string) *bar {
	b, ok := p.bars[name]
	if !ok {
		b = &bar{name: name, start: p.now()}
		p.bars[name] = b
		p.order = append(p.order, name)
		sort.Strings(p.order)
	}
	return b
}

// finish marks an entity done (or failed) and redraws.
func (p *progress) finish(name string, failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bar(name)
	b.done, b.failed = true, failed
	if !failed {
		b.of = max(b.pages, 1)
		b.pages = b.of
	}
	if p.terminal {
		p.draw()
	}
}

// draw redraws every bar in place (ANSI: cursor up, clear line).
func (p *progress) draw() {
	p.lastOut = p.now()
	var sb strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&sb, "\x1b[%dA", p.drawn)
	}
	for _, name := range p.order {
		sb.WriteString("\x1b[2K")
		sb.WriteString(p.bars[name].line(p.now()))
		sb.WriteByte('\n')
	}
	p.drawn = len(p.order)
	io.WriteString(p.w, sb.String())
}

func (b *bar) line(now time.Time) string {
	const width = 30
	filled := width * b.pages / max(b.of, 1)
	el := now.Sub(b.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(b.pages) / el
	}
	tail := ""
	switch {
	case b.failed:
		tail = "failed"
	case b.done:
		tail = fmt.Sprintf("done in %.1fs", el)
	case rate > 0:
		tail = fmt.Sprintf("%.0f pages/s, ETA %.0fs", rate, float64(b.of-b.pages)/rate)
	}
	return fmt.Sprintf("%-13s %-11s [%s%s] %5d/%-5d pages  %s", b.name, b.mode,
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), b.pages, b.of, tail)
}
