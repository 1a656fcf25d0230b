package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// Progress shows a one-off sync while it runs and sums it up at the end. On
// a terminal: one line per entity, redrawn in place by mpb (pages of the
// total, rows, rate, ETA, or the wait for the budget), with log lines
// printed above the bars. Otherwise: a log line each time an entity passes
// another 25%. Both end with a table per entity.
//
// A Progress is also an io.Writer: give it to the command's logger, so that
// log lines go above the bars instead of cutting them.
type Progress struct {
	out      io.Writer
	terminal bool
	now      func() time.Time
	logger   *slog.Logger // set by SyncNow and Demo; it may write to this Progress

	wmu  gosync.Mutex // serialises log writes with the bars' shutdown
	live atomic.Pointer[mpb.Progress]

	// mu guards the state below. Never call mpb or the logger holding it:
	// mpb's render goroutine calls the decorators, which take it.
	mu    gosync.Mutex
	bars  map[string]*entityBar
	order []string
	width int // of the entity names shown
	waits map[synctype.Product]budgetWait
}

type entityBar struct {
	entity      synctype.Entity
	mode        synctype.Mode
	pages, of   int
	records     int
	start, end  time.Time
	done        bool
	err         error
	lastQuarter int
	res         synctype.RunResult
	bar         *mpb.Bar // nil off a terminal
}

// budgetWait is a product's wait for the budget in progress.
type budgetWait struct {
	until       time.Time
	used, limit int
}

// minShownWait is the shortest wait for the budget that the bars and the log
// mention: shorter ones pass unnoticed and would only flicker.
const minShownWait = time.Second

// NewProgress returns a Progress writing to out; terminal says whether out
// is a terminal (bars) or not (log lines).
func NewProgress(out io.Writer, terminal bool) *Progress {
	return &Progress{out: out, terminal: terminal, now: time.Now, logger: slog.New(slog.DiscardHandler),
		bars: map[string]*entityBar{}, waits: map[synctype.Product]budgetWait{}}
}

// Write prints a log line: above the bars while they run, else to out.
func (p *Progress) Write(b []byte) (int, error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if mp := p.live.Load(); mp != nil {
		if n, err := mp.Write(b); err == nil {
			return n, nil
		}
	}
	return p.out.Write(b)
}

func pagesOf(total int) int { return max(1, (total+99)/100) }

// Begin shows a line per entity, in the order given.
func (p *Progress) Begin(entities []synctype.Entity) {
	p.mu.Lock()
	for _, e := range entities {
		p.bars[e.Name] = &entityBar{entity: e, start: p.now()}
		p.order = append(p.order, e.Name)
		p.width = max(p.width, len(e.Name))
	}
	p.mu.Unlock()
	if !p.terminal {
		return
	}
	// The decorators read the state above, under p.mu, on mpb's goroutine.
	mp := mpb.New(mpb.WithConsoleWriter(sizedConsole{cupwriter.New(p.out, false)}), mpb.WithWidth(24),
		mpb.WithRefreshRate(100*time.Millisecond))
	for _, e := range entities {
		name := e.Name
		bar := mp.AddBar(0,
			mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return p.head(name) })),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return p.tail(name) })))
		p.mu.Lock()
		p.bars[name].bar = bar
		p.mu.Unlock()
	}
	p.live.Store(mp)
}

// Page shows a committed page: the runner's Progress callback.
func (p *Progress) Page(ev sync.Progress) {
	p.mu.Lock()
	b, ok := p.bars[ev.Entity.Name]
	if !ok {
		p.mu.Unlock()
		return
	}
	b.mode = ev.Mode
	b.pages++
	b.of = max(pagesOf(ev.TotalCount), b.pages)
	b.records = ev.Records
	pages, of, bar := b.pages, b.of, b.bar
	logQuarter := false
	if q := 4 * b.pages / b.of; !p.terminal && q > b.lastQuarter && q < 4 {
		b.lastQuarter = q
		logQuarter = true
	}
	p.mu.Unlock()
	if bar != nil {
		bar.SetTotal(int64(of), false)
		bar.SetCurrent(int64(pages))
	}
	if logQuarter {
		p.logger.Info("progress", "entity", ev.Entity.Name, "mode", ev.Mode, "pages", pages, "of", of)
	}
}

