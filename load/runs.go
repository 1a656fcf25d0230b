package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// StartRun records a new run of (product, entity, mode) and points the
// checkpoint at it, at page r.StartPage (0, or the place a failed run kept).
// A run of the same job still marked running (its worker died) is marked
// abandoned. To resume an interrupted run instead, keep its
// synctype.Checkpoint.RunID and NextPage and do not call StartRun.
func (w *Writer) StartRun(ctx context.Context, r synctype.RunStart) (runID int64, err error) {
	spec, err := specFor(r.Entity)
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	if !r.Mode.Valid() {
		return 0, fmt.Errorf("start %s run: unknown mode %q (incremental, sweep or census)", r.Entity, r.Mode)
	}
	if r.Product == "" {
		r.Product = spec.Product
	}
	err = w.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			UPDATE plutora_sync.runs r SET status = 'abandoned', finished_at = now(),
				error = 'the worker stopped before the run finished'
			FROM plutora_sync.run_entities e
			WHERE e.run_id = r.id AND r.status = 'running' AND r.product = $1 AND e.entity = $2 AND r.mode = $3`,
			r.Product, r.Entity, r.Mode); err != nil {
			return err
		}
		var started *time.Time
		if !r.StartedAt.IsZero() {
			started = &r.StartedAt
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO plutora_sync.runs (product, mode, source_url, note, started_at, sandbox)
			VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), COALESCE($5, now()), $6) RETURNING id`,
			r.Product, r.Mode, r.SourceURL, r.Note, started, r.Sandbox).Scan(&runID); err != nil {
			return err
		}
		// The watermark before is the caller's, else the checkpoint's.
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO plutora_sync.run_entities (run_id, entity, mode, watermark_before, watermark_after)
			SELECT $1, $2, $3, w, w FROM (SELECT COALESCE($5::timestamptz, max(watermark)) AS w
				FROM plutora_sync.checkpoints WHERE product = $4 AND entity = $2) c`,
			runID, r.Entity, r.Mode, r.Product, r.WatermarkBefore); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO plutora_sync.checkpoints AS k (product, entity, mode, run_id, next_page, since, total_count)
			VALUES ($1, $2, $3, $4, $6, $5, 0)
			ON CONFLICT (product, entity, mode) DO UPDATE SET run_id = EXCLUDED.run_id, next_page = EXCLUDED.next_page,
				since = EXCLUDED.since, total_count = CASE WHEN EXCLUDED.next_page > 0 THEN k.total_count ELSE 0 END,
				updated_at = now()`,
			r.Product, r.Entity, r.Mode, runID, r.Since, r.StartPage)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start %s %s run: %w", r.Entity, r.Mode, err)
	}
	return runID, nil
}

