package extract

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// BudgetHistory is how the pacer survives restarts: it reads the recent request counts
// of its key at start and writes its own counts back. The key is BudgetKey's (the product
// and a hash of the client id), so every replica using one API key shares one history,
// and two keys of a product are counted apart. The Postgres implementation is
// load.Writer.BudgetHistory; MemoryHistory serves tests.
type BudgetHistory interface {
	// Recent returns how many requests key made per minute since `since`.
	Recent(ctx context.Context, key string, since time.Time) ([]synctype.MinuteCount, error)
	// Add counts n requests made by key at time at (stored per minute).
	Add(ctx context.Context, key string, at time.Time, n int) error
}

// MemoryHistory is a BudgetHistory in memory, safe for concurrent use. It truncates
// times to its bucket width, as Postgres truncates them to the minute.
type MemoryHistory struct {
	bucket time.Duration
	mu     sync.Mutex
	counts map[string]map[time.Time]int
}

// NewMemoryHistory returns an empty history with buckets of the given width (zero: a
// minute). A Client using it must have the same Config.HistoryBucket.
func NewMemoryHistory(bucket time.Duration) *MemoryHistory {
	if bucket <= 0 {
		bucket = time.Minute
	}
	return &MemoryHistory{bucket: bucket, counts: map[string]map[time.Time]int{}}
}

// Recent implements BudgetHistory.
func (h *MemoryHistory) Recent(_ context.Context, key string, since time.Time) ([]synctype.MinuteCount, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []synctype.MinuteCount
	from := since.Truncate(h.bucket)
	for m, n := range h.counts[key] {
		if !m.Before(from) {
			out = append(out, synctype.MinuteCount{Minute: m, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Minute.Before(out[j].Minute) })
	return out, nil
}

// Add implements BudgetHistory.
func (h *MemoryHistory) Add(_ context.Context, key string, at time.Time, n int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.counts[key]
	if m == nil {
		m = map[time.Time]int{}
		h.counts[key] = m
	}
	m[at.Truncate(h.bucket).UTC()] += n
	return nil
}
