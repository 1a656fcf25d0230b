package config

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// CensusConfirmMax is how many rows a census did not see it asks the API
// about, one request each, before marking them deleted; with the one
// request that checks the API's answer first, a census may make up to
// CensusConfirmMax+1 requests beyond its pages (fewer when DeleteMaxShare
// of the table is fewer rows), and the budget plan counts them.
const CensusConfirmMax = 100

// LookupTypesPlanned is how many lookup types the plan assumes a run of
// lookup_values reads, one request each after the one for the type list,
// until the warehouse holds values of them (LookupTypes). The API does not
// say how many a site has: the primer names a dozen, the sandbox serves 16;
// 40 leaves room (and is 41 requests an hour).
const LookupTypesPlanned = 40

// LookupTypes is the key of PlanBudget's totals that gives the number of
// lookup types a run of lookup_values reads, when it is known (the types
// the warehouse holds values of, load.LookupTypes).
const LookupTypes = "lookup_values/types"

// Schedule is one cron job: an entity synced in one mode on one cron spec.
type Schedule struct {
	Variable string // the environment variable that sets Spec
	Product  synctype.Product
	Entity   string
	Mode     synctype.Mode
	Spec     string
}

// Schedules returns every cron job of the enabled products (or of every
// product when none is enabled, so that validation covers all variables):
// the incremental runs and sweeps pinned by a SCHEDULE_*, and the census
// when CENSUS_SCHEDULE pins it (else it is adaptive: Censuses).
func (c *Config) Schedules() []Schedule {
	var out []Schedule
	for _, e := range c.plannedEntities() {
		if spec := c.EntitySchedules[e.Name]; spec != "" {
			out = append(out, Schedule{Variable: e.ScheduleVar(), Product: e.Product, Entity: e.Name, Mode: refreshMode(e), Spec: spec})
		}
		if c.CensusSchedule != "" {
			out = append(out, Schedule{Variable: "CENSUS_SCHEDULE", Product: e.Product, Entity: e.Name, Mode: synctype.ModeCensus, Spec: c.CensusSchedule})
		}
	}
	return out
}

// refreshMode is how an entity is kept fresh between censuses: incremental
// runs when the API can filter it by modified date, else sweeps.
func refreshMode(e synctype.Entity) synctype.Mode {
	if e.Incremental() {
		return synctype.ModeIncremental
	}
	return synctype.ModeSweep
}

// Poll is an entity refreshed adaptively, its SCHEDULE_* unset: an
// incremental entity polled, or a sweep entity swept.
type Poll struct {
	Product synctype.Product
	Entity  string
	Mode    synctype.Mode // ModeIncremental or ModeSweep
	// Variable is the share it spends: POLL_BUDGET_SHARE or SWEEP_BUDGET_SHARE.
	Variable string
	// PerHour is the requests per hour it may spend: an equal part of the
	// product's share (Variable) among the entities of its mode.
	PerHour float64
	// Floor and Ceiling bound the wait between two runs (sync.PollerOptions):
	// POLL_FLOOR and POLL_CEILING for polls; POLL_FLOOR for both for sweeps,
	// which run again as soon as their part of the budget allows.
	Floor, Ceiling time.Duration
}

// Polls returns the adaptively refreshed entities of the enabled products.
func (c *Config) Polls() []Poll {
	type key struct {
		product synctype.Product
		entity  string
	}
	pinned := map[key]bool{}
	for _, s := range c.Schedules() {
		if s.Mode != synctype.ModeCensus {
			pinned[key{s.Product, s.Entity}] = true
		}
	}
	type class struct {
		product synctype.Product
		mode    synctype.Mode
	}
	var out []Poll
	perClass := map[class]int{}
	limit := float64(c.BudgetLimit())
	for _, e := range c.plannedEntities() {
		if pinned[key{e.Product, e.Name}] {
			continue
		}
		p := Poll{Product: e.Product, Entity: e.Name, Mode: refreshMode(e), Variable: "POLL_BUDGET_SHARE",
			PerHour: c.PollBudgetShare * limit, Floor: c.PollFloor, Ceiling: c.PollCeiling}
		if p.Mode == synctype.ModeSweep {
			p.Variable, p.PerHour, p.Ceiling = "SWEEP_BUDGET_SHARE", c.SweepBudgetShare*limit, c.PollFloor
		}
		out = append(out, p)
		perClass[class{p.Product, p.Mode}]++
	}
	for i, p := range out {
		out[i].PerHour /= float64(perClass[class{p.Product, p.Mode}])
	}
	return out
}

