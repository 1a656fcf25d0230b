package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// The runner's settings as sync/config gives them, at their defaults
// (docs/configuration.md): the runner has no default of its own.
const (
	testRunTimeout    = 3 * time.Hour
	testDetailRefresh = 24 * time.Hour
)

// fakeSource serves records from memory, pageSize per page.
type fakeSource struct {
	mu       gosync.Mutex
	pageSize int
	recs     map[string]map[string]time.Time // entity → id → modified
	queries  []synctype.Query
	onPage   func(synctype.Page) // called before fn
	failPage int                 // page number that fails; -1 = none
	panicAt  int                 // page number that panics; -1 = none

	// Exists answers from recs; broken makes it answer not found for
	// everything (a detail endpoint the API lacks).
	broken    bool
	failAfter int // Exists answers an error from this question on (0 = never)
	asked     []string
}

// Exists asks about one record, as the API's detail endpoints do.
func (s *fakeSource) Exists(_ context.Context, e synctype.Entity, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, id)
	if s.failAfter > 0 && len(s.asked) >= s.failAfter {
		return false, errors.New("HTTP 503")
	}
	_, ok := s.recs[e.Name][id]
	return ok && !s.broken, nil
}

// BudgetUsed reports no budget (limit 0: the metrics leave it out).
func (s *fakeSource) BudgetUsed(time.Time) (used, limit int) { return 0, 0 }

func newFakeSource() *fakeSource {
	return &fakeSource{pageSize: 3, recs: map[string]map[string]time.Time{}, failPage: -1, panicAt: -1}
}

func (s *fakeSource) put(entity, id string, mod time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recs[entity] == nil {
		s.recs[entity] = map[string]time.Time{}
	}
	s.recs[entity][id] = mod
}

func (s *fakeSource) del(entity, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recs[entity], id)
}

// Pages pages by offset over the live data, re-sorted for every page as a
// server would: records modified meanwhile move, and can shift others.
func (s *fakeSource) Pages(ctx context.Context, e synctype.Entity, q synctype.Query, fn func(synctype.Page) error) error {
	entity := e.Name
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.mu.Unlock()
	firstTotal := -1
	for n := q.StartPage; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		all := s.list(entity, q.Since, q.Before)
		if firstTotal < 0 {
			firstTotal = len(all)
		}
		lo := min(n*s.pageSize, len(all))
		hi := min(lo+s.pageSize, len(all))
		p := synctype.Page{Num: n, TotalCount: len(all), FirstTotal: firstTotal, Drift: len(all) != firstTotal}
		for _, r := range all[lo:hi] {
			p.Records = append(p.Records, json.RawMessage(fmt.Sprintf(`{"id":%q,"lastModifiedDate":%q}`, r.id, r.mod.Format("2006-01-02T15:04:05.999"))))
		}
		if n == s.failPage {
			return fmt.Errorf("fetch %s page %d: %w", entity, n, errors.New("server error"))
		}
		if n == s.panicAt {
			panic("boom")
		}
		if s.onPage != nil {
			s.onPage(p)
		}
		if err := fn(p); err != nil {
			return err
		}
		if hi >= len(all) || n+1 == q.StartPage+q.MaxPages {
			return nil
		}
	}
}

type fakeRec struct {
	id  string
	mod time.Time
}

// list returns the records modified at or after since (and before before), ascending.
func (s *fakeSource) list(entity string, since, before *time.Time) []fakeRec {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []fakeRec
	for id, mod := range s.recs[entity] {
		if (since == nil || !mod.Before(*since)) && (before == nil || mod.Before(*before)) {
			all = append(all, fakeRec{id, mod})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].mod.Equal(all[j].mod) {
			return all[i].mod.Before(all[j].mod)
		}
		return all[i].id < all[j].id
	})
	return all
}

