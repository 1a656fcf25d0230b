package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// census runs the adaptive census of one product (config.Census) while this
// replica holds the product's key: its entities in turn, a step after each
// leadership taken, until ctx ends. Each round starts with the entity whose
// last completed census in the ledger is oldest, so restarts and changes of
// leader do not starve the entities listed last. A census runs beside
// the polls and yields the budget to them (sync.Runner); one that a restart
// interrupted is resumed by the product's next census of that entity, which
// then censuses afresh (a resumed census marks nothing).
//
// An entity's census is passed over, turn after turn, until a poll, sweep
// or pinned run of it completed in this process: beside a first load it
// would read the same pages and fetch the same details again (every item of
// a summary list is new), 48,000 requests for the releases of a large site,
// and its wait for the share would hold the round for hours. After a restart the first
// poll completes within seconds. A run skipped because its page kept
// failing lets the census go too: only a census mends that.
func (a *App) census(ctx context.Context, l *sync.Leader, c config.Census) {
	var entities []synctype.Entity
	for _, name := range c.Entities {
		if e, ok := a.entity(name); ok {
			entities = append(entities, e)
		}
	}
	if len(entities) == 0 {
		return
	}
	logger := a.Logger.With("component", "census")
	opts := sync.CensusOptions{Entities: entities, Ready: a.isLoaded, PerHour: c.PerHour, Step: c.Step, Logger: logger,
		Census: func(ctx context.Context, e synctype.Entity, last time.Time) (synctype.RunResult, error) {
			if a.waitsForCredentials(e.Product) {
				return synctype.RunResult{}, errCredentialsWait
			}
			if !last.IsZero() {
				a.Metrics.ScheduleInterval(e.Name, synctype.ModeCensus, time.Since(last))
			}
			res, err := a.Runner.Run(ctx, e, synctype.ModeCensus)
			a.recordAuthError(e.Product, err)
			a.noteCredentials(ctx, e.Product)
			return res, err
		},
		Waited: func(e synctype.Entity, w sync.Wait) {
			logger.Debug("next census", "product", c.Product, "after", e.Name, "in", w.For.Round(time.Second).String(),
				"reason", w.Reason, "requests", w.Requests)
		}}
	for ctx.Err() == nil {
		ch := l.Changed()
		if lctx, done, ok := l.Enter(ctx); ok {
			opts.Censused = a.lastCensuses(lctx, c.Product, logger)
			round, err := sync.NewCensus(opts)
			if err != nil { // the configuration was validated: a bug
				done()
				logger.Error("census", "product", c.Product, "error", err)
				return
			}
			round.Run(lctx, c.Step)
			done()
		}
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}
}

// lastCensuses reads when each entity of product was last censused; on
// failure the round starts at the first entity, as a new warehouse's does.
func (a *App) lastCensuses(ctx context.Context, product synctype.Product, logger *slog.Logger) map[string]time.Time {
	last, err := load.LastCensuses(ctx, a.DB.DB, string(product))
	if err != nil {
		logger.Warn("census: the ledger's last censuses unread; the round starts at the first entity", "product", product, "error", err)
	}
	return last
}

// recorded is the runner's Recorded: it tells Options.Recorded, then notes
// the entities a run other than a census completed, or was skipped (its
// page kept failing: only a census, which starts at page 0, lets its runs
// go on; see isLoaded).
func (a *App) recorded(res synctype.RunResult) {
	if a.opts.Recorded != nil {
		a.opts.Recorded(res)
	}
	if res.Mode != synctype.ModeCensus && (res.Outcome.Completed() || res.Outcome == synctype.OutcomeSkipped) {
		a.mu.Lock()
		if a.loaded == nil {
			a.loaded = map[string]bool{}
		}
		a.loaded[res.Entity] = true
		a.mu.Unlock()
	}
}

// isLoaded reports whether a run of e other than a census completed in this
// process, or was skipped because its page kept failing (which a census
// must then mend).
func (a *App) isLoaded(e synctype.Entity) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.loaded[e.Name]
}