// ForegroundShare is the share of the budget (less reserve) the census
// leaves to the polls and the adaptive sweeps (extract.Config.ForegroundShare):
// their shares, which it may never take. The adaptive census keeps to its
// own share by waiting between censuses (Census); this bounds its bursts.
func (c *Config) ForegroundShare() float64 { return c.PollBudgetShare + c.SweepBudgetShare }

// plannedEntities are the enabled entities, or every entity when none is.
func (c *Config) plannedEntities() []synctype.Entity {
	if entities := c.EnabledEntities(); len(entities) > 0 {
		return entities
	}
	return c.declared()
}

// BudgetLimit is the requests per hour the daemon may spend per API key: the
// budget less the reserve.
func (c *Config) BudgetLimit() int {
	return int(float64(c.BudgetPerHour) * (1 - c.BudgetReserve))
}

// Plan is the budget plan of one product: the requests its schedules need in
// their busiest hour, given the entities' sizes.
type Plan struct {
	Product   synctype.Product
	PeakHour  time.Time // start of the busiest hour found
	Requests  int       // requests needed in that hour
	Limit     int       // budget less reserve
	PerJob    []JobPlan // the jobs of the busiest hour, largest first
	Estimated bool      // some entity size is unknown (counted as one page per run)
	Entities  []EntityPlan
	// CensusRound is how long the adaptive census takes to census every
	// entity of the product once (0 when CENSUS_SCHEDULE pins it): a
	// deletion shows within about that, and the census that follows.
	CensusRound time.Duration
	// CensusRequests is what one such round costs: every entity's pages
	// and the requests that may confirm its deletions.
	CensusRequests int
}

// EntityPlan is one entity's part of its product's plan: requests per hour
// by class of work, averaged over the week planned.
type EntityPlan struct {
	Entity string
	Size   int // last known totalCount; 0 when unknown
	// Adaptive polls (at most their budget share), incremental runs pinned
	// by a SCHEDULE_*, sweeps (adaptive: their share; pinned: their pages)
	// and the census (adaptive: its part of a round; pinned: its pages), in
	// requests per hour.
	Polls, Incremental, Sweep, Census float64
	// Detail is the rolling refresh of a summary list's details (AddDetails).
	Detail float64
	Share  float64 // PerHour as a share of the plan's Limit
}

// PerHour is the entity's requests per hour on average, every class summed.
func (e EntityPlan) PerHour() float64 { return e.Polls + e.Incremental + e.Sweep + e.Census + e.Detail }

// JobPlan is one schedule's share of the busiest hour.
type JobPlan struct {
	Schedule
	Runs, PagesPerRun, Requests int
}

// Spare is the requests per hour the plan leaves of the limit: the limit
// less every entity's requests of every class, averaged over the week
// planned (never below 0). A poll that falls back to a sweep spends it.
func (p Plan) Spare() float64 {
	used := 0.0
	for _, e := range p.Entities {
		used += e.PerHour()
	}
	return max(0, float64(p.Limit)-used)
}

// Over reports whether the plan exceeds the budget.
func (p Plan) Over() bool { return p.Requests > p.Limit }

// String renders the plan on one line.
func (p Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d requests in the busiest hour (%s) of a budget of %d per hour", p.Product, p.Requests, p.PeakHour.Format("Mon 15:04 UTC"), p.Limit)
	if p.Estimated {
		b.WriteString(" (some sizes unknown: one page per run assumed)")
	}
	return b.String()
}

// Advice names the schedule to relax when the plan exceeds the budget.
func (p Plan) Advice() string {
	if !p.Over() || len(p.PerJob) == 0 {
		return ""
	}
	j := p.PerJob[0]
	return fmt.Sprintf("relax %s (%s of %s: %d runs × %d pages = %d requests in that hour)", j.Variable, j.Mode, j.Entity, j.Runs, j.PagesPerRun, j.Requests)
}

