package sync

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// CensusOptions configure the adaptive census of one product
// (docs/design.md, "The census and deletions"; config.Census).
type CensusOptions struct {
	// Entities are censused in turn, in this order, from the first.
	Entities []synctype.Entity
	// PerHour is the requests per hour the census may spend
	// (CENSUS_BUDGET_SHARE of the key's limit): a census of n requests is
	// followed by a wait of n × hour / PerHour, so a round of every entity
	// takes their censuses' requests over PerHour, without counting rows
	// ahead.
	PerHour float64
	// Step is the shortest wait after a census (CENSUS_FLOOR over the
	// entities): a round takes at least CENSUS_FLOOR on a small site.
	Step time.Duration
	// Census runs one census of e.
	Census func(ctx context.Context, e synctype.Entity) (synctype.RunResult, error)
	// Waited, when set, is told the wait after the census of e, and why
	// (WaitAdaptive: the step; WaitShare: the census's part of PerHour).
	Waited func(e synctype.Entity, w Wait)
	Logger *slog.Logger
}

// NewCensus returns a Poller that censuses o.Entities in turn, one at a
// time, beside the polls (a census marks its requests background and runs
// in its own lock family: see family). A census that fails is not tried
// again at once: the round goes on, and the entity's turn comes again.
func NewCensus(o CensusOptions) (*Poller, error) {
	if len(o.Entities) == 0 || o.Census == nil {
		return nil, errors.New("sync: CensusOptions: no entity, or no Census")
	}
	next := 0
	var last synctype.Entity // the entity of the census just made
	opts := PollerOptions{Mode: synctype.ModeCensus, Floor: o.Step, Ceiling: o.Step, PerHour: o.PerHour, Logger: o.Logger,
		Poll: func(ctx context.Context) (synctype.RunResult, error) {
			last, next = o.Entities[next], (next+1)%len(o.Entities)
			return o.Census(ctx, last)
		}}
	if o.Waited != nil {
		opts.Waited = func(w Wait) { o.Waited(last, w) }
	}
	return NewPoller(opts)
}
