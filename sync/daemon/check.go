package daemon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	var failed []error
	report := func(what string, err error, okText string) {
		if err != nil {
			fmt.Fprintf(out, "%-28s FAIL  %v\n", what, err)
			failed = append(failed, fmt.Errorf("%s: %w", what, err))
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
			err = fmt.Errorf("schema version %d of %d: run plutora-sync migrate (run does it at start)", cur, target)
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

	plans, err := cfg.PlanBudget(time.Now(), totals)
	if err != nil {
		report("budget plan", err, "")
	}
	for _, p := range plans {
		var perr error
		if p.Over() {
			perr = fmt.Errorf("%s; %s", p, p.Advice())
		}
		report("budget plan "+string(p.Product), perr, p.String())
	}
	return errors.Join(failed...)
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
