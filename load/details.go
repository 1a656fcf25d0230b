package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Summary lists (docs/design.md, "Summary lists"): the runner writes a page of details
// with the list items behind them (PageWrite.Summaries), which are kept in
// plutora_sync.list_items with the time of each record's last detail. The
// next list that says the same of a record reuses its stored detail
// (StoredDetails), and DueDetails picks the records whose detail the slow
// rolling refresh fetches again (WriteDetails writes them).

// isUUID reports whether s has the shape of a GUID (any case): the ids the
// list-item book keeps, so that its joins on the entity tables' uuid keys
// never fail a cast.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// summaryRow is one list item as the statements below read it (jsonb_to_recordset).
type summaryRow struct {
	ID        string          `json:"id"`
	Summary   json.RawMessage `json:"summary"`
	FetchedAt *time.Time      `json:"fetched_at"` // nil: not fetched now
}

func summaryRows(items []synctype.Summary) []byte {
	rows := make([]summaryRow, 0, len(items))
	for _, it := range items {
		if isUUID(it.ID) && json.Valid(it.Raw) {
			row := summaryRow{ID: it.ID, Summary: it.Raw}
			if !it.FetchedAt.IsZero() {
				row.FetchedAt = &it.FetchedAt
			}
			rows = append(rows, row)
		}
	}
	b, _ := json.Marshal(rows) // cannot fail: strings, valid JSON and bools
	return b
}

// StoredDetails returns, for the items of a summary list whose summary is
// the one kept with their last detail and whose row is live, the stored
// detail (the row's raw): those need no detail request.
func (w *Writer) StoredDetails(ctx context.Context, entity string, items []synctype.Summary) (map[string]json.RawMessage, error) {
	spec, err := specFor(entity)
	if err != nil {
		return nil, fmt.Errorf("stored details: %w", err)
	}
	rows, err := w.db.QueryContext(ctx, `SELECT s.id, t.raw::text
		FROM jsonb_to_recordset($2::jsonb) AS s(id text, summary jsonb)
		JOIN plutora_sync.list_items l ON l.entity = $1 AND l.id = lower(s.id) AND l.summary = s.summary
		JOIN `+spec.Table+` t ON t.id = l.id::uuid AND t._deleted_at IS NULL`, entity, summaryRows(items))
	if err != nil {
		return nil, fmt.Errorf("stored details of %s: %w", entity, err)
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, fmt.Errorf("stored details of %s: %w", entity, err)
		}
		out[id] = json.RawMessage(raw)
	}
	return out, rows.Err()
}

// saveSummaries keeps a page's list items in tx; a fetched item's refresh
// clock restarts.
func saveSummaries(ctx context.Context, tx *sql.Tx, entity string, items []synctype.Summary) error {
	if items == nil {
		return nil
	}
	// An item not fetched now keeps its refresh time (-infinity loses to it).
	_, err := tx.ExecContext(ctx, `INSERT INTO plutora_sync.list_items AS l (entity, id, summary, detail_at)
		SELECT DISTINCT ON (lower(s.id)) $1, lower(s.id), s.summary,
			COALESCE(s.fetched_at, '-infinity')
		FROM jsonb_to_recordset($2::jsonb) AS s(id text, summary jsonb, fetched_at timestamptz)
		ORDER BY lower(s.id), s.fetched_at DESC NULLS LAST
		ON CONFLICT (entity, id) DO UPDATE SET summary = EXCLUDED.summary,
			detail_at = GREATEST(l.detail_at, EXCLUDED.detail_at)
		WHERE l.summary IS DISTINCT FROM EXCLUDED.summary OR EXCLUDED.detail_at > l.detail_at`,
		entity, summaryRows(items))
	if err != nil {
		return fmt.Errorf("save list items: %w", err)
	}
	return nil
}

