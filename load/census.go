package load

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// seenProbes is how many seen ids Candidates returns: one of them may have
// been deleted since the census read it.
const seenProbes = 3

// Candidates returns up to limit of the rows census c did not see.
func (w *Writer) Candidates(ctx context.Context, c synctype.Census, limit int) (synctype.CensusCandidates, error) {
	spec, err := checkCensus(c)
	if err != nil {
		return synctype.CensusCandidates{}, err
	}
	var out synctype.CensusCandidates
	err = w.inTx(ctx, func(tx *sql.Tx) error {
		v, err := tally(ctx, tx, spec, c)
		if err != nil {
			return err
		}
		// An incomplete census still names its unseen rows: a row the API
		// then confirms gone one by one is gone, whatever the counts say.
		out.Total, out.Incomplete = v.missing, v.incomplete(c)
		if out.Incomplete == "" {
			out.Reason = v.overCap(c, v.missing)
		}
		if out.Reason != "" || v.missing == 0 {
			return nil
		}
		out.IDs, err = queryTexts(ctx, tx, `
			SELECT t.id::text FROM `+spec.Table+` t WHERE `+unseen+`
			ORDER BY t.id LIMIT $2`, c.RunID, limit)
		if err != nil {
			return err
		}
		out.SeenIDs, err = queryTexts(ctx, tx, `SELECT id::text FROM plutora_sync.census_seen WHERE run_id = $1 LIMIT $2`, c.RunID, seenProbes)
		return err
	})
	if err != nil {
		return synctype.CensusCandidates{}, fmt.Errorf("census candidates of %s (run %d): %w", c.Entity, c.RunID, err)
	}
	return out, nil
}

// MarkDeleted sets _deleted_at on the rows of the entity that census run
// c.RunID did not see, when the census was complete — totalCount did not
// move from the first page to the last, and the distinct ids seen equal it —
// and when the rows to mark are at most c.MaxShare of the live rows.
// Otherwise it marks nothing and reason says why. With only non-nil, it
// marks only those of the unseen rows (the ones the API confirmed gone);
// note, when not empty, is recorded with the outcome. The outcome is
// recorded in the run's ledger row. Rows are never removed; one that
// reappears later gets _deleted_at cleared by WritePage.
func (w *Writer) MarkDeleted(ctx context.Context, c synctype.Census, only []string, note string) (deleted int, reason string, err error) {
	spec, err := checkCensus(c)
	if err != nil {
		return 0, "", err
	}
	var refused string // why the counts allow no marking
	err = w.inTx(ctx, func(tx *sql.Tx) error {
		v, err := tally(ctx, tx, spec, c)
		if err != nil {
			return err
		}
		refused = v.refusal(c, only)
		reason = refused
		if reason == "" && v.missing > 0 && (only == nil || len(only) > 0) {
			if err := tx.QueryRowContext(ctx, markStatement(spec), c.RunID, pqArray(only)).Scan(&deleted); err != nil {
				return err
			}
		}
		if reason == "" {
			reason = joinNotes(v.confirmedOnly(c, only), note)
		}
		// The rows not seen and not marked stay live: the ledger keeps how
		// many, and reporting.freshness shows them with the reason.
		_, err = tx.ExecContext(ctx, `
			UPDATE plutora_sync.run_entities SET deleted = $3, ids_seen = $4, complete = $5,
				deletion_note = NULLIF($6, ''), total_first = $7, total_last = $8, pending_deletions = $9
			WHERE run_id = $1 AND entity = $2`,
			c.RunID, c.Entity, deleted, v.seen, v.complete(c), reason, c.TotalFirst, c.TotalLast, v.missing-deleted)
		return err
	})
	if err != nil {
		return 0, "", fmt.Errorf("mark deleted %s (run %d): %w", c.Entity, c.RunID, err)
	}
	if refused != "" {
		w.logger.WarnContext(ctx, "deletions skipped", "entity", c.Entity, "run", c.RunID, "reason", refused)
	}
	return deleted, reason, nil
}

// markStatement marks the live rows of spec that census run $1 did not see
// (only those in $2 unless it is NULL) deleted, closes their open status
// periods, and returns how many it marked.
func markStatement(spec *entitySpec) string {
	closePeriods := ""
	if spec.Periods != nil {
		closePeriods = `, closed AS (
				UPDATE ` + spec.periodsTable() + ` p SET valid_to = GREATEST(p.valid_from, now())
				WHERE p.valid_to IS NULL AND p.id IN (SELECT id FROM marked))`
	}
	return `WITH marked AS (
				UPDATE ` + spec.Table + ` t SET _deleted_at = now(), _synced_at = now(), _run_id = $1
				WHERE ` + unseen + `
					AND ($2::uuid[] IS NULL OR t.id = ANY ($2::uuid[]))
				RETURNING t.id)` + closePeriods + `
			SELECT count(*) FROM marked`
}