// PlanBudget computes the plan of every enabled product over the week after
// from. totals holds the last known totalCount per entity (missing: unknown).
// Adaptive polls and sweeps count as their budget share in every hour, the
// adaptive census as its round's requests spread over the round; an
// incremental run on a cron schedule as one page; a sweep as every page; a
// census of known size as every page and the requests that may confirm its
// deletions (CensusConfirmMax). Each plan also gives, per entity, its
// requests per hour by class of work, averaged over the week.
func (c *Config) PlanBudget(from time.Time, totals map[string]int) ([]Plan, error) {
	from = from.UTC().Truncate(time.Hour)
	perHour, runs, err := c.cronHours(from)
	if err != nil {
		return nil, err
	}
	var out []Plan
	for _, product := range c.plannedProducts() {
		p := Plan{Product: product, Limit: c.BudgetLimit()}
		adaptive, sum := c.pollPlans(product)
		round, ok := c.censusRound(product, totals)
		if ok {
			census, n := c.censusPlans(product, round)
			adaptive, sum = append(adaptive, census...), sum+n
			p.CensusRound, p.CensusRequests, p.Estimated = round.cycle, round.requests, !round.known
		}
		hours := perHour[product]
		if hours == nil {
			hours = make([]map[Schedule]int, planHours)
		}
		c.busiestHour(&p, from, hours, adaptive, sum, totals)
		p.Entities = c.entityPlans(product, runs, totals, round, p.Limit)
		out = append(out, p)
	}
	return out, nil
}

// planHours is the hours PlanBudget plans: a week and a day.
const planHours = 8 * 24

// cronHours counts the runs of every cron schedule in each planned hour
// from from, per product, and in all.
func (c *Config) cronHours(from time.Time) (map[synctype.Product][]map[Schedule]int, map[Schedule]int, error) {
	perHour := map[synctype.Product][]map[Schedule]int{}
	runs := map[Schedule]int{}
	end := from.Add(planHours * time.Hour)
	for _, s := range c.Schedules() {
		sched, err := ParseSchedule(s.Spec)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", s.Variable, err)
		}
		if perHour[s.Product] == nil {
			perHour[s.Product] = make([]map[Schedule]int, planHours)
		}
		for t, n := sched.Next(from.Add(-time.Second)), 0; t.Before(end) && n < 1_000_000; t, n = sched.Next(t), n+1 {
			h := int(t.Sub(from) / time.Hour)
			if perHour[s.Product][h] == nil {
				perHour[s.Product][h] = map[Schedule]int{}
			}
			perHour[s.Product][h][s]++
			runs[s]++
		}
	}
	return perHour, runs, nil
}

// busiestHour finds p's busiest hour: the adaptive work (sum requests) in
// every hour, and the cron jobs of each.
func (c *Config) busiestHour(p *Plan, from time.Time, hours []map[Schedule]int, adaptive []JobPlan, sum int, totals map[string]int) {
	estimated := p.Estimated
	for h, jobs := range hours {
		jps := slices.Clone(adaptive)
		requests, est := sum, estimated
		for s, runs := range jobs {
			pages, known := c.pagesPerRun(s, totals)
			est = est || !known
			jps = append(jps, JobPlan{Schedule: s, Runs: runs, PagesPerRun: pages, Requests: runs * pages})
			requests += runs * pages
		}
		if requests > p.Requests || p.PerJob == nil {
			sort.Slice(jps, func(i, j int) bool {
				if jps[i].Requests != jps[j].Requests {
					return jps[i].Requests > jps[j].Requests
				}
				if jps[i].Variable != jps[j].Variable {
					return jps[i].Variable < jps[j].Variable
				}
				return jps[i].Entity < jps[j].Entity
			})
			p.Requests, p.PerJob, p.Estimated = requests, jps, est
			p.PeakHour = from.Add(time.Duration(h) * time.Hour)
		}
	}
}

// plannedProducts are the products of the planned entities, in order.
func (c *Config) plannedProducts() []synctype.Product {
	var out []synctype.Product
	for _, e := range c.plannedEntities() {
		if !slices.Contains(out, e.Product) {
			out = append(out, e.Product)
		}
	}
	return out
}

