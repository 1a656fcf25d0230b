package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// listCheck is what check found out about one entity's list.
type listCheck struct {
	product synctype.Product
	entity  string
	kind    synctype.ListKind
	how     string // "LIST_KINDS", "compared", or in a few words why it is unknown
	note    string // what went wrong, when something did: printed under the table
	size    int    // totalCount of page 0
}

// errFirstPage stops Pages after the first page.
var errFirstPage = errors.New("first page read")

// checkLists asks each enabled product's API for page 0 of every entity
// (its totalCount) and, unless LIST_KINDS says, compares its first item with
// the detail: two requests an entity (and one per sub-resource).
func checkLists(ctx context.Context, cfg *config.Config, logger *slog.Logger) []listCheck {
	var checks []listCheck
	for _, product := range synctype.Products() {
		if cfg.ProductConfig(product).Enabled() {
			checks = append(checks, checkProductLists(ctx, cfg, product, logger)...)
		}
	}
	return checks
}

// listPlan returns the kinds and sizes the checks found, for the budget plan.
func listPlan(checks []listCheck) (map[string]synctype.ListKind, map[string]int) {
	kinds, sizes := map[string]synctype.ListKind{}, map[string]int{}
	for _, c := range checks {
		if c.kind != synctype.ListUnknown {
			kinds[c.entity], sizes[c.entity] = c.kind, c.size
		}
	}
	return kinds, sizes
}

// writeLists prints per entity whether its list is full or a summary and
// what a first load costs, in requests and in time at the full budget;
// totals are the plan's (the number of lookup types).
func writeLists(out io.Writer, checks []listCheck, totals map[string]int, limit int) {
	if len(checks) == 0 {
		return
	}
	fmt.Fprintln(out)
	for _, l := range wrap(fmt.Sprintf("LISTS (a first load fetches every page, and a detail per record of a summary list; "+
		"TIME at the full budget of %d requests per hour)", limit), checkWidth) {
		fmt.Fprintln(out, l)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tENTITY\tLIST\tFOUND BY\tSIZE\tFIRST LOAD\tTIME")
	var notes []string
	for _, c := range checks {
		how := c.how
		if c.note != "" {
			n := slices.Index(notes, c.note)
			if n < 0 {
				notes, n = append(notes, c.note), len(notes)
			}
			how = fmt.Sprintf("%s [%d]", how, n+1)
		}
		kind, load, took := "unknown", "-", "-"
		if c.kind != synctype.ListUnknown {
			requests, d := config.FirstLoad(c.entity, c.kind, map[string]int{c.entity: c.size, config.LookupTypes: totals[config.LookupTypes]}, limit)
			kind, load, took = string(c.kind), plural(requests, "request"), d.Round(time.Second).String()
			if d < time.Minute {
				took = "<1m" // within the first minute: the API's latency, not the budget, decides
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", c.product, c.entity, kind, how, c.size, load, took)
	}
	tw.Flush()
	for i, n := range notes {
		for j, l := range wrap(n, checkWidth-5) {
			fmt.Fprintf(out, "%-5s%s\n", map[bool]string{true: fmt.Sprintf("[%d]", i+1)}[j == 0], l)
		}
	}
}

// checkProductLists reads page 0 of each of product's entities.
func checkProductLists(ctx context.Context, cfg *config.Config, product synctype.Product, logger *slog.Logger) []listCheck {
	var out []listCheck
	c, err := daemon.NewProbeClient(ctx, cfg, product, logger)
	configured := cfg.ListKindMap()
	for _, e := range cfg.EnabledEntities() {
		if e.Product != product {
			continue
		}
		lc := listCheck{product: product, entity: e.Name, how: "not read", note: fmt.Sprint(err)}
		if err == nil {
			lc = checkList(ctx, c, e, configured[e.Name])
		}
		out = append(out, lc)
	}
	if err == nil {
		c.Close()
	}
	return out
}

// checkList reads page 0 of e and finds out its kind, unless configured.
func checkList(ctx context.Context, c *extract.Client, e synctype.Entity, configured synctype.ListKind) listCheck {
	lc := listCheck{product: e.Product, entity: e.Name, kind: configured, how: "LIST_KINDS"}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var first synctype.Page
	err := c.Pages(ctx, e, synctype.Query{}, func(p synctype.Page) error {
		first = p
		return errFirstPage
	})
	if err != nil && !errors.Is(err, errFirstPage) {
		lc.kind, lc.how, lc.note = synctype.ListUnknown, "page 0 failed", err.Error()
		return lc
	}
	lc.size = first.TotalCount
	if configured != synctype.ListUnknown {
		return lc
	}
	lc.kind, lc.how = synctype.ListUnknown, "no record to compare"
	if len(first.Records) == 0 {
		return lc
	}
	item := map[string]any{}
	detail := map[string]any{}
	if json.Unmarshal(first.Records[0], &item) != nil {
		lc.how, lc.note = "not compared", "page 0's first record is not an object"
		return lc
	}
	id, _ := item[e.IDField].(string)
	raw, err := c.Detail(ctx, e, id)
	switch {
	case errors.Is(err, synctype.ErrNoDetail):
		// A reference list: the API has no GET by id, the list item is all
		// there is, and the worker keeps it as the record.
		lc.kind, lc.how = synctype.ListFull, "list only, no detail"
		return lc
	case err != nil || raw == nil || json.Unmarshal(raw, &detail) != nil:
		lc.how, lc.note = "detail not read", fmt.Sprintf("the detail of %s %s: %v", e.Name, id, err)
		return lc
	}
	lc.kind, lc.how = synctype.ListFull, "compared"
	for k := range detail {
		// A record's sub-resources are in no list item (sync's listKind).
		if _, ok := item[k]; !ok && !e.SubresourceKey(k) {
			lc.kind = synctype.ListSummary
		}
	}
	return lc
}

// withSizes is totals with the sizes check read for the entities it lacks.
func withSizes(totals, sizes map[string]int) map[string]int {
	out := make(map[string]int, len(totals)+len(sizes))
	for e, n := range sizes {
		out[e] = n
	}
	for e, n := range totals {
		out[e] = n
	}
	return out
}

// plural is "1 request" or "n requests".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
