// Command bench prints plutora-sync's performance table (make bench): it runs
// an end-to-end sync of the sandbox into a scratch database with the real
// binary, measures a COPY of the same rows as the ceiling, runs the Go
// benchmarks of every package that has some, and prints one Markdown table with
// the machine it ran on, ready for docs/performance.md.
//
//	go run ./cmd/plutora-bench                 # 20,000 changes, benchmarks at -benchtime 1s
//	go run ./cmd/plutora-bench -full           # 200,000 changes (and PLUTORA_BENCH_ROWS=200000 for load)
//	go run ./cmd/plutora-bench -skip-go        # the end-to-end sync only
//	go run ./cmd/plutora-bench -freshness      # a busy site: the daemon against a sandbox at -scale 10 churning from the start
//	go run ./cmd/plutora-bench -freshness -scale 100 -latency 0 -lists full
//	go run ./cmd/plutora-bench -freshness -calm -budget 2000
//	go run ./cmd/plutora-bench -freshness -scale 1 -duration 5m -census-floor 1m
//
// -freshness (make bench-freshness) measures how long the daemon takes until
// every polled entity (changes, releases, defects) is incremental, then the
// lag of the records churned for -duration, and the requests per hour per
// API key from the sandbox's own log; busy, also the deletion lag: from the
// sandbox's delete to the census that marks the record. -calm churns the
// default sandbox only once the first load is done instead.
//
// The scratch database is created on TEST_DATABASE_URL's server (default the
// local PostgreSQL) and dropped at the end. WAL is measured server-wide: run it
// on a quiet server.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

type options struct {
	changes   int
	goEnv     []string // extra environment of the Go benchmarks
	benchtime string
	bench     string
	skipGo    bool
	skipSync  bool
	serverURL string
	freshness bool
	fresh     freshOptions
}

func main() {
	var o options
	full := flag.Bool("full", false, "sync 200,000 changes instead of 20,000")
	flag.IntVar(&o.changes, "changes", 0, "changes in the sandbox (overrides -full)")
	flag.StringVar(&o.benchtime, "benchtime", "1s", "go test -benchtime for the Go benchmarks")
	flag.StringVar(&o.bench, "bench", ".", "go test -bench pattern")
	flag.BoolVar(&o.skipGo, "skip-go", false, "skip the Go benchmarks")
	flag.BoolVar(&o.skipSync, "skip-sync", false, "skip the end-to-end sync")
	flag.StringVar(&o.serverURL, "db", envOr("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server on which to create the scratch database")
	flag.BoolVar(&o.freshness, "freshness", false, "run only the freshness benchmark: the daemon at its defaults against a churning sandbox")
	flag.DurationVar(&o.fresh.duration, "duration", 10*time.Minute, "-freshness: how long the lag is measured (-calm: how long the sandbox churns)")
	flag.IntVar(&o.fresh.budget, "budget", plutoratest.BudgetPerHour, "-freshness: requests per hour per API key (the daemon's and the sandbox's)")
	flag.DurationVar(&o.fresh.latency, "latency", 100*time.Millisecond, "-freshness: added latency per API call")
	flag.DurationVar(&o.fresh.churn, "churn", 6*time.Second,
		"-freshness: an insert, an update and (but -calm) a delete of changes, releases and defects this often")
	flag.Float64Var(&o.fresh.scale, "scale", 10, "-freshness: the sandbox holds its default sizes times this (10: 50,000 changes, 60,000 defects; not with -calm)")
	flag.StringVar(&o.fresh.lists, "lists", "real", "-freshness: the sandbox's GET lists: real (summaries of environments, systems, releases: a detail request each) or full")
	flag.BoolVar(&o.fresh.calm, "calm", false, "-freshness: churn the default sandbox only once the first load is done (no busy site)")
	flag.DurationVar(&o.fresh.censusFloor, "census-floor", 0, "-freshness: the daemon's CENSUS_FLOOR (0: its default); a short floor lets a small sandbox's census go round as fast as CENSUS_BUDGET_SHARE allows")
	flag.DurationVar(&o.fresh.deletionWait, "deletion-wait", 45*time.Minute, "-freshness (busy): the most to wait after the churn for the deletions made while measuring to be marked")
	flag.Parse()
	if o.changes == 0 {
		o.changes = 20_000
		if *full || os.Getenv("PLUTORA_BENCH_FULL") != "" {
			o.changes = 200_000
			o.goEnv = append(o.goEnv, "PLUTORA_BENCH_ROWS=200000") // load's BenchmarkPageWriter
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if o.freshness {
		f, err := measureFreshness(ctx, o.serverURL, o.fresh, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: freshness:", err)
			os.Exit(1)
		}
		writeFreshness(os.Stdout, o.fresh, f)
		return
	}
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	started := time.Now()
	m := readMachine(ctx, o.serverURL)
	var (
		e2e     *syncFigures
		results []Result
		errs    []error
	)
	if !o.skipSync {
		fmt.Fprintf(stderr, "bench: end-to-end sync of %d changes…\n", o.changes)
		f, err := measureSync(ctx, o.serverURL, o.changes, stderr)
		if err != nil {
			errs = append(errs, fmt.Errorf("end-to-end sync: %w", err))
		}
		e2e = f
	}
	if !o.skipGo {
		fmt.Fprintln(stderr, "bench: Go benchmarks…")
		r, err := runGoBenchmarks(ctx, o.bench, o.benchtime, o.goEnv, stderr)
		if err != nil {
			errs = append(errs, fmt.Errorf("go benchmarks: %w", err))
		}
		results = r
	}
	writeTable(stdout, m, e2e, results, time.Since(started))
	for _, err := range errs {
		fmt.Fprintln(stderr, "bench:", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d part(s) failed", len(errs))
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
