package daemon

import (
	"context"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// census runs the adaptive census of one product (config.Census) while this
// replica holds the product's key: its entities in turn, from the first, a
// step after each leadership taken, until ctx ends. A census runs beside
// the polls and yields the budget to them (sync.Runner); one that a restart
// interrupted is resumed by the product's next census of that entity, which
// then censuses afresh (a resumed census marks nothing).
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
	began := map[string]time.Time{} // each entity's last census, for the interval metric
	opts := sync.CensusOptions{Entities: entities, PerHour: c.PerHour, Step: c.Step, Logger: logger,
		Census: func(ctx context.Context, e synctype.Entity) (synctype.RunResult, error) {
			if a.waitsForCredentials(e.Product) {
				return synctype.RunResult{}, errCredentialsWait
			}
			if t, ok := began[e.Name]; ok {
				a.Metrics.ScheduleInterval(e.Name, synctype.ModeCensus, time.Since(t))
			}
			began[e.Name] = time.Now()
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
