package sync

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// CensusOptions configure the adaptive census of one product
// (docs/design.md, "The census and deletions"; config.Census).
type CensusOptions struct {
	// Entities are censused in turn: each turn takes the entity censused
	// longest ago, one never censused first, in this order.
	Entities []synctype.Entity
	// Censused holds when each entity's last completed census began (the
	// ledger's; load.LastCensuses): a round after a restart or a change of
	// leader goes on where the last left off, not at the first entity, so a
	// worker restarted every few minutes still censuses them all.
	Censused map[string]time.Time
	// Ready, when set, tells whether e may be censused now; a turn passes
	// over the others (the daemon holds an entity's census until a run of
	// it completed), and a turn with none ready waits the step.
	Ready func(e synctype.Entity) bool
	// PerHour is the requests per hour the census may spend
	// (CENSUS_BUDGET_SHARE of the key's limit): a census of n requests is
	// followed by a wait of n × hour / PerHour, so a round of every entity
	// takes their censuses' requests over PerHour, without counting rows
	// ahead.
	PerHour float64
	// Step is the shortest wait after a census (CENSUS_FLOOR over the
	// entities): a round takes at least CENSUS_FLOOR on a small site.
	Step time.Duration
	// Census runs one census of e; last is when e's previous one began
	// (Censused, or this round's), zero when never.
	Census func(ctx context.Context, e synctype.Entity, last time.Time) (synctype.RunResult, error)
	// Waited, when set, is told the wait after the census of e, and why
	// (WaitAdaptive: the step; WaitShare: the census's part of PerHour).
	Waited func(e synctype.Entity, w Wait)
	Logger *slog.Logger
}

// errNoneReady is a census turn's error when no entity is ready
// (CensusOptions.Ready): the turn waits the step, as after a failure.
var errNoneReady = errors.New("census held: no entity has a completed run yet")

// NewCensus returns a Poller that censuses o.Entities in turn, one at a
// time, beside the polls (a census marks its requests background and runs
// in its own lock family: see family). A census that fails is not tried
// again at once: it goes to the back of the round, as one that succeeded.
func NewCensus(o CensusOptions) (*Poller, error) {
	if len(o.Entities) == 0 || o.Census == nil {
		return nil, errors.New("sync: CensusOptions: no entity, or no Census")
	}
	censused := maps.Clone(o.Censused)
	if censused == nil {
		censused = map[string]time.Time{}
	}
	var last synctype.Entity // the entity of the census just made
	opts := PollerOptions{Mode: synctype.ModeCensus, Floor: o.Step, Ceiling: o.Step, PerHour: o.PerHour, Logger: o.Logger,
		Poll: func(ctx context.Context) (synctype.RunResult, error) {
			e, ok := oldestReady(o.Entities, censused, o.Ready)
			if !ok {
				return synctype.RunResult{}, errNoneReady
			}
			previous := censused[e.Name]
			last, censused[e.Name] = e, time.Now()
			return o.Census(ctx, e, previous)
		}}
	if o.Waited != nil {
		opts.Waited = func(w Wait) { o.Waited(last, w) }
	}
	return NewPoller(opts)
}

// oldestReady returns the entity of entities, ready to be censused, whose
// census began longest ago (never: first); of equals, the first listed.
func oldestReady(entities []synctype.Entity, censused map[string]time.Time, ready func(synctype.Entity) bool) (synctype.Entity, bool) {
	var best synctype.Entity
	found := false
	for _, e := range entities {
		if ready != nil && !ready(e) {
			continue
		}
		if !found || censused[e.Name].Before(censused[best.Name]) {
			best, found = e, true
		}
	}
	return best, found
}
