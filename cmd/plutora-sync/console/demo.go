package console

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// DemoOptions configure Demo.
type DemoOptions struct {
	Force    bool    // write even into a database holding real data
	Seed     int64   // the sandbox's seed
	Scale    float64 // dataset size relative to plutoratest.DefaultSizes(); 0 = 1
	Out      io.Writer
	Progress io.Writer // as SyncOptions.Progress
	Terminal bool
}

// Demo starts the sandbox in-process, creates and migrates its database
// (DATABASE_URL, else DemoDatabaseURL), syncs every entity into it with progress, and prints what it
// loaded and example queries.
func Demo(ctx context.Context, cfg *config.Config, logger *slog.Logger, o DemoOptions) error {
	start := time.Now()
	budget := demoBudget(cfg.BudgetPerHour, o.Scale)
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: o.Seed, Sizes: scaledSizes(o.Scale), Budget: budget})
	if err != nil {
		return fmt.Errorf("demo: start sandbox: %w", err)
	}
	defer sb.Close()
	dcfg := demoConfig(cfg, sb)
	dcfg.BudgetPerHour = budget
	created, err := daemon.EnsureDatabase(ctx, dcfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if created {
		fmt.Fprintf(o.Out, "created database %s\n", daemon.RedactURL(dcfg.DatabaseURL))
	} else if !o.Force {
		if err := guard(ctx, dcfg.DatabaseURL); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.Out, "sandbox Plutora at %s, Plutora Test at %s; syncing into %s\n", sb.Plutora.URL, sb.Test.URL, daemon.RedactURL(dcfg.DatabaseURL))
	if budget != cfg.BudgetPerHour {
		fmt.Fprintf(o.Out, "budget: %d requests an hour per API key, the %d of PLUTORA_BUDGET_PER_HOUR times the scale %v, so that the larger site loads as fast as the default one\n",
			budget, cfg.BudgetPerHour, o.Scale)
	}
	// Progress shows even when the logger is quiet: bars on a terminal, plain
	// lines otherwise.
	pr, ok := o.Progress.(*Progress)
	if !ok {
		pr = NewProgress(o.Progress, o.Terminal)
	}
	pr.logger = slog.New(slog.NewTextHandler(pr, nil))
	a, err := daemon.Open(ctx, dcfg, logger, daemon.Options{Progress: pr.Page, PacerWaiting: pr.Waiting, Sandbox: true, Force: o.Force, Terminal: o.Terminal})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer a.Close()
	if _, err := a.SyncOnce(ctx, pr, nil, synctype.ModeIncremental); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The planner's statistics of the tables just filled: without them the
	// first queries of a large demo are planned as on empty tables (at
	// -scale 20 the guide's calendar query took a minute instead of
	// milliseconds), until autovacuum gets to them.
	if _, err := a.DB.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("demo: analyze: %w", err)
	}
	if err := printLoaded(ctx, a.DB.DB, o.Out, dcfg.DatabaseURL, time.Since(start)); err != nil || budget == cfg.BudgetPerHour {
		return err
	}
	fmt.Fprintf(o.Out, "For the next hour, status and its page count the demo's requests against PLUTORA_BUDGET_PER_HOUR (%d): set it to %d to see them against the demo's budget.\n",
		cfg.BudgetPerHour, budget)
	return nil
}

// demoBudget is the requests per hour per API key that demo gives its
// sandbox and its worker: the configured budget (a real key's, 26,000, by
// default) times the scale when it is above 1, so that a larger site loads
// in minutes, as the default one does, instead of waiting an hour or more
// on a real key's budget. The data is a site's, the pace the demo's: a
// release is 5 or 6 requests (its 5 sub-resources, and its detail unless
// its list item is whole), and -scale 20 holds 8,000 of them, over 40,000
// requests on their own.
func demoBudget(perHour int, scale float64) int {
	return int(math.Ceil(float64(perHour) * max(scale, 1)))
}

func scaledSizes(scale float64) plutoratest.Sizes {
	if scale <= 0 {
		scale = 1
	}
	d := plutoratest.DefaultSizes()
	f := func(n int) int { return max(1, int(float64(n)*scale)) }
	return plutoratest.Sizes{Changes: f(d.Changes), Releases: f(d.Releases), Environments: f(d.Environments),
		Hosts: f(d.Hosts), Systems: f(d.Systems), Defects: f(d.Defects)}
}

// DemoStatusAddr is the address demo offers for the status page.
const DemoStatusAddr = "127.0.0.1:8080"

// DemoDatabaseURL is the database demo writes into when DATABASE_URL is
// unset: not the daemon's default, so that the demo never lands in it.
const DemoDatabaseURL = "postgres://postgres@127.0.0.1:5432/plutora_demo?sslmode=disable"