// fakeWriter keeps rows, checkpoints and the ledger in memory, with the
// semantics load promises: one atomic step per page.
type fakeWriter struct {
	mu      gosync.Mutex
	rows    map[string]map[string]string // entity → id → raw
	deleted map[string]map[string]bool
	cps     map[string]synctype.Checkpoint
	runs    map[int64]*synctype.RunResult
	starts  map[int64]synctype.RunStart
	seen    map[int64]map[string]bool
	nextRun int64
	writes  []synctype.PageWrite
}

func newFakeWriter() *fakeWriter {
	return &fakeWriter{rows: map[string]map[string]string{}, deleted: map[string]map[string]bool{}, cps: map[string]synctype.Checkpoint{},
		runs: map[int64]*synctype.RunResult{}, starts: map[int64]synctype.RunStart{}, seen: map[int64]map[string]bool{}}
}

func (w *fakeWriter) Checkpoint(_ context.Context, product synctype.Product, entity string) (synctype.Checkpoint, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cp, ok := w.cps[string(product)+"/"+entity]
	return cp, ok, nil
}

// CheckpointMode is Checkpoint when its mode is mode (the fake keeps one
// checkpoint per entity).
func (w *fakeWriter) CheckpointMode(ctx context.Context, product synctype.Product, entity string, mode synctype.Mode) (synctype.Checkpoint, bool, error) {
	cp, ok, err := w.Checkpoint(ctx, product, entity)
	return cp, ok && cp.Mode == mode, err
}

func (w *fakeWriter) StartRun(_ context.Context, r synctype.RunStart) (int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nextRun++
	w.starts[w.nextRun] = r
	cp := w.cps[string(r.Product)+"/"+r.Entity]
	cp.RunID, cp.Mode, cp.NextPage, cp.Since, cp.TotalCount = w.nextRun, r.Mode, 0, r.Since, 0
	w.cps[string(r.Product)+"/"+r.Entity] = cp
	return w.nextRun, nil
}

func (w *fakeWriter) WritePage(_ context.Context, p synctype.PageWrite) (synctype.PageResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, p)
	if w.rows[p.Entity] == nil {
		w.rows[p.Entity] = map[string]string{}
		w.deleted[p.Entity] = map[string]bool{}
	}
	if w.seen[p.RunID] == nil {
		w.seen[p.RunID] = map[string]bool{}
	}
	var res synctype.PageResult
	for _, raw := range p.Records {
		var rec struct {
			ID       string
			Modified string `json:"lastModifiedDate"`
		}
		if json.Unmarshal(raw, &rec) != nil || rec.ID == "" {
			res.Quarantined++
			continue
		}
		// As the page statement does: the newest last-modified time loaded.
		if t, err := time.Parse("2006-01-02T15:04:05.999", rec.Modified); err == nil {
			res.MaxModified = later(res.MaxModified, &t)
		}
		if !w.seen[p.RunID][rec.ID] {
			res.NewlySeen++
		}
		w.seen[p.RunID][rec.ID] = true
		old, ok := w.rows[p.Entity][rec.ID]
		switch {
		case !ok:
			res.Inserted++
		case old != string(raw) || w.deleted[p.Entity][rec.ID]:
			res.Updated++
		default:
			res.Unchanged++
		}
		w.rows[p.Entity][rec.ID] = string(raw)
		delete(w.deleted[p.Entity], rec.ID)
	}
	cp := w.cps[string(p.Product)+"/"+p.Entity]
	cp.RunID, cp.Mode, cp.NextPage, cp.TotalCount, cp.Since = p.RunID, p.Mode, p.PageNum+1, p.TotalCount, p.Since
	cp.Watermark = later(cp.Watermark, p.Watermark)
	w.cps[string(p.Product)+"/"+p.Entity] = cp
	return res, nil
}

// unseen returns the live rows of entity run runID did not see, sorted,
// or why none may be marked. The caller holds w.mu.
func (w *fakeWriter) unseen(c synctype.Census) ([]string, string) {
	if c.TotalFirst != c.TotalLast {
		return nil, "totalCount moved"
	}
	if len(w.seen[c.RunID]) != c.TotalLast {
		return nil, "ids seen differ from totalCount"
	}
	var gone []string
	for id := range w.rows[c.Entity] {
		if !w.seen[c.RunID][id] && !w.deleted[c.Entity][id] {
			gone = append(gone, id)
		}
	}
	if float64(len(gone)) > c.MaxShare*float64(len(w.rows[c.Entity])) {
		return nil, fmt.Sprintf("%d rows exceed the share", len(gone))
	}
	sort.Strings(gone)
	return gone, ""
}

