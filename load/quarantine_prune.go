package load

import (
	"context"
	"fmt"
	gosync "sync"
	"time"
)

// quarantinePruneEvery is how often a Writer prunes the quarantine: runs
// finish every few seconds, the retention is counted in days.
const quarantinePruneEvery = time.Hour

// QuarantineRetention sets how long quarantine rows that no longer say
// anything useful are kept: a resolved row keep after its resolution, a row
// of a record without a usable id (which can never resolve) keep after it
// was last seen. 0 keeps them all, as does a Writer given no retention:
// the default is sync/config's (QUARANTINE_RETENTION).
func QuarantineRetention(keep time.Duration) Option {
	return func(w *Writer) error {
		if keep < 0 {
			return fmt.Errorf("quarantine retention %s is negative", keep)
		}
		w.prune.keep = keep
		return nil
	}
}

// quarantinePruner remembers when the quarantine was last pruned.
type quarantinePruner struct {
	keep time.Duration

	mu   gosync.Mutex
	last time.Time
}

// due reports whether a prune is due at now, and if so counts it as done.
func (p *quarantinePruner) due(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.keep == 0 || !p.last.IsZero() && now.Sub(p.last) < quarantinePruneEvery {
		return false
	}
	p.last = now
	return true
}

// pruneQuarantine deletes the quarantine rows past the retention, at most
// once an hour (FinishRun calls it). Open rows of records with an id stay
// until the record loads: they are bounded by the site's records.
func (w *Writer) pruneQuarantine(ctx context.Context) {
	if !w.prune.due(time.Now()) {
		return
	}
	res, err := w.db.ExecContext(ctx, `DELETE FROM plutora_sync.quarantine
		WHERE resolved_at < now() - $1::interval
			OR record_id IS NULL AND last_seen_at < now() - $1::interval`,
		fmt.Sprintf("%d seconds", int64(w.prune.keep/time.Second)))
	if err != nil {
		w.logger.WarnContext(ctx, "prune quarantine", "error", err)
		return
	}
	if n, _ := res.RowsAffected(); n > 0 {
		w.logger.InfoContext(ctx, "quarantine pruned", "rows", n, "retention", w.prune.keep.String())
	}
}