// demoConfig points both products at the sandbox, and the database at
// DemoDatabaseURL unless DATABASE_URL was set.
func demoConfig(cfg *config.Config, sb *plutoratest.Server) *config.Config {
	d := *cfg
	if d.DatabaseURLDefault {
		d.DatabaseURL = DemoDatabaseURL
	}
	for _, p := range []struct {
		dst *config.Product
		src *plutoratest.Product
	}{{&d.Plutora, sb.Plutora}, {&d.PlutoraTest, sb.Test}} {
		c := p.src.Credentials()
		*p.dst = config.Product{APIURL: p.src.URL, TokenURL: p.src.TokenURL, ClientID: c.ClientID,
			ClientSecret: c.ClientSecret, Username: c.Username, Password: c.Password}
	}
	return &d
}

// guard returns daemon.ErrRefused when the database's ledger holds runs not
// marked as sandbox runs (real ones, or ones recorded before runs were
// marked), or rows that no sandbox run wrote. A database without a ledger is
// left to migrate, which refuses one whose schemas hold someone else's tables.
func guard(ctx context.Context, dsn string) error {
	db, err := daemon.OpenDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := load.ReadForeign(ctx, db.DB)
	switch {
	case err != nil:
		return fmt.Errorf("demo: %w", err)
	case f.Runs > 0:
		return fmt.Errorf("%w: database %s holds %d runs that did not read the sandbox (synced from %s); demo would mix sandbox records into real ones. Point DATABASE_URL at another database, or use --force",
			daemon.ErrRefused, daemon.RedactURL(dsn), f.Runs, cmp.Or(f.Source, "a source the ledger does not name"))
	case f.Rows > 0:
		return fmt.Errorf("%w: database %s holds %d %s of unknown origin (written by no sandbox run); demo would mix sandbox records into them. Point DATABASE_URL at another database, or use --force",
			daemon.ErrRefused, daemon.RedactURL(dsn), f.Rows, f.Entity)
	}
	return nil
}

// exampleQueries are printed after a demo; the demo test runs each.
var exampleQueries = []struct{ Title, SQL string }{
	{"Changes per status", `SELECT status, count(*) FROM reporting.changes GROUP BY 1 ORDER BY 2 DESC;`},
	{"The latest releases and how many changes each delivers",
		`SELECT r.release_identifier, r.name, r.implementation_date, count(rc.change_id) AS changes
FROM reporting.releases r LEFT JOIN reporting.release_changes rc USING (release_id)
GROUP BY 1, 2, 3 ORDER BY 3 DESC NULLS LAST LIMIT 10;`},
	{"Stack layers across hosts", `SELECT stack_layer, count(DISTINCT host_id) AS hosts, count(*) AS components
FROM reporting.host_stack GROUP BY 1 ORDER BY 2 DESC;`},
	{"Freshness, pending deletions and quarantine", `SELECT entity, age, is_stale, rows, pending_deletions, quarantined
FROM reporting.freshness ORDER BY entity;`},
}

// printLoaded prints the rows loaded per table and the example queries.
func printLoaded(ctx context.Context, db *sql.DB, out io.Writer, dsn string, took time.Duration) error {
	counts, err := load.EntityCounts(ctx, db)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(out, "\nloaded in %s:\n", took.Round(100*time.Millisecond))
	var table [][]string
	for _, c := range counts {
		table = append(table, []string{"  " + c.Entity, strconv.Itoa(c.Live),
			fmt.Sprintf("rows in %s (%d history rows, %d quarantined)", c.Table, c.History, c.Quarantined)})
	}
	writeTable(out, []bool{false, true, false}, table)
	redacted := daemon.RedactURL(dsn)
	psql := "psql " + shellQuote(redacted)
	if redacted != dsn {
		psql += ", with DATABASE_URL's password for xxxxx"
	}
	fmt.Fprintf(out, "\nTry these (%s):\n", psql)
	for _, q := range exampleQueries {
		fmt.Fprintf(out, "\n-- %s\n%s\n", q.Title, q.SQL)
	}
	fmt.Fprintln(out, "\nMore queries: docs/warehouse.md; every table, view and column: schema/warehouse.md.")
	fmt.Fprintf(out, "The ledger: DATABASE_URL=%s plutora-sync status\n", shellQuote(redacted))
	fmt.Fprintf(out, "The status page of this warehouse: DATABASE_URL=%s plutora-sync status --serve %s, then open http://%[2]s/\n",
		shellQuote(redacted), DemoStatusAddr)
	return nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
