package config

import (
	"math"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// AddDetails counts the detail requests of the entities whose list is a
// summary (kinds) in plans: the rolling refresh fetches each of their
// records once per DETAIL_REFRESH, spread evenly, so size/period requests
// every hour, the busiest one included; and a census fetches every detail
// (counted in the census class, and in the busiest hour when a census runs
// in it). New or changed items cost one request each on top: they follow
// the site's activity and are not planned.
func (c *Config) AddDetails(plans []Plan, kinds map[string]synctype.ListKind, totals map[string]int) {
	hours := c.DetailRefresh.Hours()
	for i := range plans {
		p := &plans[i]
		for j := range p.Entities {
			ep := &p.Entities[j]
			if kinds[ep.Entity] != synctype.ListSummary || totals[ep.Entity] <= 0 {
				continue
			}
			size := totals[ep.Entity]
			if hours > 0 {
				ep.Detail = float64(size) / hours
				p.Requests += int(math.Ceil(ep.Detail))
			}
			ep.Census += float64(size) * c.censusPerHour()
			ep.Share = ep.PerHour() / float64(p.Limit)
			for _, j := range p.PerJob {
				if j.Entity == ep.Entity && j.Mode == synctype.ModeCensus {
					p.Requests += j.Runs * size
				}
			}
		}
	}
}

// censusPerHour is the census runs per hour, over a week.
func (c *Config) censusPerHour() float64 {
	sched, err := ParseSchedule(c.CensusSchedule)
	if err != nil {
		return 0
	}
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	n := 0
	for t := sched.Next(from.Add(-time.Second)); t.Before(from.Add(7*24*time.Hour)) && n < 100_000; t = sched.Next(t) {
		n++
	}
	return float64(n) / (7 * 24)
}

// FirstLoad is what a first load of an entity of size records costs: its
// pages, and one detail per record when its list is a summary; and how
// long those requests take when the budget is the limit (limit per hour).
func FirstLoad(kind synctype.ListKind, size, limit int) (requests int, d time.Duration) {
	requests = max(1, (size+extract.RecordsPerPage-1)/extract.RecordsPerPage)
	if kind == synctype.ListSummary {
		requests += size
	}
	if limit <= 0 {
		return requests, 0
	}
	return requests, time.Duration(float64(requests) / float64(limit) * float64(time.Hour))
}
