package config

import (
	"math"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// AddDetails counts the detail requests of the entities whose list is a
// summary (kinds) or who are read with their sub-resources (enriched) in
// plans: the rolling refresh reads each of their records once per
// DETAIL_REFRESH, spread evenly, so size/period reads every hour, the
// busiest one included, each costing detailCost requests. New or changed
// items cost a read each on top, in a poll, a sweep or a census alike: they
// follow the site's activity and are not planned.
func (c *Config) AddDetails(plans []Plan, kinds map[string]synctype.ListKind, totals map[string]int) {
	hours := c.DetailRefresh.Hours()
	for i := range plans {
		p := &plans[i]
		for j := range p.Entities {
			ep := &p.Entities[j]
			e, _ := synctype.EntityByName(ep.Entity)
			if (kinds[ep.Entity] != synctype.ListSummary && !e.Enriched()) || totals[ep.Entity] <= 0 {
				continue
			}
			if hours > 0 {
				ep.Detail = float64(totals[ep.Entity]*detailCost(e)) / hours
				p.Requests += int(math.Ceil(ep.Detail))
			}
			ep.Share = ep.PerHour() / float64(p.Limit)
		}
	}
}

// detailCost is the requests one read of a record of e by its id costs
// beyond its list page: its detail and each of its sub-resources (the
// rolling refresh's).
func detailCost(e synctype.Entity) int { return 1 + len(e.Subresources) }

// readCost is what reading a new record of e costs beyond its list page
// when its list is of kind: its detail and sub-resources, but the detail
// when the list item is the whole record (sync's enrich).
func readCost(e synctype.Entity, kind synctype.ListKind) int {
	if kind == synctype.ListFull && e.Enriched() {
		return len(e.Subresources)
	}
	return detailCost(e)
}

// FirstLoad is what a first load of entity, of its size in totals, costs:
// its pages (the lookup values: the type list and a request per type, as
// a sweep's, pagesPerRun), and a read per record (readCost) when its list
// is a summary or it is read with sub-resources; and how long those
// requests take when the budget is the limit (limit per hour).
func FirstLoad(entity string, kind synctype.ListKind, totals map[string]int, limit int) (requests int, d time.Duration) {
	e, _ := synctype.EntityByName(entity)
	size := max(totals[entity], 0)
	requests = max(1, (size+extract.RecordsPerPage-1)/extract.RecordsPerPage)
	if e.Shape == synctype.ShapeLookups {
		requests = lookupRequests(totals)
	}
	if kind == synctype.ListSummary || e.Enriched() {
		requests += size * readCost(e, kind)
	}
	if limit <= 0 {
		return requests, 0
	}
	return requests, time.Duration(float64(requests) / float64(limit) * float64(time.Hour))
}
