package daemon

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// Check verifies the configuration, the database, a token for each product,
// a cheap API call (GET /me) that proves the IP whitelist admits this host,
// and prints the budget plan. It warns (without failing) when the database
// is on the network and its certificate is not verified. It returns an error
// naming every failed check.
func Check(ctx context.Context, cfg *config.Config, logger *slog.Logger, out io.Writer) error {
	var failed []string
	report := func(what string, err error, okText string) {
		if err != nil {
			// "config  FAIL  no product…", not "config  FAIL  config: no product…"
			fmt.Fprintf(out, "%-28s FAIL  %s\n", what, strings.TrimPrefix(err.Error(), what+": "))
			failed = append(failed, what)
			return
		}
		fmt.Fprintf(out, "%-28s ok    %s\n", what, okText)
	}
	report("config", cfg.RequireProduct(), fmt.Sprintf("%d entities to sync", len(cfg.EnabledEntities())))

	totals := map[string]int{}
	db, err := OpenDB(ctx, cfg.DatabaseURL)
	if err == nil {
		cur, target, verr := schema.Version(ctx, db.DB)
		switch {
		case verr != nil:
			err = verr
		case cur < target:
			err = fmt.Errorf("schema version %d of %d: run plutora-sync migrate (sync and run migrate at start too)", cur, target)
		default:
			totals = knownTotals(ctx, db.DB)
		}
		db.Close()
	}
	report("database", err, RedactURL(cfg.DatabaseURL))
	if w, werr := dbTLSWarning(cfg.DatabaseURL); werr == nil && w != "" {
		fmt.Fprintf(out, "%-28s WARN  %s\n", "database tls", w)
	}

	for _, product := range synctype.Products() {
		pc := cfg.ProductConfig(product)
		if !pc.Enabled() {
			fmt.Fprintf(out, "%-28s skip  no %s credentials\n", product, product)
			continue
		}
		me, err := checkProduct(ctx, cfg, product, pc, logger)
		report(string(product)+" token+whitelist", err, fmt.Sprintf("GET %s/me answered %q", pc.APIURL, me))
	}

	lists := checkLists(ctx, cfg, logger)
	kinds, sizes := listPlan(lists)
	plans, err := cfg.PlanBudget(time.Now(), totals)
	if err != nil {
		report("budget plan", err, "")
	}
	cfg.AddDetails(plans, kinds, withSizes(totals, sizes))
	for _, p := range plans {
		var perr error
		if p.Over() {
			perr = fmt.Errorf("%s; %s", p, p.Advice())
		}
		report("budget plan "+string(p.Product), perr, p.String())
	}
	writePlan(out, plans)
	writeLists(out, lists, cfg.BudgetLimit())
	if len(failed) > 0 {
		// Each failure was printed above with its reason: name them only.
		return fmt.Errorf("check: %d failed: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// writePlan prints each entity's requests per hour by class of work, on
// average over a week, and its share of the product's budget.
func writePlan(out io.Writer, plans []config.Plan) {
	if len(plans) == 0 {
		return
	}
	fmt.Fprintln(out, "\nBUDGET PLAN (requests per hour, averaged over a week; SIZE is the last census or sweep's totalCount; POLLS and the adaptive SWEEPS are the most their budget shares allow)")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tENTITY\tSIZE\tPOLLS\tINCREMENTAL\tSWEEPS\tDETAILS\tCENSUS\tTOTAL\tOF BUDGET")
	for _, p := range plans {
		var sum float64
		for _, e := range p.Entities {
			size := "unknown"
			if e.Size > 0 {
				size = strconv.Itoa(e.Size)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Product, e.Entity, size,
				perHour(e.Polls), perHour(e.Incremental), perHour(e.Sweep), perHour(e.Detail), perHour(e.Census), perHour(e.PerHour()), percent(e.Share))
			sum += e.PerHour()
		}
		fmt.Fprintf(tw, "%s\tall\t\t\t\t\t\t%s\t%s\n", p.Product, perHour(sum), percent(sum/float64(p.Limit)))
	}
	tw.Flush()
}

func perHour(v float64) string {
	switch {
	case v == 0:
		return "-"
	case v < 0.1: // a daily census of one page: 0.04 an hour
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

func percent(share float64) string {
	if share > 0 && share < 0.001 {
		return "<0.1%"
	}
	return strconv.FormatFloat(share*100, 'f', 1, 64) + "%"
}

// checkProduct gets a token and calls /me.
func checkProduct(ctx context.Context, cfg *config.Config, product synctype.Product, pc config.Product, logger *slog.Logger) (string, error) {
	c, err := extract.New(ctx, extract.Config{
		Product: product, Endpoints: extract.Endpoints{APIURL: pc.APIURL, TokenURL: pc.TokenURL},
		ClientID: pc.ClientID, ClientSecret: pc.ClientSecret, Username: pc.Username, Password: pc.Password,
		Budget: cfg.BudgetPerHour, Reserve: reserve(cfg.BudgetReserve), Logger: logger,
		MaxAttempts: 2, RetryTimeout: 30 * time.Second,
	})
	if err != nil {
		return "", err
	}
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return c.Me(cctx)
}

// knownTotals reads the last totalCount of each entity's sweeps and censuses
// (incremental checkpoints count only modified records).
func knownTotals(ctx context.Context, db *sql.DB) map[string]int {
	totals := map[string]int{}
	rows, err := db.QueryContext(ctx, `SELECT entity, max(total_count) FROM plutora_sync.checkpoints
		WHERE mode IN ('sweep', 'census') GROUP BY entity`)
	if err != nil {
		return totals
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var n int
		if rows.Scan(&e, &n) == nil && n > 0 {
			totals[e] = n
		}
	}
	return totals
}