// pollPlans are the product's adaptive polls and sweeps in any hour: each
// spends at most its budget share, counted as that many one-page runs.
func (c *Config) pollPlans(product synctype.Product) (jps []JobPlan, sum int) {
	for _, p := range c.Polls() {
		if p.Product != product {
			continue
		}
		n := int(math.Ceil(p.PerHour))
		s := Schedule{Variable: p.Variable, Product: p.Product, Entity: p.Entity, Mode: p.Mode, Spec: "adaptive"}
		jps = append(jps, JobPlan{Schedule: s, Runs: n, PagesPerRun: 1, Requests: n})
		sum += n
	}
	return jps, sum
}

// entityPlans spreads the runs of the planned hours over the product's
// entities and classes of work; round is the adaptive census's.
func (c *Config) entityPlans(product synctype.Product, runs map[Schedule]int, totals map[string]int, round censusRound, limit int) []EntityPlan {
	var out []EntityPlan
	index := map[string]int{}
	for _, e := range c.plannedEntities() {
		if e.Product == product {
			index[e.Name] = len(out)
			out = append(out, EntityPlan{Entity: e.Name, Size: max(totals[e.Name], 0), Census: round.perHour[e.Name]})
		}
	}
	for _, s := range c.Schedules() {
		i, ok := index[s.Entity]
		if !ok || s.Product != product {
			continue
		}
		pages, _ := c.pagesPerRun(s, totals)
		perHour := float64(runs[s]*pages) / planHours
		switch s.Mode {
		case synctype.ModeIncremental:
			out[i].Incremental += perHour
		case synctype.ModeCensus:
			out[i].Census += perHour
		default:
			out[i].Sweep += perHour
		}
	}
	for _, p := range c.Polls() {
		if i, ok := index[p.Entity]; ok && p.Product == product {
			if p.Mode == synctype.ModeSweep {
				out[i].Sweep += p.PerHour
			} else {
				out[i].Polls = p.PerHour
			}
		}
	}
	for i := range out {
		out[i].Share = out[i].PerHour() / float64(limit)
	}
	return out
}

func (c *Config) pagesPerRun(s Schedule, totals map[string]int) (pages int, known bool) {
	if s.Mode == synctype.ModeIncremental {
		return 1, true
	}
	if e, _ := synctype.EntityByName(s.Entity); e.Shape == synctype.ShapeLookups {
		return lookupRequests(totals), true // the census cannot ask about one value
	}
	total, ok := totals[s.Entity]
	if !ok || total <= 0 {
		return 1, ok
	}
	pages = (total + extract.RecordsPerPage - 1) / extract.RecordsPerPage
	if e, _ := synctype.EntityByName(s.Entity); s.Mode == synctype.ModeCensus && e.DetailPath != "" {
		// The most rows a census may mark are DeleteMaxShare of the table;
		// it asks about at most CensusConfirmMax of them, after one probe
		// (two more only when the records probed were deleted meanwhile).
		// Without a GET by id it asks about none and trusts its counts.
		pages += min(CensusConfirmMax, int(c.DeleteMaxShare*float64(total))) + 1
	}
	return pages, true
}

// lookupRequests is what a run of a list of lists (the lookup values)
// reads: one request for the types, one per type, whatever the values'
// count. totals may say how many types (LookupTypes: the daemon and check
// count those the warehouse holds values of); else LookupTypesPlanned.
func lookupRequests(totals map[string]int) int {
	if n, ok := totals[LookupTypes]; ok && n > 0 {
		return 1 + n
	}
	return 1 + LookupTypesPlanned
}

// checkMinimumBudget rejects schedules that exceed the budget even at one
// page per run: one error per product over it.
func (c *Config) checkMinimumBudget() []error {
	// At one page per run: every size unknown, and one lookup type.
	plans, err := c.PlanBudget(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), map[string]int{LookupTypes: 1})
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, p := range plans {
		if p.Over() {
			errs = append(errs, fmt.Errorf("PLUTORA_BUDGET_PER_HOUR: %d requests per hour (less the %.0f%% reserve) is below what the schedules need at one page per run: %s; %s",
				c.BudgetPerHour, c.BudgetReserve*100, p, p.Advice()))
		}
	}
	return errs
}