func checkCensus(c synctype.Census) (*entitySpec, error) {
	spec, err := specFor(c.Entity)
	if err != nil {
		return nil, fmt.Errorf("mark deleted: %w", err)
	}
	if c.MaxShare < 0 || c.MaxShare > 1 {
		return nil, fmt.Errorf("mark deleted %s: share %v is not between 0 and 1", c.Entity, c.MaxShare)
	}
	return spec, nil
}

// censusTally counts a census run's ids against the table.
type censusTally struct {
	seen    int // distinct ids the run saw
	live    int // rows not marked deleted
	missing int // of which the run did not see, and no other run wrote since it began
}

func tally(ctx context.Context, tx *sql.Tx, spec *entitySpec, c synctype.Census) (censusTally, error) {
	var v censusTally
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM plutora_sync.census_seen WHERE run_id = $1`, c.RunID).Scan(&v.seen); err != nil {
		return v, err
	}
	err := tx.QueryRowContext(ctx, `
		SELECT count(*) FILTER (WHERE t._deleted_at IS NULL), count(*) FILTER (WHERE `+unseen+`)
		FROM `+spec.Table+` t`, c.RunID).Scan(&v.live, &v.missing)
	return v, err
}

// unseen selects the rows t of census run $1's entity that may have gone:
// live, not seen by the census, and not written by another run since the
// census began. Polls and sweeps run beside a census: a record created
// after the census read its last page, and loaded by a poll, is alive.
const unseen = `t._deleted_at IS NULL AND NOT EXISTS (
		SELECT 1 FROM plutora_sync.census_seen s WHERE s.run_id = $1 AND s.id = t.id)
	AND t._synced_at < (SELECT r.recorded_at FROM plutora_sync.runs r WHERE r.id = $1)`

func (v censusTally) complete(c synctype.Census) bool {
	return c.TotalFirst == c.TotalLast && v.seen == c.TotalLast
}

// incomplete says why census c does not prove the rows it did not see are
// gone, or "" when it does: totalCount moved while it paged, or it saw
// fewer distinct ids than totalCount (an insert and a delete shifted a
// record past it).
func (v censusTally) incomplete(c synctype.Census) string {
	switch {
	case c.TotalFirst != c.TotalLast:
		return fmt.Sprintf("incomplete census: totalCount moved from %d to %d while paging", c.TotalFirst, c.TotalLast)
	case v.seen != c.TotalLast:
		return fmt.Sprintf("incomplete census: %d distinct ids seen, totalCount says %d", v.seen, c.TotalLast)
	}
	return ""
}

// overCap says why marking n rows would pass c's share of the live rows,
// or "" when it would not.
func (v censusTally) overCap(c synctype.Census, n int) string {
	if n > 0 && float64(n) > c.MaxShare*float64(v.live) {
		return fmt.Sprintf("would mark %d of %d rows deleted (%.1f%%), over the %.1f%% cap",
			n, v.live, 100*float64(n)/float64(v.live), 100*c.MaxShare)
	}
	return ""
}

// refusal says why no row may be marked deleted, or "" when they may.
// Trusting the counts alone (only nil), the census must be complete and
// its unseen rows within the cap. Marking only the rows the API confirmed
// gone one by one, the census may be incomplete (a confirmed row is gone
// whatever the counts say, docs/design.md, "The census and deletions"),
// and those rows must be within the cap.
func (v censusTally) refusal(c synctype.Census, only []string) string {
	if only != nil {
		return v.overCap(c, len(only))
	}
	if why := v.incomplete(c); why != "" {
		return why
	}
	return v.overCap(c, v.missing)
}

// confirmedOnly is the ledger's note when an incomplete census marked the
// rows the API confirmed gone: why it marked no more.
func (v censusTally) confirmedOnly(c synctype.Census, only []string) string {
	if only == nil {
		return ""
	}
	if why := v.incomplete(c); why != "" {
		return why + ": marked only the rows the API confirmed gone"
	}
	return ""
}

// joinNotes joins the non-empty notes with "; ".
func joinNotes(notes ...string) string {
	return strings.Join(slices.DeleteFunc(notes, func(s string) bool { return s == "" }), "; ")
}

// queryTexts returns the one text column of query's rows.
func queryTexts(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// pqArray is ids as an array parameter, NULL when ids is nil.
func pqArray(ids []string) any {
	if ids == nil {
		return nil
	}
	return pq.Array(ids)
}