func (w *fakeWriter) Candidates(_ context.Context, c synctype.Census, limit int) (synctype.CensusCandidates, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	gone, reason := w.unseen(c)
	out := synctype.CensusCandidates{Total: len(gone), Reason: reason, IDs: gone[:min(limit, len(gone))]}
	for id := range w.seen[c.RunID] {
		out.SeenIDs = append(out.SeenIDs, id)
	}
	sort.Strings(out.SeenIDs)
	out.SeenIDs = out.SeenIDs[:min(3, len(out.SeenIDs))]
	return out, nil
}

func (w *fakeWriter) MarkDeleted(_ context.Context, c synctype.Census, only []string, note string) (int, string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	gone, reason := w.unseen(c)
	if reason != "" {
		return 0, reason, nil
	}
	n := 0
	for _, id := range gone {
		if only == nil || slices.Contains(only, id) {
			w.deleted[c.Entity][id] = true
			n++
		}
	}
	return n, note, nil
}

func (w *fakeWriter) FinishRun(_ context.Context, r synctype.RunResult) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.runs[r.RunID] = &r
	cp := w.cps[string(r.Product)+"/"+r.Entity]
	cp.RunID, cp.NextPage, cp.Since = 0, 0, nil
	cp.Watermark = later(cp.Watermark, r.WatermarkAfter)
	w.cps[string(r.Product)+"/"+r.Entity] = cp
	return nil
}

func (w *fakeWriter) live(entity string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for id := range w.rows[entity] {
		if !w.deleted[entity][id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// failingWriter is a fakeWriter whose write of page failPage fails, and
// whose write of page cancelAt first calls cancel (the run's context ends
// while the page is in hand) and then fails unless its own context lives on.
type failingWriter struct {
	*fakeWriter
	failPage, cancelAt int
	cancel             context.CancelFunc
}

func (w *failingWriter) WritePage(ctx context.Context, p synctype.PageWrite) (synctype.PageResult, error) {
	if p.PageNum == w.cancelAt {
		w.cancel()
		if err := ctx.Err(); err != nil {
			return synctype.PageResult{}, fmt.Errorf("its context ended before it committed: %w", err)
		}
	}
	if p.PageNum == w.failPage {
		return synctype.PageResult{}, fmt.Errorf("write %s page %d: disk full", p.Entity, p.PageNum) // as load.Writer says it
	}
	return w.fakeWriter.WritePage(ctx, p)
}

// Detail answers the record as the list does (a full list), without
// counting it as a question.
func (s *fakeSource) Detail(_ context.Context, e synctype.Entity, id string) (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mod, ok := s.recs[e.Name][id]
	if !ok {
		return nil, nil
	}
	return json.RawMessage(fmt.Sprintf(`{"id":%q,"lastModifiedDate":%q}`, id, mod.Format("2006-01-02T15:04:05.999"))), nil
}

// Subresources answers rec: the fake's entities have none.
func (s *fakeSource) Subresources(_ context.Context, _ synctype.Entity, _ string, rec json.RawMessage) (json.RawMessage, error) {
	return rec, nil
}

// StoredDetails knows no summary list.
func (w *fakeWriter) StoredDetails(context.Context, string, []synctype.Summary) (map[string]json.RawMessage, error) {
	return map[string]json.RawMessage{}, nil
}

// DueDetails has nothing due.
func (w *fakeWriter) DueDetails(context.Context, string, time.Time, time.Duration, int) ([]string, error) {
	return nil, nil
}

// WriteDetails writes nothing.
func (w *fakeWriter) WriteDetails(context.Context, synctype.DetailWrite) (synctype.PageResult, error) {
	return synctype.PageResult{}, nil
}
