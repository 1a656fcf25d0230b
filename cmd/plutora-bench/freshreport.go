package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// requestClass is what an API request was for, from its path alone:
// "polls" are the lists of changes, releases and defects (POST …/filter and
// /defects/Search: polls, and their sweeps and census, which are rare once
// they are incremental), "sweeps" the lists of environments, hosts and
// systems, "details" GET /{entity}/{id}, "reference" the reference lists.
func requestClass(path string) string {
	p := strings.ToLower(strings.Trim(path, "/"))
	first, rest, nested := strings.Cut(p, "/")
	switch {
	case strings.HasSuffix(p, "/filter") || p == "defects/search":
		return "polls"
	case !nested && slices.Contains([]string{"environments", "hosts", "systems"}, first):
		return "sweeps"
	case nested && !strings.Contains(rest, "/") && slices.Contains([]string{"environments", "hosts", "systems", "releases", "changes"}, first):
		return "details"
	case slices.Contains([]string{"organizations", "users", "lookupfields", "environmentgroups"}, first):
		return "reference"
	}
	return "other"
}

// audit reads the sandbox's request logs: requests per hour while churning
// (in all and by class) and the most requests of one key in any rolling
// hour of the whole run.
func (f *freshFigures) audit(sb *plutoratest.Server, churnEnd time.Time) {
	f.PerHour, f.MaxWindow, f.ByClass = map[string]float64{}, map[string]int{}, map[string]map[string]int{}
	hours := churnEnd.Sub(f.ChurnStart).Hours()
	var logs [][]plutoratest.LoggedRequest
	for name, p := range map[string]*plutoratest.Product{"plutora": sb.Plutora, "plutoratest": sb.Test} {
		var all []time.Time
		n := 0
		f.ByClass[name] = map[string]int{}
		log := p.RequestLog()
		logs = append(logs, log)
		for _, r := range log {
			if strings.HasSuffix(r.Path, "/oauth/token") {
				continue
			}
			all = append(all, r.At)
			if !r.At.Before(f.ChurnStart) && r.At.Before(churnEnd) {
				n++
				f.ByClass[name][requestClass(r.Path)]++
			}
		}
		f.Requests += len(all)
		f.PerHour[name] = float64(n) / hours
		f.MaxWindow[name], _ = plutoratest.MaxInWindow(all, time.Hour)
	}
	f.FirstLoadBy = countByEntity(logs, func(e string, at time.Time) bool { return !at.After(f.FirstRuns[e]) })
	f.WindowBy = countByEntity(logs, func(_ string, at time.Time) bool { return !at.Before(f.ChurnStart) && at.Before(churnEnd) })
}

// writeFreshness prints the figures as Markdown.
func writeFreshness(w io.Writer, o freshOptions, f *freshFigures) {
	if o.calm {
		fmt.Fprintf(w, "Freshness: the daemon at its defaults, budget %d/h, sandbox latency %v, churn for %v (an insert and an update of each of changes, releases, defects every %v) once the first load is done\n\n",
			o.budget, o.latency, o.duration, o.churn)
	} else {
		fmt.Fprintf(w, "Freshness of a busy site: the daemon at its defaults, budget %d/h, sandbox at -scale %v (%s lists), latency %v, churning from before the daemon's start (an insert, an update and a delete of each of changes, releases, defects every %v)\n\n",
			o.budget, o.scale, o.lists, o.latency, o.churn)
		writeSettling(w, f)
	}
	fmt.Fprintf(w, "Lag of the records changed in the %v measured:\n\n", o.duration)
	fmt.Fprintln(w, "| entity | records changed | lag p50 | lag p95 | lag max | not landed |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, e := range incremental {
		l := f.Lag[e]
		fmt.Fprintf(w, "| %s | %d | %.1f s | %.1f s | %.1f s | %d |\n", e, f.Changed[e], l[0].Seconds(), l[1].Seconds(), l[2].Seconds(), f.Missing[e])
	}
	writeRequests(w, o, f)
	writePerEntity(w, o, f)
	writeDeletions(w, o, f)
	fmt.Fprintf(w, "\nWhole run: %d runs, %d pages, %d API requests in the sandbox's log (tokens excluded), %d counted by the runs in the ledger, "+
		"of which %d details of summary items: %.2f list requests per page; every churned record landed %v after the churn stopped.\n",
		f.Runs, f.Pages, f.Requests, f.Counted, f.Details, float64(f.Counted-f.Details)/float64(max(f.Pages, 1)), f.Converged.Round(time.Second))
}

// writeSettling prints how long a busy site took to load and to become
// incremental.
func writeSettling(w io.Writer, f *freshFigures) {
	fmt.Fprintf(w, "First load (every entity synced once): %v after the daemon started. Every polled entity incremental: %v after the start, %v after the first load ended.\n\n",
		f.FirstLoad.Sub(f.Started).Round(time.Second), f.ChurnStart.Sub(f.Started).Round(time.Second), f.ChurnStart.Sub(f.FirstLoad).Round(time.Second))
	fmt.Fprintln(w, "| entity | first incremental run, after the start |")
	fmt.Fprintln(w, "|---|---:|")
	for _, e := range incremental {
		fmt.Fprintf(w, "| %s | %v |\n", e, f.Polled[e].Sub(f.Started).Round(time.Second))
	}
	fmt.Fprintln(w)
}

// writeRequests prints the requests per hour per key while measuring, from
// the sandbox's log (by class) and from the ledger (by entity and mode).
func writeRequests(w io.Writer, o freshOptions, f *freshFigures) {
	hours := o.duration.Hours()
	fmt.Fprintln(w, "\nRequests per hour per key while measuring (the sandbox's log):")
	fmt.Fprintln(w, "\n| key | all | share of the budget | polls | sweeps | polls + sweeps, share | details | reference | other | most in a rolling hour |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range []string{"plutora", "plutoratest"} {
		c := f.ByClass[p]
		per := func(class string) float64 { return float64(c[class]) / hours }
		fmt.Fprintf(w, "| %s | %.0f | %.2f%% | %.0f | %.0f | %.2f%% | %.0f | %.0f | %.0f | %d of %d |\n", p, f.PerHour[p], 100*f.PerHour[p]/float64(o.budget),
			per("polls"), per("sweeps"), 100*(per("polls")+per("sweeps"))/float64(o.budget), per("details"), per("reference"), per("other"),
			f.MaxWindow[p], o.budget)
	}
	fmt.Fprintln(w, "\n| key | entity | mode | runs | requests per page | requests per hour | share of the budget | mean gap between runs |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|")
	for _, c := range f.Work {
		perHour := float64(c.Requests) / hours
		fmt.Fprintf(w, "| %s | %s | %s | %d | %.2f | %.0f | %.2f%% | %.1f s |\n", c.Product, c.Entity, c.Mode, c.Runs,
			float64(c.Requests)/float64(max(c.Pages, 1)), perHour, 100*perHour/float64(o.budget), c.MeanGap.Seconds())
	}
}
