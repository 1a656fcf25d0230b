package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	gosync "sync"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Summary lists (docs/design.md, "Summary lists"): where an entity's list
// answers summaries, the runner fetches GET /{entity}/{id} for every new or
// changed list item, writes the details as the page, and refreshes every
// detail on a slow rolling cycle. Details are a budget class of their own:
// a page's new or changed items must be fetched to write the page; the
// refresh takes only what the budget leaves (refreshHeadroom).

// detailsInFlight is how many detail requests a page has in flight.
const detailsInFlight = 4

// maxRefreshPerRun bounds the details one run refreshes; the rest stay due.
const maxRefreshPerRun = 5000

// refreshHeadroom is the share of the key's budget the rolling refresh
// leaves to freshness polls: it fetches nothing once the rolling hour holds
// more than 1−refreshHeadroom of the limit.
const refreshHeadroom = 0.1

// listKind returns what e's list answers: the configured kind, or the one
// found by comparing a record of pg with its detail (once per Runner). A
// detail fetched to find out is returned to spare its item a request. A run
// probes at most once: when none of the records tried can be compared (each
// detail answers 404, or no id is a GUID), the run's later pages are taken
// as full without asking again, and the next run tries anew. The members an
// entity's sub-resources are kept in are not compared: no list item has
// them, and a full list spares only the GET by id of such a record.
func (r *Runner) listKind(ctx context.Context, e synctype.Entity, api API, pg synctype.Page, res *synctype.RunResult) (synctype.ListKind, map[string]json.RawMessage, error) {
	r.mu.Lock()
	kind, probed := r.kinds[e.Name], r.probed[res.RunID]
	if kind == synctype.ListUnknown && !probed && len(pg.Records) > 0 {
		r.probed[res.RunID] = true
	}
	r.mu.Unlock()
	if kind != synctype.ListUnknown || probed {
		return kind, nil, nil
	}
	tried := 0
	for _, rec := range pg.Records {
		item, id := fields(rec), recordID(rec, e.IDField)
		if item == nil || !usableID(id) {
			continue // no detail to ask for (the writer quarantines it)
		}
		if tried++; tried > maxProbes {
			break
		}
		detail, err := api.Detail(ctx, e, id)
		if errors.Is(err, synctype.ErrNoDetail) {
			kind = synctype.ListFull // no detail to fetch: the list is the record
			r.mu.Lock()
			r.kinds[e.Name] = kind
			r.mu.Unlock()
			return kind, nil, nil
		}
		res.Details++
		if err != nil {
			return "", nil, fmt.Errorf("compare a %s list item with its detail: %w", e.Name, err)
		}
		if detail == nil {
			continue // deleted meanwhile: try the next
		}
		kind = synctype.ListFull
		for k := range fields(detail) {
			if _, ok := item[k]; !ok && !e.SubresourceKey(k) {
				kind = synctype.ListSummary
			}
		}
		r.mu.Lock()
		r.kinds[e.Name] = kind
		r.mu.Unlock()
		r.opts.Logger.Info("list kind found by comparing a list item with its detail", "entity", e.Name, "kind", kind, "id", id)
		return kind, map[string]json.RawMessage{id: detail}, nil
	}
	if len(pg.Records) > 0 {
		r.opts.Logger.Info("list kind not found: no list item could be compared with its detail; the run takes the list as full",
			"entity", e.Name, "run_id", res.RunID, "details_asked", min(tried, maxProbes))
	}
	return synctype.ListUnknown, nil, nil // no record to compare: as full, for this run
}

// forgetProbe drops the run's list-kind probe mark (listKind) when it ends.
func (r *Runner) forgetProbe(res *synctype.RunResult) {
	r.mu.Lock()
	delete(r.probed, res.RunID)
	r.mu.Unlock()
}

// maxProbes is how many list items a run's list-kind probe asks the detail
// of, at most: one suffices, and a record deleted meanwhile (404) gets the
// next a chance.
const maxProbes = 3

// ListKinds returns the kind of each entity's list the Runner knows
// (configured or found).
func (r *Runner) ListKinds() map[string]synctype.ListKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.kinds)
}

// enrich returns the records to write for page pg of e: pg's records when
// its list is full; else the detail of each item, fetched when the item is
// new or its summary changed, the stored one otherwise. A census does the
// same: it is there for the ids (docs/design.md, "Summary lists"), and a
// change a summary cannot show is the rolling refresh's (refreshDetails).
// An item whose detail the API no longer has is left out (the census then
// sees it gone). An entity with sub-resources is enriched whatever its list
// holds: when its list items are whole records, each is read with its
// sub-resources onto the item, sparing the GET by id (a release: 5
// requests, not 6).
func (r *Runner) enrich(ctx context.Context, e synctype.Entity, src Source, pg synctype.Page, res *synctype.RunResult) ([]json.RawMessage, []synctype.Summary, error) {
	kind, known, err := r.listKind(ctx, e, src.API, pg, res)
	if err != nil || (kind != synctype.ListSummary && !e.Enriched()) || len(pg.Records) == 0 {
		return pg.Records, nil, err
	}
	items := make([]synctype.Summary, 0, len(pg.Records))
	askable := make([]synctype.Summary, 0, len(pg.Records))
	for _, rec := range pg.Records {
		it := synctype.Summary{ID: recordID(rec, e.IDField), Raw: rec}
		items = append(items, it)
		if canAsk(it) {
			askable = append(askable, it)
		}
	}
	stored, err := r.opts.Writer.StoredDetails(ctx, e.Name, askable)
	if err != nil {
		return nil, nil, err
	}
	var fetch []string
	for _, it := range askable {
		if _, ok := stored[it.ID]; !ok && known[it.ID] == nil {
			fetch = append(fetch, it.ID)
		}
	}
	at := r.opts.Now()
	got, err := fetchDetails(ctx, e, fetch, reader(src.API, e, kind, askable))
	res.Details += len(fetch)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(got, known)
	records := make([]json.RawMessage, 0, len(items))
	summaries := make([]synctype.Summary, 0, len(items))
	for _, it := range items {
		switch {
		case !canAsk(it): // the writer quarantines it as the list gave it
			records = append(records, it.Raw)
		case got[it.ID] != nil:
			records = append(records, got[it.ID])
			it.FetchedAt = at
			summaries = append(summaries, it)
		case stored[it.ID] != nil:
			records = append(records, stored[it.ID])
			summaries = append(summaries, it)
		}
	}
	return records, summaries, nil
}

