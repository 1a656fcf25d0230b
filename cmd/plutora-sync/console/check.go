package console

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// checkWidth is the width check's output keeps to: longer reasons and
// titles wrap, indented under their column.
const checkWidth = 120

// checkLines prints check's lines, "what  ok|FAIL|WARN|skip  reason", and
// remembers the failed checks.
type checkLines struct {
	out    io.Writer
	failed []string
}

// line prints one check; a reason of several lines (one per bad variable)
// or longer than the width continues on lines of its own under it.
func (c *checkLines) line(what, state, reason string) {
	const indent = 28 + 1 + 4 + 2
	for i, l := range wrap(reason, checkWidth-indent) {
		if i == 0 {
			fmt.Fprintf(c.out, "%-28s %-4s  %s\n", what, state, l)
		} else {
			fmt.Fprintf(c.out, "%*s%s\n", indent, "", l)
		}
	}
}

// report prints what's outcome: ok with okText, or FAIL with err's reason.
func (c *checkLines) report(what string, err error, okText string) {
	if err == nil {
		c.line(what, "ok", okText)
		return
	}
	// "config  FAIL  no product…", not "config  FAIL  config: no product…"
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		lines = append(lines, strings.TrimPrefix(l, what+": "))
	}
	c.line(what, "FAIL", strings.Join(lines, "\n"))
	c.failed = append(c.failed, what)
}

// err names every failed check: each was printed above with its reason.
func (c *checkLines) err() error {
	if len(c.failed) == 0 {
		return nil
	}
	return fmt.Errorf("check: %d failed: %s", len(c.failed), strings.Join(c.failed, ", "))
}

// CheckConfigFailed prints check's config line for a configuration that did
// not load, with each bad value, and returns check's error.
func CheckConfigFailed(out io.Writer, err error) error {
	c := &checkLines{out: out}
	c.report("config", err, "")
	return c.err()
}

// Check verifies the configuration, the database, a token for each product,
// a cheap API call (GET /me) that proves the IP whitelist admits this host,
// and prints the budget plan. It warns (without failing) when the database
// is on the network and its certificate is not verified, and when a setting
// is overridden by others. It returns an error naming every failed check.
func Check(ctx context.Context, cfg *config.Config, logger *slog.Logger, out io.Writer) error {
	c := &checkLines{out: out}
	c.report("config", cfg.RequireProduct(), fmt.Sprintf("%d entities to sync", len(cfg.EnabledEntities())))
	for _, w := range cfg.Warnings {
		c.line("config", "WARN", w)
	}
	totals, err := checkDatabase(ctx, cfg.DatabaseURL)
	c.report("database", err, daemon.RedactURL(cfg.DatabaseURL))
	if w, werr := daemon.DBTLSWarning(cfg.DatabaseURL); werr == nil && w != "" {
		c.line("database tls", "WARN", w)
	}

	for _, product := range synctype.Products() {
		pc := cfg.ProductConfig(product)
		if !pc.Enabled() {
			c.line(string(product), "skip", fmt.Sprintf("no %s credentials", product))
			continue
		}
		me, err := checkProduct(ctx, cfg, product, logger)
		c.report(string(product)+" token+whitelist", err, fmt.Sprintf("GET %s/me answered %q", pc.APIURL, me))
	}

	lists := checkLists(ctx, cfg, logger)
	kinds, sizes := listPlan(lists)
	sizes = withSizes(totals, sizes)
	plans, err := cfg.PlanBudget(time.Now(), sizes)
	if err != nil {
		c.report("budget plan", err, "")
	}
	cfg.AddDetails(plans, kinds, sizes)
	for _, p := range plans {
		var perr error
		if p.Over() {
			perr = fmt.Errorf("%s; %s", strings.TrimPrefix(p.String(), string(p.Product)+": "), p.Advice())
		}
		c.report("budget plan "+string(p.Product), perr, strings.TrimPrefix(p.String(), string(p.Product)+": "))
		c.census(cfg, p)
	}
	writePlan(out, plans)
	writeLists(out, lists, sizes, cfg.BudgetLimit())
	return c.err()
}

// census prints how the census of p's product runs: pinned to
// CENSUS_SCHEDULE, or how long the adaptive census takes to go round every
// entity at CENSUS_BUDGET_SHARE, which is about how late a deletion shows;
// a WARN past an hour.
func (c *checkLines) census(cfg *config.Config, p config.Plan) {
	what := "census " + string(p.Product)
	if p.CensusRound == 0 {
		c.line(what, "ok", fmt.Sprintf("every entity on CENSUS_SCHEDULE %q", cfg.CensusSchedule))
		return
	}
	round := p.CensusRound.Round(time.Minute)
	if p.CensusRound < time.Minute {
		round = p.CensusRound.Round(time.Second)
	}
	text := fmt.Sprintf("every entity once every %v: %d requests a round at CENSUS_BUDGET_SHARE %v (%.0f an hour), at least CENSUS_FLOOR %v; a deletion shows within about that",
		round, p.CensusRequests, cfg.CensusBudgetShare, cfg.CensusBudgetShare*float64(cfg.BudgetLimit()), cfg.CensusFloor)
	if p.CensusRound > time.Hour {
		c.line(what, "WARN", text+": raise CENSUS_BUDGET_SHARE for deletions within the hour")
		return
	}
	c.line(what, "ok", text)
}

// checkDatabase connects to the database and checks that it is migrated; it
// returns the entities' last known sizes.
func checkDatabase(ctx context.Context, dsn string) (map[string]int, error) {
	db, err := daemon.OpenDB(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	cur, target, err := schema.Version(ctx, db.DB)
	switch {
	case err != nil:
		return nil, err
	case cur < target:
		return nil, fmt.Errorf("schema version %d of %d: run plutora-sync migrate (sync and run migrate at start too)", cur, target)
	}
	sizes, err := load.EntitySizes(ctx, db.DB)
	if err != nil {
		return nil, err
	}
	n, err := load.LookupTypes(ctx, db.DB)
	if err != nil {
		return nil, err
	}
	sizes[config.LookupTypes] = n // 0: not yet known, the plan assumes LookupTypesPlanned
	return sizes, nil
}

// wrap cuts each line of s at spaces into lines of at most width runes (a
// longer word stays whole).
func wrap(s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			switch {
			case line == "":
				line = w
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width:
				out = append(out, line)
				line = w
			default:
				line += " " + w
			}
		}
		out = append(out, line)
	}
	return out
}

// writePlan prints each entity's requests per hour by class of work, on
// average over a week, and its share of the product's budget.
func writePlan(out io.Writer, plans []config.Plan) {
	if len(plans) == 0 {
		return
	}
	fmt.Fprintln(out)
	for _, l := range wrap("BUDGET PLAN (requests per hour, averaged over a week; SIZE is the last sweep's totalCount, else page 0's now; "+
		"POLLS and the adaptive SWEEPS are the most their budget shares allow; the adaptive CENSUS is its part of a round)", checkWidth) {
		fmt.Fprintln(out, l)
	}
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
	case v < 0.1: // a daily cron census of one page: 0.04 an hour
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
func checkProduct(ctx context.Context, cfg *config.Config, product synctype.Product, logger *slog.Logger) (string, error) {
	c, err := daemon.NewProbeClient(ctx, cfg, product, logger)
	if err != nil {
		return "", err
	}
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return c.Me(cctx)
}
