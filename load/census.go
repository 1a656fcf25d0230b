package load

import (
	"context"
	"database/sql"
	"fmt"
)

// MarkDeleted sets _deleted_at on the rows of entity that census run runID
// did not see, when the census was complete — totalCount did not move from
// the first page (totalFirst) to the last (totalLast), and the distinct ids
// seen equal it — and when the rows to mark are at most maxShare (0..1) of the
// live rows. Otherwise it marks nothing and reason says why. The outcome is
// recorded in the run's ledger row. Rows are never removed; one that
// reappears later gets _deleted_at cleared by WritePage.
func (w *Writer) MarkDeleted(ctx context.Context, runID int64, entity string, totalFirst, totalLast int, maxShare float64) (deleted int, reason string, err error) {
	spec, err := specFor(entity)
	if err != nil {
		return 0, "", fmt.Errorf("mark deleted: %w", err)
	}
	if maxShare < 0 || maxShare > 1 {
		return 0, "", fmt.Errorf("mark deleted %s: share %v is not between 0 and 1", entity, maxShare)
	}
	err = w.inTx(ctx, func(tx *sql.Tx) error {
		var seen, live, missing int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM plutora_sync.census_seen WHERE run_id = $1`, runID).Scan(&seen); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `
			SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
				SELECT 1 FROM plutora_sync.census_seen s WHERE s.run_id = $1 AND s.id = t.id))
			FROM `+spec.table+` t WHERE t._deleted_at IS NULL`, runID).Scan(&live, &missing); err != nil {
			return err
		}
		complete := totalFirst == totalLast && seen == totalLast
		switch {
		case totalFirst != totalLast:
			reason = fmt.Sprintf("incomplete census: totalCount moved from %d to %d while paging", totalFirst, totalLast)
		case seen != totalLast:
			reason = fmt.Sprintf("incomplete census: %d distinct ids seen, totalCount says %d", seen, totalLast)
		case missing > 0 && float64(missing) > maxShare*float64(live):
			reason = fmt.Sprintf("would mark %d of %d rows deleted (%.1f%%), over the %.1f%% cap",
				missing, live, 100*float64(missing)/float64(live), 100*maxShare)
		case missing > 0:
			res, err := tx.ExecContext(ctx, `
				UPDATE `+spec.table+` t SET _deleted_at = now(), _synced_at = now(), _run_id = $1
				WHERE t._deleted_at IS NULL AND NOT EXISTS (
					SELECT 1 FROM plutora_sync.census_seen s WHERE s.run_id = $1 AND s.id = t.id)`, runID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			deleted = int(n)
		}
		_, err := tx.ExecContext(ctx, `
			UPDATE plutora_sync.run_entities SET deleted = $3, ids_seen = $4, complete = $5,
				deletion_note = NULLIF($6, ''), total_first = $7, total_last = $8
			WHERE run_id = $1 AND entity = $2`,
			runID, entity, deleted, seen, complete, reason, totalFirst, totalLast)
		return err
	})
	if err != nil {
		return 0, "", fmt.Errorf("mark deleted %s (run %d): %w", entity, runID, err)
	}
	if reason != "" {
		w.logger.WarnContext(ctx, "deletions skipped", "entity", entity, "run", runID, "reason", reason)
	}
	return deleted, reason, nil
}
