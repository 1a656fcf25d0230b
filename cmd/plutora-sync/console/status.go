package console

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// Status prints the ledger's recent runs, each entity's freshness and the
// requests spent in the last hour per API key.
func Status(ctx context.Context, cfg *config.Config, out io.Writer) error {
	db, err := daemon.OpenLedger(ctx, cfg.DatabaseURL, "status")
	if err != nil {
		return err
	}
	defer db.Close()
	entities := cfg.EnabledEntities()
	if len(entities) == 0 { // no API key here: show every entity
		entities = synctype.Entities()
	}
	return writeStatus(ctx, db.DB, out, time.Now(), entities)
}

// writeStatus prints the three tables.
func writeStatus(ctx context.Context, db *sql.DB, out io.Writer, now time.Time, configured []synctype.Entity) error {
	if err := writeRefusals(ctx, db, out); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if err := writeFreshness(ctx, db, out, now, configured); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if err := writeRecentRuns(ctx, db, out); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if err := writeBudget(ctx, db, out, now); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return nil
}

// writeRecentRuns prints the ledger's last 20 lines.
func writeRecentRuns(ctx context.Context, db *sql.DB, out io.Writer) error {
	runs, err := load.LastRuns(ctx, db, 20)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nRECENT RUNS")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tENTITY\tMODE\tSTARTED\tTOOK\tSTATUS\tPAGES\tINS\tUPD\tSAME\tDEL\tQUAR\tERROR / NOTE")
	for _, r := range runs {
		took := "-"
		if r.Finished != nil {
			took = r.Finished.Sub(r.Started).Round(time.Millisecond).String()
		}
		note := cmp.Or(r.Error, r.Note)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.Entity, r.Mode,
			r.Started.UTC().Format("01-02 15:04:05"), took, r.Status, r.Pages, r.Inserted, r.Updated, r.Unchanged, r.Deleted,
			r.Quarantined, shorten(note, 60))
	}
	return tw.Flush()
}

// writeBudget prints the requests each API key made in the hour before now.
func writeBudget(ctx context.Context, db *sql.DB, out io.Writer, now time.Time) error {
	keys, err := load.RequestsSince(ctx, db, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nBUDGET (requests in the last hour)")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tREQUESTS")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%d\n", k.Key, k.Count)
	}
	return tw.Flush()
}

// writeFreshness prints reporting.freshness: a line for each of configured
// and for every other entity the ledger knows a completed or failed run of.
func writeFreshness(ctx context.Context, db *sql.DB, out io.Writer, now time.Time, configured []synctype.Entity) error {
	entities, err := load.ReadFreshness(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "FRESHNESS")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tENTITY\tLAST SUCCESS\tAGO\tROWS\tLAG P50\tLAG P95\tNEXT RUN\tWAIT REASON\tLAST FAILURE OR WARNING")
	for _, e := range entities {
		ran := e.LastSuccess != nil || e.LastFailureAt != nil
		if !ran && !slices.ContainsFunc(configured, func(c synctype.Entity) bool { return c.Name == e.Entity }) {
			continue
		}
		last, ago := "never synced", "-"
		switch {
		case e.LastSuccess != nil:
			last, ago = e.LastSuccess.UTC().Format("2006-01-02 15:04:05"), now.Sub(*e.LastSuccess).Round(time.Second).String()
		case ran:
			last = "no success yet"
		}
		due, why := nextRun(e, now)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", e.Product, e.Entity, last, ago, e.Rows,
			lagOf(e.LagP50), lagOf(e.LagP95), due, why, shorten(failureOrWarning(e), 70))
	}
	return tw.Flush()
}

// failureOrWarning is the error of the entity's last failed run, or the
// warning of its last completed run while that run is the later one.
func failureOrWarning(e load.EntityStatus) string {
	if e.WarningAt != nil && (e.LastFailureAt == nil || e.WarningAt.After(*e.LastFailureAt)) {
		return "warning: " + e.Warning
	}
	return e.LastFailure
}

// lagOf shows a lag of the last hour; "-" for none (a sweep, or no change).
func lagOf(d *time.Duration) string {
	if d == nil {
		return "-"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
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
func nextRun(e load.EntityStatus, now time.Time) (due, why string) {
	switch {
	case e.NextReason == "" || e.NextDue == nil:
		return "-", "-"
	case e.NextDue.After(now):
		return "in " + e.NextDue.Sub(now).Round(time.Second).String(), e.NextReason
	default:
		return "due", e.NextReason
	}
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