// canAsk reports whether a list item's detail can be asked for and its
// stored one read: it has a usable id, and PostgreSQL's jsonb can hold it
// (valid UTF-8, no \u0000); an item that is not fails the read of the
// stored details of its whole page.
func canAsk(it synctype.Summary) bool {
	return usableID(it.ID) && utf8.Valid(it.Raw) && !bytes.Contains(it.Raw, []byte(`\u0000`))
}

// usableID reports whether a list item's id can name its detail: a record
// without one, or with one that is not a GUID, is written as the list gave
// it, and the writer quarantines it (asking for it would only answer 404).
func usableID(id string) bool { return id != "" && uuid.Validate(id) == nil }

// reader reads the record of e with an id: its detail, or, when its list
// item is the whole record (kind not a summary: an entity enriched with
// sub-resources only), its sub-resources onto the item of items.
func reader(api API, e synctype.Entity, kind synctype.ListKind, items []synctype.Summary) func(context.Context, string) (json.RawMessage, error) {
	if kind == synctype.ListSummary {
		return func(ctx context.Context, id string) (json.RawMessage, error) { return api.Detail(ctx, e, id) }
	}
	whole := make(map[string]json.RawMessage, len(items))
	for _, it := range items {
		whole[it.ID] = it.Raw
	}
	return func(ctx context.Context, id string) (json.RawMessage, error) {
		return api.Subresources(ctx, e, id, whole[id])
	}
}

// fetchDetails reads the records of ids with read (a detail, or a whole
// list item's sub-resources), detailsInFlight at a time; a record the API
// no longer has is missing from the map.
func fetchDetails(ctx context.Context, e synctype.Entity, ids []string, read func(context.Context, string) (json.RawMessage, error)) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(ids))
	var mu gosync.Mutex
	var firstErr error
	sem := make(chan struct{}, detailsInFlight)
	var wg gosync.WaitGroup
	for _, id := range ids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			rec, err := read(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if rec != nil {
				out[id] = rec
			}
		})
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("fetch %s details: %w", e.Name, firstErr)
	}
	return out, nil
}

// refreshDetails fetches again the details due on the rolling refresh of a
// summary-list entity, or of one with sub-resources (read with its detail,
// whatever its list holds: the refresh has no list item), and writes them,
// within what the budget leaves. It is best effort: a failure is logged,
// and the records stay due.
func (r *Runner) refreshDetails(ctx context.Context, e synctype.Entity, src Source, res *synctype.RunResult) {
	r.mu.Lock()
	kind := r.kinds[e.Name]
	r.mu.Unlock()
	if (kind != synctype.ListSummary && !e.Enriched()) || r.opts.DetailRefresh == 0 {
		return
	}
	room := maxRefreshPerRun
	if used, limit := src.API.BudgetUsed(r.opts.Now()); limit > 0 {
		room = min(room, int(float64(limit)*(1-refreshHeadroom))-used)
	}
	ids, err := r.opts.Writer.DueDetails(ctx, e.Name, r.opts.Now(), r.opts.DetailRefresh, room)
	if err == nil && len(ids) > 0 {
		err = r.writeRefreshed(ctx, e, src, ids, res)
	}
	if err != nil && ctx.Err() == nil {
		r.opts.Logger.Warn("detail refresh failed; the records stay due", "entity", e.Name, "run_id", res.RunID, "error", err)
	}
}

// writeRefreshed fetches the details of ids and writes them a page at a time.
func (r *Runner) writeRefreshed(ctx context.Context, e synctype.Entity, src Source, ids []string, res *synctype.RunResult) error {
	for batch := range slices.Chunk(ids, 100) {
		at := r.opts.Now()
		got, err := fetchDetails(ctx, e, batch, reader(src.API, e, synctype.ListSummary, nil))
		res.Details += len(batch)
		if err != nil {
			return err
		}
		recs := make([]json.RawMessage, 0, len(got))
		for _, id := range batch {
			if got[id] != nil {
				recs = append(recs, got[id])
			}
		}
		if err := vouch(ctx, e, src); err != nil {
			return err
		}
		out, err := r.opts.Writer.WriteDetails(ctx, synctype.DetailWrite{RunID: res.RunID, Entity: e.Name, Records: recs, At: at})
		if err != nil {
			return err
		}
		res.Refreshed += len(recs)
		res.Inserted += out.Inserted
		res.Updated += out.Updated
		res.Unchanged += out.Unchanged
	}
	return nil
}

// fields decodes the members of a JSON object; nil when rec is not one.
func fields(rec []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(rec, &m) != nil {
		return nil
	}
	return m
}

// recordID is rec's id member as a string; "" when it has none.
func recordID(rec []byte, idField string) string {
	var id string
	if json.Unmarshal(fields(rec)[idField], &id) != nil {
		return ""
	}
	return id
}