// DueDetails returns up to limit ids of live records of entity whose detail
// is due at now on the rolling refresh, longest unrefreshed first. Each record has
// a slot once every period, at an offset drawn from its id, so the records
// of a table spread evenly over the period whenever they were first
// fetched; a record is due when its detail is older than its last slot.
func (w *Writer) DueDetails(ctx context.Context, entity string, now time.Time, period time.Duration, limit int) ([]string, error) {
	spec, err := specFor(entity)
	if err != nil {
		return nil, fmt.Errorf("due details: %w", err)
	}
	secs := int64(period / time.Second)
	if secs < 1 || limit <= 0 {
		return nil, nil
	}
	var ids []string
	err = w.db.SelectContext(ctx, &ids, `WITH k AS (SELECT floor(extract(epoch FROM $4::timestamptz))::bigint AS now_s, $2::bigint AS p)
		SELECT l.id FROM plutora_sync.list_items l CROSS JOIN k
		JOIN `+spec.Table+` t ON t.id = l.id::uuid AND t._deleted_at IS NULL
		WHERE l.entity = $1 AND l.detail_at < to_timestamp(k.now_s -
			((k.now_s - (hashtext(l.id)::bigint + 2147483648) % k.p) % k.p + k.p) % k.p)
		ORDER BY l.detail_at, l.id LIMIT $3`, entity, secs, limit, now)
	if err != nil {
		return nil, fmt.Errorf("due details of %s: %w", entity, err)
	}
	return ids, nil
}

// WriteDetails writes refreshed details: their rows, child rows and history
// like a page (unchanged ones write nothing), and restarts their refresh
// clocks, in one transaction; the run's ledger row counts the rows. No
// checkpoint moves, and the census does not count them as seen.
func (w *Writer) WriteDetails(ctx context.Context, d synctype.DetailWrite) (synctype.PageResult, error) {
	spec, err := specFor(d.Entity)
	if err != nil {
		return synctype.PageResult{}, fmt.Errorf("write details: %w", err)
	}
	var res synctype.PageResult
	err = retryConcurrent(func() error { // concurrent.go
		var err error
		res, err = w.writeDetails(ctx, spec, d)
		return err
	})
	return res, err
}

// writeDetails is WriteDetails's transaction.
func (w *Writer) writeDetails(ctx context.Context, spec *entitySpec, d synctype.DetailWrite) (synctype.PageResult, error) {
	tx, err := w.begin(ctx)
	if err != nil {
		return synctype.PageResult{}, fmt.Errorf("write %s details: %w", d.Entity, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var res synctype.PageResult
	var total int
	var maxMod sql.NullTime
	if err := tx.QueryRowContext(ctx, w.sqls[spec.Name], appendPage(nil, d.Records), 0).
		Scan(&res.Inserted, &res.Updated, &total, &maxMod, &res.NewlySeen); err != nil {
		return synctype.PageResult{}, fmt.Errorf("write %s details: %w", d.Entity, err)
	}
	res.Unchanged = total - res.Inserted - res.Updated
	ids := make([]string, 0, len(d.Records))
	for _, rec := range d.Records {
		ids = append(ids, recordID(rec, spec.IDField))
	}
	idsJSON, _ := json.Marshal(ids)
	if _, err := tx.ExecContext(ctx, `UPDATE plutora_sync.list_items SET detail_at = $3
		WHERE entity = $1 AND id IN (SELECT lower(x) FROM jsonb_array_elements_text($2::jsonb) x)`, d.Entity, idsJSON, d.At); err != nil {
		return synctype.PageResult{}, fmt.Errorf("write %s details: refresh times: %w", d.Entity, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE plutora_sync.run_entities SET inserted = inserted + $3,
		updated = updated + $4, unchanged = unchanged + $5 WHERE run_id = $1 AND entity = $2`,
		d.RunID, d.Entity, res.Inserted, res.Updated, res.Unchanged); err != nil {
		return synctype.PageResult{}, fmt.Errorf("write %s details: ledger: %w", d.Entity, err)
	}
	return res, tx.Commit()
}

// withoutBad drops the list items of quarantined records: their summary
// must not vouch for a stored detail the page did not replace.
func withoutBad(items []synctype.Summary, bad []badRecord) []synctype.Summary {
	if items == nil || len(bad) == 0 {
		return items
	}
	out := make([]synctype.Summary, 0, len(items))
	for _, it := range items {
		quarantined := false
		for _, b := range bad {
			quarantined = quarantined || b.id == it.ID
		}
		if !quarantined {
			out = append(out, it)
		}
	}
	return out
}