// Finish records an entity's result and freezes its line.
func (p *Progress) Finish(e synctype.Entity, res synctype.RunResult, err error) {
	p.mu.Lock()
	b, ok := p.bars[e.Name]
	if !ok {
		p.mu.Unlock()
		return
	}
	b.done, b.err, b.res, b.end = true, err, res, p.now()
	if res.Mode != "" {
		b.mode = res.Mode
	}
	if err == nil {
		b.of = max(b.pages, 1)
		b.pages = b.of
	}
	bar, pages := b.bar, b.pages
	p.mu.Unlock()
	switch {
	case bar == nil:
	case err != nil:
		bar.Abort(false)
	default:
		bar.SetCurrent(int64(pages))
		bar.SetTotal(-1, true)
	}
}

// End waits for the bars' last frame, then prints the closing table.
func (p *Progress) End(requests map[synctype.Product]int64) {
	p.wmu.Lock()
	if mp := p.live.Load(); mp != nil {
		mp.Wait()
		p.live.Store(nil)
	}
	p.wmu.Unlock()
	p.mu.Lock()
	rows := make([]entityBar, 0, len(p.order))
	for _, name := range p.order {
		rows = append(rows, *p.bars[name])
	}
	p.mu.Unlock()
	writeSummary(p.out, rows, requests)
}

// Waiting is the pacer's news that product's requests wait for the budget
// until then: the bars of its running entities say so, and a log line says
// so once per wait.
func (p *Progress) Waiting(product synctype.Product, until time.Time, used, limit int) {
	now := p.now()
	if until.Sub(now) < minShownWait {
		return
	}
	p.mu.Lock()
	w, inWait := p.waits[product]
	inWait = inWait && now.Before(w.until)
	if !inWait || until.Before(w.until) {
		p.waits[product] = budgetWait{until: until, used: used, limit: limit}
	}
	p.mu.Unlock()
	if !inWait {
		p.logger.Info("waiting for the budget", "product", product, "used", used, "limit", limit,
			"next_request_at", until.Format(time.TimeOnly), "wait", until.Sub(now).Round(time.Second).String())
	}
}

// head is the start of an entity's line: its name and mode.
func (p *Progress) head(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	mode := p.bars[name].mode
	if mode == "" {
		mode = "starting"
	}
	return fmt.Sprintf("%-*s  %-11s", p.width, name, mode)
}

// tail is the end of an entity's line: pages, rows, and the rate and ETA,
// the wait for the budget, or how it ended.
func (p *Progress) tail(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bars[name]
	now := p.now()
	s := fmt.Sprintf("%4d/%-4d pages %7d rows  ", b.pages, max(b.of, b.pages), b.records)
	el := now.Sub(b.start)
	switch {
	case b.done && b.err != nil:
		return s + ended(b.err) + " after " + round(b.end.Sub(b.start)).String()
	case b.done:
		return s + "done in " + round(b.end.Sub(b.start)).String()
	}
	if w, ok := p.waits[b.entity.Product]; ok && now.Before(w.until) {
		return s + fmt.Sprintf("waiting for the budget (%d/%d in the last hour) until %s",
			w.used, w.limit, w.until.Format(time.TimeOnly))
	}
	if b.pages == 0 || el <= 0 {
		return s
	}
	rate := float64(b.records) / el.Seconds()
	eta := time.Duration(float64(el) * float64(b.of-b.pages) / float64(b.pages))
	return s + fmt.Sprintf("%5.0f rows/s  ETA %s", rate, round(eta))
}

// sizedConsole is mpb's terminal writer with a size that is never 0: a
// pseudo-terminal whose size nobody set (a container's, some CI runners')
// says 0×0, and mpb would draw nothing. Such a terminal is taken for the
// classic 80×24.
type sizedConsole struct{ *cupwriter.Writer }

func (c sizedConsole) GetTermSize() (width, height int, err error) {
	width, height, err = c.Writer.GetTermSize()
	if err != nil || width <= 0 || height <= 0 {
		return cmp.Or(max(width, 0), 80), cmp.Or(max(height, 0), 24), nil
	}
	return width, height, nil
}

// ended says how a run that returned err ended.
func ended(err error) string {
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return "failed"
}

// round keeps a duration readable: tenths of a second under a minute,
// seconds above.
func round(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
