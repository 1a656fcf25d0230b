package daemon

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// Status prints the ledger's recent runs, each entity's freshness and the
// requests spent in the last hour per API key.
func Status(ctx context.Context, cfg *config.Config, out io.Writer) error {
	db, err := OpenDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var migrated bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('plutora_sync.runs') IS NOT NULL`).Scan(&migrated); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if !migrated {
		return fmt.Errorf("status: database %s has no ledger yet: run plutora-sync migrate, then sync", RedactURL(cfg.DatabaseURL))
	}
	entities := cfg.EnabledEntities()
	if len(entities) == 0 { // no API key here: show every entity
		entities = synctype.Entities()
	}
	return writeStatus(ctx, db.DB, out, time.Now(), entities)
}

// writeStatus prints the three tables. FRESHNESS has a line for each of
// configured and for every other entity the ledger knows.
func writeStatus(ctx context.Context, db *sql.DB, out io.Writer, now time.Time, configured []synctype.Entity) error {
	var products, names []string
	for _, e := range configured {
		products, names = append(products, string(e.Product)), append(names, e.Name)
	}
	next, err := load.NextRuns(ctx, db)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if err := writeRefusals(ctx, db, out); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	fmt.Fprintln(out, "FRESHNESS")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tENTITY\tLAST SUCCESS\tAGO\tROWS\tLAG P50\tLAG P95\tNEXT RUN\tWAIT REASON\tLAST FAILURE OR WARNING")
	// A warning run (every record it read quarantined) completed: it is the
	// last success, and while it is the last completed run, its warning is
	// shown unless a failure came after it.
	rows, err := db.QueryContext(ctx, `
		WITH last AS (
			SELECT r.id, r.product, e.entity, r.status, r.finished_at, coalesce(e.error, r.error, '') AS error,
				row_number() OVER (PARTITION BY r.product, e.entity, r.status <> 'failed' ORDER BY r.id DESC) AS n
			FROM plutora_sync.runs r JOIN plutora_sync.run_entities e ON e.run_id = r.id
			WHERE r.status IN ('success', 'warning', 'failed'))
		SELECT k.product, k.entity,
			EXISTS (SELECT FROM last WHERE last.product = k.product AND last.entity = k.entity),
			(SELECT finished_at FROM last WHERE last.product = k.product AND last.entity = k.entity AND status <> 'failed' AND n = 1),
			coalesce((SELECT CASE WHEN status = 'warning' THEN 'warning: ' ELSE '' END || error FROM last
				WHERE last.product = k.product AND last.entity = k.entity AND status IN ('failed', 'warning') AND n = 1
				ORDER BY id DESC LIMIT 1), ''),
			(SELECT array[extract(epoch FROM lag_p50), extract(epoch FROM lag_p95)]::float8[] FROM reporting.freshness_lag l WHERE l.entity = k.entity)
		FROM (SELECT product, entity FROM last
			UNION SELECT * FROM unnest($1::text[], $2::text[])) k(product, entity) ORDER BY 1, 2`,
		pq.Array(products), pq.Array(names))
	if err != nil {
		return fmt.Errorf("status: freshness: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var product, entity, failure string
		var ran bool
		var at sql.NullTime
		var lag pq.Float64Array // p50, p95 of the last hour; none for sweeps
		if err := rows.Scan(&product, &entity, &ran, &at, &failure, &lag); err != nil {
			return err
		}
		last, ago := "never synced", "-"
		switch {
		case at.Valid:
			last, ago = at.Time.UTC().Format("2006-01-02 15:04:05"), now.Sub(at.Time).Round(time.Second).String()
		case ran:
			last = "no success yet"
		}
		p50, p95 := "-", "-"
		if len(lag) == 2 {
			p50, p95 = fmt.Sprintf("%.1fs", lag[0]), fmt.Sprintf("%.1fs", lag[1])
		}
		due, why := nextRun(next[product+"/"+entity], now)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", product, entity, last, ago, countRows(ctx, db, entity), p50, p95,
			due, why, shorten(failure, 70))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	tw.Flush()

	fmt.Fprintln(out, "\nRECENT RUNS")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tENTITY\tMODE\tSTARTED\tTOOK\tSTATUS\tPAGES\tINS\tUPD\tSAME\tDEL\tQUAR\tERROR / NOTE")
	runs, err := db.QueryContext(ctx, `
		SELECT r.id, e.entity, r.mode, r.started_at, r.finished_at, r.status, e.pages, e.inserted, e.updated,
			e.unchanged, e.deleted, e.quarantined, coalesce(e.error, r.error, e.deletion_note, '')
		FROM plutora_sync.runs r JOIN plutora_sync.run_entities e ON e.run_id = r.id
		ORDER BY r.id DESC LIMIT 20`)
	if err != nil {
		return fmt.Errorf("status: runs: %w", err)
	}
	defer runs.Close()
	for runs.Next() {
		var id int64
		var entity, mode, status, note string
		var started time.Time
		var finished sql.NullTime
		var pages, ins, upd, same, del, quar int
		if err := runs.Scan(&id, &entity, &mode, &started, &finished, &status, &pages, &ins, &upd, &same, &del, &quar, &note); err != nil {
			return err
		}
		took := "-"
		if finished.Valid {
			took = finished.Time.Sub(started).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", id, entity, mode,
			started.UTC().Format("01-02 15:04:05"), took, status, pages, ins, upd, same, del, quar, shorten(note, 60))
	}
	if err := runs.Err(); err != nil {
		return err
	}
	tw.Flush()

	fmt.Fprintln(out, "\nBUDGET (requests in the last hour)")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tREQUESTS")
	bud, err := db.QueryContext(ctx, `SELECT key, sum(count) FROM plutora_sync.request_counts
		WHERE minute > $1 GROUP BY key ORDER BY key`, now.Add(-time.Hour))
	if err != nil {
		return fmt.Errorf("status: budget: %w", err)
	}
	defer bud.Close()
	for bud.Next() {
		var key string
		var n int
		if err := bud.Scan(&key, &n); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\n", key, n)
	}
	tw.Flush()
	return bud.Err()
}

// writeRefusals prints the products whose credentials the token endpoint
// refuses, and what to fix, if any.
func writeRefusals(ctx context.Context, db *sql.DB, out io.Writer) error {
	refusals, err := load.CredentialRefusals(ctx, db)
	if err != nil || len(refusals) == 0 {
		return err
	}
	fmt.Fprintln(out, "CREDENTIALS REFUSED (the product's runs wait for the next attempt)")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tSINCE\tREFUSALS\tNEXT ATTEMPT\tCODE\tFIX")
	for _, r := range refusals {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Product, r.Since.UTC().Format("2006-01-02 15:04:05"), r.Refusals,
			r.NextAttempt.UTC().Format("2006-01-02 15:04:05"), r.Code, r.Fix)
	}
	tw.Flush()
	fmt.Fprintln(out)
	return nil
}

// nextRun shows when the daemon runs an adaptively refreshed entity next
// and why it waits that long (see sync.Wait); "-" for an entity on a cron
// schedule or never polled.
func nextRun(n load.NextRun, now time.Time) (due, why string) {
	switch {
	case n.Reason == "":
		return "-", "-"
	case n.Due.After(now):
		return "in " + n.Due.Sub(now).Round(time.Second).String(), n.Reason
	default:
		return "due", n.Reason
	}
}

// countRows counts the live rows of an entity's table (-1 when unknown).
func countRows(ctx context.Context, db *sql.DB, entity string) int {
	var n int
	if !validEntity(entity) {
		return -1
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM plutora.`+entity+` WHERE _deleted_at IS NULL`).Scan(&n); err != nil {
		return -1
	}
	return n
}

func validEntity(name string) bool {
	_, ok := synctype.EntityByName(name)
	return ok
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
