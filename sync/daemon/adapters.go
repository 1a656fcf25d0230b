package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/sync"
)

// source adapts an *extract.Client to sync.PageSource and sync.StatsSource.
type source struct{ c *extract.Client }

func (s source) Pages(ctx context.Context, entity string, q sync.Query, fn func(sync.Page) error) error {
	e, ok := extract.EntityByName(entity)
	if !ok {
		return fmt.Errorf("unknown entity %q", entity)
	}
	return s.c.Pages(ctx, e, extract.Query{Since: q.Since, StartPage: q.StartPage}, func(p extract.Page) error {
		return fn(sync.Page{Num: p.Num, TotalCount: p.TotalCount, FirstTotal: p.FirstTotal, Drift: p.Drift, Records: p.Records})
	})
}

func (s source) Stats() sync.SourceStats {
	st := s.c.Stats()
	return sync.SourceStats{Requests: st.Requests, Throttled: st.Throttled, Retries: st.Retries, TokenRenewals: st.TokenRenewals}
}

func (s source) BudgetUsed(now time.Time) (used, limit int) { return s.c.BudgetUsed(now) }

func (s source) Exists(ctx context.Context, entity, id string) (bool, error) {
	e, ok := extract.EntityByName(entity)
	if !ok {
		return false, fmt.Errorf("unknown entity %q", entity)
	}
	return s.c.Exists(ctx, e, id)
}

// writer adapts a *load.Writer to sync.PageWriter.
type writer struct{ w *load.Writer }

func (a *writer) Checkpoint(ctx context.Context, product, entity string) (sync.Checkpoint, bool, error) {
	cp, ok, err := a.w.Checkpoint(ctx, product, entity)
	return sync.Checkpoint{Mode: cp.Mode, RunID: cp.RunID, NextPage: cp.NextPage, Since: cp.Since,
		Watermark: cp.Watermark, TotalCount: cp.TotalCount}, ok, err
}

func (a *writer) StartRun(ctx context.Context, r sync.RunStart) (int64, error) {
	return a.w.StartRun(ctx, load.RunStart{Product: r.Product, Entity: r.Entity, Mode: r.Mode, Since: r.Since,
		SourceURL: r.SourceURL, Note: r.Note})
}

func (a *writer) WritePage(ctx context.Context, p sync.PageWrite) (sync.PageResult, error) {
	res, err := a.w.WritePage(ctx, loadPage(p))
	return syncResult(res), err
}

func loadPage(p sync.PageWrite) load.PageWrite {
	return load.PageWrite{RunID: p.RunID, Product: p.Product, Entity: p.Entity, Mode: p.Mode,
		PageNum: p.PageNum, TotalCount: p.TotalCount, Since: p.Since, Records: p.Records, Watermark: p.Watermark}
}

func syncResult(res load.PageResult) sync.PageResult {
	return sync.PageResult{Inserted: res.Inserted, Updated: res.Updated, Unchanged: res.Unchanged,
		Quarantined: res.Quarantined, MaxModified: res.MaxModified, NewlySeen: res.NewlySeen}
}

func (a *writer) Candidates(ctx context.Context, c sync.Census, limit int) (sync.CensusCandidates, error) {
	got, err := a.w.Candidates(ctx, census(c), limit)
	return sync.CensusCandidates{IDs: got.IDs, Total: got.Total, SeenIDs: got.SeenIDs, Reason: got.Reason}, err
}

func (a *writer) MarkDeleted(ctx context.Context, c sync.Census, only []string, note string) (int, string, error) {
	return a.w.MarkDeleted(ctx, census(c), only, note)
}

func census(c sync.Census) load.Census {
	return load.Census{RunID: c.RunID, Entity: c.Entity, TotalFirst: c.TotalFirst, TotalLast: c.TotalLast, MaxShare: c.MaxShare}
}

func (a *writer) FinishRun(ctx context.Context, r sync.RunResult) error {
	return a.w.FinishRun(ctx, load.RunResult{RunID: r.RunID, Status: r.Outcome, Error: r.Error,
		Requests: int(r.Requests), Throttled: int(r.Throttled), Retries: int(r.Retries), TokenRenewals: int(r.TokenRenewals),
		TotalFirst: r.TotalFirst, TotalLast: r.TotalLast, BudgetUsed: r.BudgetUsed, BudgetLimit: r.BudgetLimit,
		Resumed: r.Resumed, WatermarkAfter: r.WatermarkAfter})
}

// observer adapts *sync.Metrics to extract.Observer.
type observer struct{ m *sync.Metrics }

func (o observer) Request(p extract.Product, endpoint string, status int, d time.Duration) {
	o.m.Request(string(p), endpoint, status, d)
}
func (o observer) PacerWait(p extract.Product, d time.Duration) { o.m.PacerWait(string(p), d) }
func (o observer) TokenRenewed(p extract.Product)               { o.m.TokenRenewed(string(p)) }
func (o observer) Retry(p extract.Product, endpoint string)     { o.m.Retry(string(p), endpoint) }
func (o observer) Throttled(p extract.Product)                  { o.m.Throttled(string(p)) }

// history adapts *load.BudgetHistory to extract.BudgetHistory (each package
// has its own MinuteCount).
type history struct{ h *load.BudgetHistory }

func (h history) Recent(ctx context.Context, key string, since time.Time) ([]extract.MinuteCount, error) {
	counts, err := h.h.Recent(ctx, key, since)
	out := make([]extract.MinuteCount, len(counts))
	for i, c := range counts {
		out[i] = extract.MinuteCount{Minute: c.Minute, Count: c.Count}
	}
	return out, err
}

func (h history) Add(ctx context.Context, key string, at time.Time, n int) error {
	return h.h.Add(ctx, key, at, n)
}
