package config_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/sync/config"
)

// The budget plan of a site with 250,000 changes: the nightly census needs
// 2,500 pages in its hour, and up to 101 requests to confirm deletions one
// by one; the polls of changes and releases take their 2% share (247
// requests an hour each) and the sweeps of environments, hosts and systems
// their 0.8% (66 each, rounded up) in every hour; well within the budget.
func ExampleConfig_PlanBudget() {
	cfg, err := config.LoadFrom(context.Background(), envconfig.MapLookuper(map[string]string{
		"PLUTORA_REGION":        "uk",
		"PLUTORA_CLIENT_ID":     "id",
		"PLUTORA_CLIENT_SECRET": "secret",
		"PLUTORA_USERNAME":      "sync@example.com",
		"PLUTORA_PASSWORD":      "pw",
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	plans, err := cfg.PlanBudget(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		map[string]int{"changes": 250_000, "releases": 1200, "environments": 300, "hosts": 1500, "systems": 80,
			"organizations": 6, "users": 250, "lookup_values": 300, "environment_groups": 4,
			"bookings": 1500, "tecrs": 300, "tebrs": 200})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range plans {
		fmt.Println(p, "over:", p.Over())
		for _, j := range p.PerJob[:2] {
			fmt.Printf("  %s %s: %d runs × %d pages\n", j.Mode, j.Entity, j.Runs, j.PagesPerRun)
		}
	}
	// Output:
	// plutora: 3734 requests in the busiest hour (Mon 02:00 UTC) of a budget of 24700 per hour over: false
	//   census changes: 1 runs × 2601 pages
	//   incremental changes: 124 runs × 1 pages
}
