package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// writeTable prints the performance table in Markdown.
func writeTable(w io.Writer, m machine, f *syncFigures, results []Result, took time.Duration) {
	fmt.Fprintf(w, "Measured %s on %s (`make bench` took %s).\n\n", time.Now().UTC().Format("2006-01-02"), m, took.Round(time.Second))
	if f != nil && f.Records > 0 {
		writeSync(w, f)
	}
	if len(results) > 0 {
		writeResults(w, results)
	}
}

func writeSync(w io.Writer, f *syncFigures) {
	perSec := func(n int, d time.Duration) string {
		if d <= 0 {
			return "–"
		}
		return thousands(int(float64(n) / d.Seconds()))
	}
	fmt.Fprintln(w, "| end to end (the binary, the sandbox and PostgreSQL on this machine) | figure |")
	fmt.Fprintln(w, "|---|---|")
	fmt.Fprintf(w, "| first full sync: %s records (%s changes), %d pages | %s, %s records/s |\n",
		thousands(f.Records), thousands(f.Changes), f.Pages, f.First.Round(100*time.Millisecond), perSec(f.Records, f.First))
	fmt.Fprintf(w, "| worker CPU per record (user + system) | %.1f µs |\n", float64(f.FirstCPU.Microseconds())/float64(f.Records))
	fmt.Fprintf(w, "| worker peak memory (VmHWM, read while it runs) | %.0f MiB |\n", float64(f.PeakRSS)/(1<<20))
	if f.Pages > 0 {
		fmt.Fprintf(w, "| API requests per page fetched (1.00 = no request wasted) | %.2f |\n", float64(f.Requests)/float64(f.Pages))
	}
	fmt.Fprintf(w, "| unchanged full re-sync: %s rows unchanged | %s, %s records/s |\n",
		thousands(f.ResyncRows), f.Resync.Round(100*time.Millisecond), perSec(f.Records, f.Resync))
	if f.ResyncRows > 0 {
		fmt.Fprintf(w, "| WAL written by the unchanged re-sync, server-wide | %s B, %.0f B per record |\n",
			thousands(int(f.ResyncWAL)), float64(f.ResyncWAL)/float64(f.Records))
		if f.ResyncDBWAL >= 0 {
			fmt.Fprintf(w, "| of which in the warehouse's database (pg_walinspect: ledger, checkpoints, request counts) | %s B, %.0f B per record |\n",
				thousands(int(f.ResyncDBWAL)), float64(f.ResyncDBWAL)/float64(f.Records))
		}
	}
	fmt.Fprintf(w, "| COPY ceiling: the same %s changes rows by COPY FROM STDIN | %s rows/s |\n",
		thousands(f.CopyRows), perSec(f.CopyRows, f.CopyElapsed))
	fmt.Fprintln(w)
}

// writeResults prints every Go benchmark with its metrics, grouped by package.
func writeResults(w io.Writer, results []Result) {
	sort.SliceStable(results, func(i, j int) bool { return results[i].Pkg < results[j].Pkg })
	fmt.Fprintln(w, "| package | benchmark | figures |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, r := range results {
		var figs []string
		for _, m := range r.Metrics {
			figs = append(figs, formatMetric(m))
		}
		pkg := r.Pkg[strings.LastIndex(r.Pkg, "plutora-sync/")+len("plutora-sync/"):]
		fmt.Fprintf(w, "| %s | %s | %s |\n", pkg, strings.TrimPrefix(r.Name, "Benchmark"), strings.Join(figs, ", "))
	}
	fmt.Fprintln(w)
}

func formatMetric(m Metric) string {
	switch {
	case m.Unit == "ns/op" && m.Value >= 1e9:
		return fmt.Sprintf("%.2f s/op", m.Value/1e9)
	case m.Unit == "ns/op" && m.Value >= 1e6:
		return fmt.Sprintf("%.2f ms/op", m.Value/1e6)
	case m.Unit == "ns/op" && m.Value >= 1e3:
		return fmt.Sprintf("%.1f µs/op", m.Value/1e3)
	case m.Value >= 1000:
		return thousands(int(m.Value+0.5)) + " " + m.Unit
	case m.Value == float64(int(m.Value)):
		return fmt.Sprintf("%d %s", int(m.Value), m.Unit)
	default:
		return fmt.Sprintf("%.3g %s", m.Value, m.Unit)
	}
}

// thousands formats n with thousands separators: 200,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
