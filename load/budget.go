package load

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// BudgetHistory keeps the requests made per API key per minute in
// plutora_sync.request_counts, so that the budget pacer survives restarts and
// is shared by replicas. It has the method set of extract.BudgetHistory, with
// load.MinuteCount in place of synctype.MinuteCount.
type BudgetHistory struct {
	w *Writer

	mu         gosync.Mutex
	prunedUpTo time.Time
}

// Keep is how long request counts are kept.
const Keep = 24 * time.Hour

// BudgetHistory returns the Postgres-backed request counts.
func (w *Writer) BudgetHistory() *BudgetHistory { return &BudgetHistory{w: w} }

// Recent returns how many requests key made per minute since since (from
// since's minute on), oldest first.
func (h *BudgetHistory) Recent(ctx context.Context, key string, since time.Time) ([]synctype.MinuteCount, error) {
	rows, err := h.w.db.QueryContext(ctx, `
		SELECT minute, count FROM plutora_sync.request_counts
		WHERE key = $1 AND minute >= date_trunc('minute', $2::timestamptz) ORDER BY minute`, key, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("read request counts of %s: %w", key, err)
	}
	defer rows.Close()
	var out []synctype.MinuteCount
	for rows.Next() {
		var m synctype.MinuteCount
		if err := rows.Scan(&m.Minute, &m.Count); err != nil {
			return nil, fmt.Errorf("read request counts of %s: %w", key, err)
		}
		m.Minute = m.Minute.UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read request counts of %s: %w", key, err)
	}
	return out, nil
}

// Add counts n requests made by key at time at, in at's minute. Counts older
// than Keep are pruned now and then.
func (h *BudgetHistory) Add(ctx context.Context, key string, at time.Time, n int) error {
	if n == 0 {
		return nil
	}
	minute := at.UTC().Truncate(time.Minute)
	if _, err := h.w.db.ExecContext(ctx, `
		INSERT INTO plutora_sync.request_counts (key, minute, count) VALUES ($1, $2, $3)
		ON CONFLICT (key, minute) DO UPDATE SET count = request_counts.count + EXCLUDED.count`,
		key, minute, n); err != nil {
		return fmt.Errorf("count %d requests of %s: %w", n, key, err)
	}
	h.mu.Lock()
	prune := minute.Sub(h.prunedUpTo) >= time.Hour
	if prune {
		h.prunedUpTo = minute
	}
	h.mu.Unlock()
	if prune {
		if _, err := h.w.db.ExecContext(ctx, `DELETE FROM plutora_sync.request_counts WHERE minute < $1`,
			minute.Add(-Keep)); err != nil {
			return fmt.Errorf("prune request counts: %w", err)
		}
	}
	return nil
}
