package config_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/sync/config"
)

// The budget plan of a site with 250,000 changes: the census goes round
// every entity within its 15% share (3,705 requests an hour), a census of
// changes costing its 2,500 pages and up to 101 requests to confirm
// deletions one by one, so that a round takes 57 minutes; the polls of the
// four incremental entities take their 2% share (124 requests an hour each)
// and the adaptive sweeps their 0.8% in every hour; well within the budget.
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
		fmt.Printf("  census: every entity once every %v, %d requests a round\n", p.CensusRound.Round(time.Minute), p.CensusRequests)
		for _, j := range p.PerJob[:2] {
			fmt.Printf("  %s %s: %d requests an hour\n", j.Mode, j.Entity, j.Requests)
		}
	}
	// Output:
	// plutora: 3894 requests in the busiest hour (Mon 00:00 UTC) of a budget of 24700 per hour over: false
	//   census: every entity once every 57m0s, 2992 requests a round
	//   census changes: 2735 requests an hour
	//   incremental changes: 124 requests an hour
}