// FinishRun records how a run ended, releases its checkpoint and forgets its
// census ids. After a success (or a warning: synctype.Outcome.Completed) the
// next run starts at page 0 (the watermark stays), and a census's success
// also clears the failed places of the entity's other jobs; a failed or
// skipped run keeps its next page, with r.PageFailures and the error, so
// that the next run continues there. Call MarkDeleted, if at all, before
// FinishRun. Now and then it also prunes the quarantine (QuarantineRetention).
func (w *Writer) FinishRun(ctx context.Context, r synctype.RunResult) error {
	if !r.Outcome.Valid() {
		return fmt.Errorf("finish run %d: unknown outcome %q (success, warning, failed or skipped)", r.RunID, r.Outcome)
	}
	err := w.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE plutora_sync.runs SET status = $2, finished_at = now(), error = NULLIF($3, ''),
				resumed = resumed OR $4, sandbox = COALESCE($5, sandbox) WHERE id = $1`,
			r.RunID, r.Outcome, r.Error, r.Resumed, r.Sandbox)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("no run %d in the ledger", r.RunID)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE plutora_sync.run_entities SET requests = $2, throttled = $3, retries = $4, token_renewals = $5,
				total_first = COALESCE(NULLIF($6, 0), total_first), total_last = COALESCE(NULLIF($7, 0), total_last),
				budget_used = $8, budget_limit = $9, error = NULLIF($10, ''),
				watermark_after = COALESCE($11, watermark_after),
				details = $12, refreshed = $13, fallback = NULLIF($14, '')
			WHERE run_id = $1`,
			r.RunID, r.Requests, r.Throttled, r.Retries, r.TokenRenewals, r.TotalFirst, r.TotalLast,
			r.BudgetUsed, r.BudgetLimit, r.Error, r.WatermarkAfter, r.Details, r.Refreshed, r.Fallback); err != nil {
			return err
		}
		if err := releaseCheckpoint(ctx, tx, r); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM plutora_sync.census_seen WHERE run_id = $1`, r.RunID)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", r.RunID, err)
	}
	w.pruneQuarantine(ctx)
	return nil
}

// releaseCheckpoint frees the checkpoint of a finished run: see FinishRun.
func releaseCheckpoint(ctx context.Context, tx *sql.Tx, r synctype.RunResult) error {
	ok := r.Outcome.Completed()
	if _, err := tx.ExecContext(ctx, `
		UPDATE plutora_sync.checkpoints SET run_id = NULL, updated_at = now(),
			next_page = CASE WHEN $3 THEN 0 ELSE next_page END,
			failures = CASE WHEN $3 THEN 0 ELSE $4 END,
			failure = CASE WHEN $3 OR $4 = 0 THEN NULL ELSE NULLIF($5, '') END,
			watermark = GREATEST(watermark, $2::timestamptz)
		WHERE run_id = $1`,
		r.RunID, r.WatermarkAfter, ok, r.PageFailures, r.Error); err != nil {
		return err
	}
	if !ok || r.Mode != synctype.ModeCensus {
		return nil
	}
	// A census read every page: the page another job kept failing at gets a new try.
	_, err := tx.ExecContext(ctx, `
		UPDATE plutora_sync.checkpoints k SET next_page = 0, failures = 0, failure = NULL, updated_at = now()
		FROM plutora_sync.runs x
		WHERE x.id = $1 AND k.product = x.product AND k.entity = $2 AND k.run_id IS NULL AND k.failures > 0`,
		r.RunID, r.Entity)
	return err
}

// synctype.Checkpoint returns the checkpoint of (product, entity): the one of a run in
// progress if there is one (the most recently written), else the most
// recently written. Watermark is the newest over all modes. found is false
// when the job never ran.
func (w *Writer) Checkpoint(ctx context.Context, product synctype.Product, entity string) (cp synctype.Checkpoint, found bool, err error) {
	return w.checkpoint(ctx, product, entity, "")
}

// CheckpointMode is synctype.Checkpoint for one mode of (product, entity).
func (w *Writer) CheckpointMode(ctx context.Context, product synctype.Product, entity string, mode synctype.Mode) (cp synctype.Checkpoint, found bool, err error) {
	return w.checkpoint(ctx, product, entity, mode)
}

func (w *Writer) checkpoint(ctx context.Context, product synctype.Product, entity string, mode synctype.Mode) (synctype.Checkpoint, bool, error) {
	var cp synctype.Checkpoint
	var runID sql.NullInt64
	var since, wm sql.NullTime
	err := w.db.QueryRowContext(ctx, `
		SELECT product, entity, mode, run_id, next_page, since, total_count, first_total, failures, coalesce(failure, ''),
			(SELECT max(watermark) FROM plutora_sync.checkpoints a WHERE a.product = c.product AND a.entity = c.entity)
		FROM plutora_sync.checkpoints c
		WHERE product = $1 AND entity = $2 AND ($3 = '' OR mode = $3)
		ORDER BY run_id IS NOT NULL DESC, updated_at DESC LIMIT 1`, product, entity, mode).
		Scan(&cp.Product, &cp.Entity, &cp.Mode, &runID, &cp.NextPage, &since, &cp.TotalCount, &cp.FirstTotal, &cp.Failures, &cp.Failure, &wm)
	if errors.Is(err, sql.ErrNoRows) {
		return synctype.Checkpoint{}, false, nil
	}
	if err != nil {
		return synctype.Checkpoint{}, false, fmt.Errorf("read %s checkpoint: %w", entity, err)
	}
	cp.RunID = runID.Int64
	cp.Since = timePtr(since)
	cp.Watermark = timePtr(wm)
	return cp, true, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (w *Writer) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
