package console

import (
	"cmp"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
)

// writeSummary prints the closing table of a one-off sync: per entity, the
// rows inserted, updated, unchanged, deleted and quarantined, the requests
// and the duration of its run; then the requests sent per product. Columns
// are as wide as their content.
func writeSummary(w io.Writer, rows []entityBar, requests map[synctype.Product]int64) {
	table := [][]string{{"entity", "mode", "inserted", "updated", "unchanged", "deleted", "quarantined", "requests", "duration", "result"}}
	for _, b := range rows {
		r := b.res
		d := "-"
		if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
			d = round(r.FinishedAt.Sub(r.StartedAt)).String()
		}
		mode := cmp.Or(string(b.mode), "-")
		table = append(table, []string{b.entity.Name, mode, itoa(r.Inserted), itoa(r.Updated), itoa(r.Unchanged),
			itoa(r.Deleted), itoa(r.Quarantined), strconv.FormatInt(r.Requests, 10), d, result(b.entity, r, b.err)})
	}
	var sb strings.Builder
	sb.WriteString("\n")
	writeTable(&sb, []bool{false, false, true, true, true, true, true, true, true, false}, table)
	products := make([]string, 0, len(requests))
	for p, n := range requests {
		products = append(products, fmt.Sprintf("%s %d", p, n))
	}
	sort.Strings(products)
	// Each run counts its own requests: a product's are the sum of its runs'.
	fmt.Fprintf(&sb, "requests sent: %s\n", strings.Join(products, ", "))
	io.WriteString(w, sb.String())
}

// result is the last cell of an entity's row: ok, a warning (every record
// the run read was quarantined), or how its run ended and why. A refused
// key is named with its product only: the log says it whole, once for all
// the product's entities.
func result(e synctype.Entity, r synctype.RunResult, err error) string {
	switch {
	case err == nil && r.Outcome == synctype.OutcomeWarning:
		return "warning: " + r.Error
	case err == nil:
		return "ok"
	case daemon.KeyRefusal(err) != "":
		return fmt.Sprintf("%s: %s: %s (logged once, above)", ended(err), e.Product, daemon.KeyRefusal(err))
	}
	return ended(err) + ": " + firstLine(err.Error())
}

func itoa(n int) string { return strconv.Itoa(n) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
