package daemon

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// writeSummary prints the closing table of a one-off sync: per entity, the
// rows inserted, updated, unchanged, deleted and quarantined, the requests
// and the duration of its run; then the requests sent per product.
func writeSummary(w io.Writer, rows []entityBar, requests map[synctype.Product]int64) {
	var sb strings.Builder
	line := func(cells ...any) { fmt.Fprintf(&sb, "%-13s %-11s %9v %9v %9v %9v %11v %9v %9v  %v\n", cells...) }
	sb.WriteString("\n")
	line("entity", "mode", "inserted", "updated", "unchanged", "deleted", "quarantined", "requests", "duration", "result")
	for _, b := range rows {
		r := b.res
		d := "-"
		if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
			d = round(r.FinishedAt.Sub(r.StartedAt)).String()
		}
		result := "ok"
		if b.err != nil {
			result = ended(b.err) + ": " + firstLine(b.err.Error())
		}
		mode := b.mode
		if mode == "" {
			mode = "-"
		}
		line(b.entity.Name, mode, r.Inserted, r.Updated, r.Unchanged, r.Deleted, r.Quarantined, r.Requests, d, result)
	}
	products := make([]string, 0, len(requests))
	for p, n := range requests {
		products = append(products, fmt.Sprintf("%s %d", p, n))
	}
	sort.Strings(products)
	// A client serves every entity of its product: an entity's requests
	// include those of its product's entities that ran beside it.
	fmt.Fprintf(&sb, "requests sent: %s\n", strings.Join(products, ", "))
	io.WriteString(w, sb.String())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
