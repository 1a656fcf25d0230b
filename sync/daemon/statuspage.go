package daemon

import (
	"context"
	"log/slog"
	"math"
	"os"
	"slices"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/redact"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/statuspage"
)

// pageOptions are the status page's options that the configuration gives:
// the secrets it must never show (the API keys, the database's password,
// the page's own token), the budget's limit, the entities and their fixed
// schedules, and the products' lock keys.
func pageOptions(cfg *config.Config, logger *slog.Logger) statuspage.Options {
	secrets := append(redact.DatabaseSecrets(cfg.DatabaseURL), cfg.StatusToken)
	keys := map[synctype.Product]int64{}
	for _, p := range synctype.Products() {
		pc := cfg.ProductConfig(p)
		secrets = append(secrets, pc.ClientID, pc.ClientSecret, pc.Password)
		if pc.Enabled() {
			keys[p] = sync.LeaderKeys(p, pc.Site, pc.APIURL)[0] // a leader holds every one of them
		}
	}
	schedules, intervals := map[string]string{}, map[string]time.Duration{}
	now := time.Now()
	for _, s := range cfg.Schedules() {
		if s.Mode == synctype.ModeCensus {
			continue
		}
		schedules[s.Entity] = s.Spec
		if c, err := config.ParseSchedule(s.Spec); err == nil {
			next := c.Next(now)
			intervals[s.Entity] = c.Next(next).Sub(next)
		}
	}
	for _, p := range cfg.Polls() {
		intervals[p.Entity] = cfg.PollCeiling
	}
	host, _ := os.Hostname()
	return statuspage.Options{
		Secrets:   redact.NewSecrets(secrets...),
		Token:     cfg.StatusToken,
		Limit:     int(math.Floor(float64(cfg.BudgetPerHour) * (1 - cfg.BudgetReserve))),
		Entities:  cfg.EnabledEntities(),
		Schedules: schedules,
		Intervals: intervals,
		LockKeys:  keys,
		Host:      host,
		Logger:    logger.With("component", "statuspage"),
	}
}

// statusPageOptions are the page's options in the daemon: its database
// and its own state.
func (a *App) statusPageOptions() statuspage.Options {
	o := pageOptions(a.Config, a.Logger)
	o.DB = a.DB.DB
	o.Daemon = a.pageState
	return o
}

// pageState is what the daemon knows that the warehouse does not: per
// product, leadership and since when, the API it reads and whether it is
// the sandbox, and the budget plan's warning.
func (a *App) pageState() statuspage.Daemon {
	var d statuspage.Daemon
	products := make([]synctype.Product, 0, len(a.Clients))
	for p := range a.Clients {
		products = append(products, p)
	}
	slices.Sort(products)
	for _, p := range products {
		ps := statuspage.ProductState{Product: p, APIURL: a.Config.ProductConfig(p).APIURL}
		if l := a.Leader(p); l != nil {
			ps.Leader, ps.Since = l.State()
		}
		a.mu.Lock()
		ps.Sandbox = a.sandbox[p]
		if n := a.notes[p]; n != "" {
			ps.Notes = append(ps.Notes, n)
		}
		a.mu.Unlock()
		d.Products = append(d.Products, ps)
	}
	return d
}

// ServeStatus serves the status page of the configured warehouse on addr
// until ctx ends, without a daemon: it reads the warehouse only (never the
// API), in read-only transactions. listening, when set, is told the bound
// address.
func ServeStatus(ctx context.Context, cfg *config.Config, addr string, logger *slog.Logger, listening func(addr string)) error {
	db, err := OpenLedger(ctx, cfg.DatabaseURL, "status")
	if err != nil {
		return err
	}
	defer db.Close()
	o := pageOptions(cfg, logger)
	o.DB = db.DB
	page, err := statuspage.New(o)
	if err != nil {
		return err
	}
	srv, err := listen("status --serve", addr, page)
	if err != nil {
		return err
	}
	if listening != nil {
		listening(srv.Addr())
	}
	served := make(chan struct{})
	go func() { srv.Serve(logger); close(served) }()
	<-ctx.Done()
	_ = srv.Close()
	<-served
	return nil
}
