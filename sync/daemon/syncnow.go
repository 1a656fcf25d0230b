package daemon

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"log/slog"
	gosync "sync"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// SyncOptions configure a one-off sync.
type SyncOptions struct {
	Entities []string // default: every entity of the configured products
	Full     bool     // sweep instead of incremental
	Census   bool     // census: a sweep that marks deleted records
	// Progress is where progress goes: bars on a terminal, else log lines;
	// then the closing table. A *Progress (NewProgress) is used as it is:
	// give the same one to the logger, and log lines stay above the bars.
	Progress io.Writer
	Terminal bool
	Force    bool // sync even into a database whose ledger holds runs of the other kind (Options.Force)
}

// SyncNow runs one sync of the chosen entities and returns when all are done;
// the error joins the failed entities' errors.
func SyncNow(ctx context.Context, cfg *config.Config, logger *slog.Logger, o SyncOptions) error {
	pr, ok := o.Progress.(*Progress)
	if !ok {
		pr = NewProgress(o.Progress, o.Terminal)
	}
	logger = slog.New(quietRefusals{logger.Handler()})
	pr.logger = logger
	a, err := Open(ctx, cfg, logger, Options{Progress: pr.page, PacerWaiting: pr.waiting, Force: o.Force, Terminal: o.Terminal})
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
	_, err = a.SyncOnce(ctx, pr, o.Entities, mode)
	return err
}

// SyncOnce runs the entities (all when names is empty) concurrently, one run
// each, holding each product's key for the duration so that a running daemon
// and a one-off sync never work a key together.
func (a *App) SyncOnce(ctx context.Context, pr *Progress, names []string, mode synctype.Mode) ([]synctype.RunResult, error) {
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
	if pr != nil {
		pr.begin(entities)
	}
	var wg gosync.WaitGroup
	errs := make([]error, len(entities))
	results := make([]synctype.RunResult, len(entities))
	for i, e := range entities {
		wg.Go(func() {
			res, err := a.Runner.Run(ctx, e, mode)
			a.recordAuthError(e.Product, err)
			results[i], errs[i] = res, err
			if pr != nil {
				pr.finish(e, res, err)
			}
		})
	}
	wg.Wait()
	logRefusals(a.Logger, entities, errs)
	if pr != nil {
		pr.end(a.requests(results))
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
	ok, err := sync.TryKeys(ctx, conn, keys)
	if err != nil {
		closeSession(conn)
		return nil, fmt.Errorf("lock %s key: %w", product, err)
	}
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("%s is being worked by a running daemon (it holds the product's advisory lock): wait for it or stop it", product)
	}
	return func() {
		if err := sync.UnlockKeys(context.Background(), conn, keys); err != nil {
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
