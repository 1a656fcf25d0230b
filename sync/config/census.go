package config

import (
	"math"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Census is the adaptive census of one product (docs/design.md, "The census
// and deletions"), when CENSUS_SCHEDULE is unset: one loop censuses the
// product's entities in turn, and after a census of n requests waits
// n × hour / PerHour, at least Step. A round of every entity so takes the
// product's census requests over PerHour, without counting rows ahead, and
// at least CENSUS_FLOOR.
type Census struct {
	Product  synctype.Product
	Entities []string // in declaration order: a round's order among entities censused alike
	// PerHour is CENSUS_BUDGET_SHARE of the key's limit.
	PerHour float64
	// Step is CENSUS_FLOOR shared among the entities: the shortest wait
	// after one census, so that a round takes at least CENSUS_FLOOR.
	Step time.Duration
}

// Censuses returns the adaptive census of each enabled product (of every
// product when none is enabled); none when CENSUS_SCHEDULE pins the census
// to cron (Schedules).
func (c *Config) Censuses() []Census {
	if c.CensusSchedule != "" {
		return nil
	}
	var out []Census
	index := map[synctype.Product]int{}
	for _, e := range c.plannedEntities() {
		i, ok := index[e.Product]
		if !ok {
			i = len(out)
			index[e.Product] = i
			out = append(out, Census{Product: e.Product, PerHour: c.CensusBudgetShare * float64(c.BudgetLimit())})
		}
		out[i].Entities = append(out[i].Entities, e.Name)
	}
	for i := range out {
		out[i].Step = c.CensusFloor / time.Duration(len(out[i].Entities))
	}
	return out
}

// censusRound is what a product's adaptive census costs, given the
// entities' sizes: each entity's requests per hour, the requests of a
// round and how long a round takes.
type censusRound struct {
	perHour  map[string]float64
	requests int
	cycle    time.Duration
	known    bool // every size known (else one page each counted)
}

// censusRound plans product's adaptive census: a census of each entity
// costs its pages and the requests that may confirm its deletions
// (pagesPerRun), and waits its part of the share, at least the step.
func (c *Config) censusRound(product synctype.Product, totals map[string]int) (censusRound, bool) {
	cs, ok := c.censusOf(product)
	if !ok {
		return censusRound{}, false
	}
	r := censusRound{perHour: map[string]float64{}, known: true}
	costs := map[string]int{}
	hours := 0.0
	for _, e := range cs.Entities {
		n, known := c.pagesPerRun(Schedule{Product: product, Entity: e, Mode: synctype.ModeCensus}, totals)
		costs[e], r.known = n, r.known && known
		r.requests += n
		hours += max(float64(n)/cs.PerHour, cs.Step.Hours())
	}
	for e, n := range costs {
		r.perHour[e] = float64(n) / hours
	}
	r.cycle = time.Duration(hours * float64(time.Hour))
	return r, true
}

// censusOf is product's adaptive census; false when it has none.
func (c *Config) censusOf(product synctype.Product) (Census, bool) {
	for _, cs := range c.Censuses() {
		if cs.Product == product {
			return cs, true
		}
	}
	return Census{}, false
}

// censusPlans are the product's adaptive censuses in any hour, as the
// polls' (pollPlans): each entity's part of the round, counted as that
// many one-page runs.
func (c *Config) censusPlans(product synctype.Product, r censusRound) (jps []JobPlan, sum int) {
	cs, _ := c.censusOf(product)
	for _, e := range cs.Entities {
		n := int(math.Ceil(r.perHour[e]))
		s := Schedule{Variable: "CENSUS_BUDGET_SHARE", Product: product, Entity: e, Mode: synctype.ModeCensus, Spec: "adaptive"}
		jps = append(jps, JobPlan{Schedule: s, Runs: n, PagesPerRun: 1, Requests: n})
		sum += n
	}
	return jps, sum
}
