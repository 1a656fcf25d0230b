package daemon

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// SyncOptions configure a one-off sync.
type SyncOptions struct {
	Entities []string // default: every entity of the configured products
	Full     bool     // sweep instead of incremental
	Census   bool     // census: a sweep that marks deleted records
	Watch    Watcher  // follows the runs (the command's progress display); nil for none
	Terminal bool     // a person watches the log: the migrations are logged as one line
	Force    bool     // sync even into a database whose ledger holds runs of the other kind (Options.Force)
}

// Watcher follows a one-off sync: the command's progress display.
type Watcher interface {
	Begin(entities []synctype.Entity) // the runs are about to start
	Page(ev sync.Progress)            // a run committed a page
	// Waiting: product's requests wait for the budget until then.
	Waiting(product synctype.Product, until time.Time, used, limit int)
	Finish(e synctype.Entity, res synctype.RunResult, err error) // e's run ended
	End(requests map[synctype.Product]int64)                     // every run ended; the requests each product's client sent
}

// SyncNow runs one sync of the chosen entities and returns when all are done;
// the error joins the failed entities' errors.
func SyncNow(ctx context.Context, cfg *config.Config, logger *slog.Logger, o SyncOptions) error {
	logger = slog.New(quietRefusals{logger.Handler()})
	opts := Options{Force: o.Force, Terminal: o.Terminal}
	if o.Watch != nil {
		opts.Progress, opts.PacerWaiting = o.Watch.Page, o.Watch.Waiting
	}
	a, err := Open(ctx, cfg, logger, opts)
	if err != nil {
		return err
	}
	defer a.Close()
	mode := synctype.ModeIncremental
	switch {
	case o.Census:
		mode = synctype.ModeCensus
	case o.Full:
		mode = synctype.ModeSweep
	}
	_, err = a.SyncOnce(ctx, o.Watch, o.Entities, mode)
	return err
}

// SyncOnce runs the entities (all when names is empty) concurrently, one run
// each, holding each product's key for the duration so that a running daemon
// and a one-off sync never work a key together; w, when not nil, follows them.
func (a *App) SyncOnce(ctx context.Context, w Watcher, names []string, mode synctype.Mode) ([]synctype.RunResult, error) {
	entities := a.Entities(names...)
	if len(entities) == 0 {
		return nil, fmt.Errorf("nothing to sync: none of %v belongs to a configured product", names)
	}
	for product := range a.Clients {
		release, err := a.tryKey(ctx, product)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	if w != nil {
		w.Begin(entities)
	}
	var wg gosync.WaitGroup
	errs := make([]error, len(entities))
	results := make([]synctype.RunResult, len(entities))
	for i, e := range entities {
		wg.Go(func() {
			res, err := a.Runner.Run(ctx, e, mode)
			a.recordAuthError(e.Product, err)
			results[i], errs[i] = res, err
			if w != nil {
				w.Finish(e, res, err)
			}
		})
	}
	wg.Wait()
	logRefusals(a.Logger, entities, errs)
	if w != nil {
		w.End(a.requests(results))
	}
	return results, syncError(entities, errs)
}

// requests sums the requests of the runs per configured product: each run
// counts its own (its synctype.Tally, the ledger's requests).
func (a *App) requests(results []synctype.RunResult) map[synctype.Product]int64 {
	out := map[synctype.Product]int64{}
	for p := range a.Clients {
		out[p] = 0
	}
	for _, r := range results {
		if _, ok := out[r.Product]; ok {
			out[r.Product] += r.Requests
		}
	}
	return out
}

// tryKey takes product's advisory lock on a dedicated connection, or says
// that a daemon holds it.
func (a *App) tryKey(ctx context.Context, product synctype.Product) (release func(), err error) {
	pc := a.Config.ProductConfig(product)
	keys := sync.LeaderKeys(product, pc.Site, pc.APIURL)
	conn, err := a.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %s key: %w", product, err)
	}
	ok, err := load.TryAdvisoryLocks(ctx, conn, keys)
	if err != nil {
		closeSession(conn)
		return nil, fmt.Errorf("lock %s key: %w", product, err)
	}
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("%s is being worked by a running daemon (it holds the product's advisory lock): wait for it or stop it", product)
	}
	return func() {
		if err := load.UnlockAdvisoryLocks(context.Background(), conn, keys); err != nil {
			closeSession(conn)
			return
		}
		conn.Close()
	}, nil
}

// closeSession closes conn's session rather than pool it: it may still hold
// an advisory lock, which the server drops with the session.
func closeSession(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
