package load

import (
	"context"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// NextRun is when an adaptively refreshed entity runs next, and why it
// waits that long (the daemon's poller says).
type NextRun struct {
	Product synctype.Product
	Entity  string
	Due     time.Time
	Reason  string
}

// SaveNextRun records when the daemon runs an entity next, and why.
func (w *Writer) SaveNextRun(ctx context.Context, n NextRun) error {
	_, err := w.db.ExecContext(ctx, `
		INSERT INTO plutora_sync.next_runs (product, entity, due_at, reason) VALUES ($1, $2, $3, $4)
		ON CONFLICT (product, entity) DO UPDATE SET due_at = EXCLUDED.due_at, reason = EXCLUDED.reason, updated_at = now()`,
		n.Product, n.Entity, n.Due, n.Reason)
	if err != nil {
		return fmt.Errorf("save the next run of %s: %w", n.Entity, err)
	}
	return nil
}
