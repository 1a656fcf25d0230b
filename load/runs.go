package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RunStart opens a run in the ledger.
type RunStart struct {
	Product string // "plutora" or "plutoratest"; "" = the entity's product
	Entity  string
	Mode    string     // ModeIncremental, ModeSweep or ModeCensus
	Since   *time.Time // the filter lower bound of this run (incremental), kept in the checkpoint

	SourceURL string // the API base URL read from (never with credentials)
	Note      string // e.g. a budget-plan warning
}

// RunResult closes a run in the ledger. Page counts are already there (each
// page adds its own); these are what only the caller knows.
type RunResult struct {
	RunID  int64
	Status string // "success", "failed" or "skipped"
	Error  string // what went wrong, for people; never a secret

	Requests, Throttled, Retries, TokenRenewals int
	TotalFirst, TotalLast                       int // totalCount on the first and the last page
	BudgetUsed, BudgetLimit                     int // the key's requests in the rolling window, and its limit

	Resumed bool // the run resumed after its worker stopped
	// WatermarkAfter is the watermark at the end, when the caller knows better
	// than the pages; it also advances the checkpoint's watermark (never back).
	WatermarkAfter *time.Time
}

// StartRun records a new run of (product, entity, mode) and points the
// checkpoint at it, page 0. A run of the same job still marked running (its
// worker died) is marked abandoned. To resume a run instead, keep its
// Checkpoint.RunID and NextPage and do not call StartRun.
func (w *Writer) StartRun(ctx context.Context, r RunStart) (runID int64, err error) {
	spec, err := specFor(r.Entity)
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	if r.Mode != ModeIncremental && r.Mode != ModeSweep && r.Mode != ModeCensus {
		return 0, fmt.Errorf("start %s run: unknown mode %q (incremental, sweep or census)", r.Entity, r.Mode)
	}
	if r.Product == "" {
		r.Product = spec.product
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
		if err := tx.QueryRowContext(ctx, `INSERT INTO plutora_sync.runs (product, mode, source_url, note)
			VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, '')) RETURNING id`,
			r.Product, r.Mode, r.SourceURL, r.Note).Scan(&runID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO plutora_sync.run_entities (run_id, entity, mode, watermark_before, watermark_after)
			SELECT $1, $2, $3, w, w FROM (SELECT max(watermark) AS w FROM plutora_sync.checkpoints
				WHERE product = $4 AND entity = $2) c`,
			runID, r.Entity, r.Mode, r.Product); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO plutora_sync.checkpoints (product, entity, mode, run_id, next_page, since, total_count)
			VALUES ($1, $2, $3, $4, 0, $5, 0)
			ON CONFLICT (product, entity, mode) DO UPDATE SET run_id = EXCLUDED.run_id, next_page = 0,
				since = EXCLUDED.since, total_count = 0, updated_at = now()`,
			r.Product, r.Entity, r.Mode, runID, r.Since)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start %s %s run: %w", r.Entity, r.Mode, err)
	}
	return runID, nil
}

// FinishRun records how a run ended, releases its checkpoint (the next run
// starts at page 0; the watermark stays) and forgets its census ids. Call
// MarkDeleted, if at all, before FinishRun.
func (w *Writer) FinishRun(ctx context.Context, r RunResult) error {
	switch r.Status {
	case "success", "failed", "skipped":
	default:
		return fmt.Errorf("finish run %d: unknown status %q (success, failed or skipped)", r.RunID, r.Status)
	}
	err := w.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE plutora_sync.runs SET status = $2, finished_at = now(), error = NULLIF($3, ''),
				resumed = resumed OR $4 WHERE id = $1`,
			r.RunID, r.Status, r.Error, r.Resumed)
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
				watermark_after = COALESCE($11, watermark_after)
			WHERE run_id = $1`,
			r.RunID, r.Requests, r.Throttled, r.Retries, r.TokenRenewals, r.TotalFirst, r.TotalLast,
			r.BudgetUsed, r.BudgetLimit, r.Error, r.WatermarkAfter); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE plutora_sync.checkpoints SET run_id = NULL, next_page = 0, updated_at = now(),
				watermark = GREATEST(watermark, $2::timestamptz)
			WHERE run_id = $1`,
			r.RunID, r.WatermarkAfter); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM plutora_sync.census_seen WHERE run_id = $1`, r.RunID)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", r.RunID, err)
	}
	return nil
}

// Checkpoint is where a job (product, entity) stands.
type Checkpoint struct {
	Product, Entity, Mode string
	RunID                 int64      // run in progress (0 = none)
	NextPage              int        // next page to fetch
	Since                 *time.Time // the filter lower bound of the run in progress
	Watermark             *time.Time // last committed max lastModifiedDate (over all modes)
	TotalCount            int        // totalCount of the last committed page
}

// Checkpoint returns the checkpoint of (product, entity): the one of a run in
// progress if there is one (the most recently written), else the most
// recently written. Watermark is the newest over all modes. found is false
// when the job never ran.
func (w *Writer) Checkpoint(ctx context.Context, product, entity string) (cp Checkpoint, found bool, err error) {
	return w.checkpoint(ctx, product, entity, "")
}

// CheckpointMode is Checkpoint for one mode of (product, entity).
func (w *Writer) CheckpointMode(ctx context.Context, product, entity, mode string) (cp Checkpoint, found bool, err error) {
	return w.checkpoint(ctx, product, entity, mode)
}

func (w *Writer) checkpoint(ctx context.Context, product, entity, mode string) (Checkpoint, bool, error) {
	var cp Checkpoint
	var runID sql.NullInt64
	var since, wm sql.NullTime
	err := w.db.QueryRowContext(ctx, `
		SELECT product, entity, mode, run_id, next_page, since, total_count,
			(SELECT max(watermark) FROM plutora_sync.checkpoints a WHERE a.product = c.product AND a.entity = c.entity)
		FROM plutora_sync.checkpoints c
		WHERE product = $1 AND entity = $2 AND ($3 = '' OR mode = $3)
		ORDER BY run_id IS NOT NULL DESC, updated_at DESC LIMIT 1`, product, entity, mode).
		Scan(&cp.Product, &cp.Entity, &cp.Mode, &runID, &cp.NextPage, &since, &cp.TotalCount, &wm)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("read %s checkpoint: %w", entity, err)
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
