package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	gosync "sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// Options are what a test or main can change beyond the configuration.
type Options struct {
	Version string
	// Now is the clock of the clients and the runner; default time.Now. The
	// end-to-end test drives it.
	Now func() time.Time
	// HTTPClient is the clients' base HTTP client; optional.
	HTTPClient *http.Client
	// Progress, when set, receives every committed page.
	Progress func(sync.Progress)
	// Recorded, when set, receives every run's result once the ledger holds
	// it.
	Recorded func(synctype.RunResult)
	// PacerWaiting, when set, is told when a product's requests start to
	// wait for the budget (see extract.Observer).
	PacerWaiting func(product synctype.Product, until time.Time, used, limit int)
	// Ready, when set, is sent the HTTP address once the daemon serves HTTP
	// and runs its schedules (tests wait on it).
	Ready chan<- string
	// Listening, when set, is sent the HTTP address as soon as /healthz,
	// /readyz and /metrics are served: for run, before the database is
	// reached.
	Listening chan<- string
	// Sandbox: every product's API is the sandbox, started by the caller
	// (demo); its runs are marked so without asking the API.
	Sandbox bool
	// Force lets Open write into a database whose ledger holds runs of the
	// other kind: sandbox runs for a real source, or real runs for the sandbox.
	Force bool
	// Terminal: a person watches the log on a terminal; Open logs the
	// migrations it applies as one line.
	Terminal bool
}

// App is the wired daemon: database, writer, clients, runner, metrics.
type App struct {
	Config   *config.Config
	Logger   *slog.Logger
	DB       *sqlx.DB
	Writer   *load.Writer
	Clients  map[synctype.Product]*extract.Client
	Registry *prometheus.Registry
	Metrics  *sync.Metrics
	Runner   *sync.Runner
	opts     Options

	mu      gosync.Mutex
	notes   map[synctype.Product]string          // budget-plan warning, recorded on the product's runs
	refused map[synctype.Product]extract.Refusal // products whose credentials are refused, as last shown
	leaders map[synctype.Product]*sync.Leader    // set by Serve
	sandbox map[synctype.Product]bool            // the product's API answered as the sandbox
	// loaded holds the entities a run other than a census completed in
	// this process: the adaptive census waits for it (census.go).
	loaded map[string]bool
}

// Leader returns the leadership of product's key once Serve runs.
func (a *App) Leader(product synctype.Product) *sync.Leader {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.leaders[product]
}

// planNote is the runner's Note: the product's budget-plan warning, if any.
func (a *App) planNote(product synctype.Product) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.notes[product]
}

// Open connects to the database, migrates it, and builds the writer, one
// client per configured product and the runner.
func Open(ctx context.Context, cfg *config.Config, logger *slog.Logger, opts Options) (*App, error) {
	reg, metrics := newInstruments()
	return open(ctx, cfg, logger, opts, reg, metrics)
}

// newInstruments returns the registry served on /metrics, with the Go and
// process collectors and the daemon's metrics registered.
func newInstruments() (*prometheus.Registry, *sync.Metrics) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, sync.NewMetrics(reg)
}

// open is Open with the registry and metrics given: run makes them once,
// before its first try, and serves them while it waits.
func open(ctx context.Context, cfg *config.Config, logger *slog.Logger, opts Options, reg *prometheus.Registry, metrics *sync.Metrics) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &App{Config: cfg, Logger: logger, Clients: map[synctype.Product]*extract.Client{}, opts: opts, Registry: reg, Metrics: metrics}
	var err error
	if a.DB, err = OpenDB(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if err := migrate(ctx, a.DB.DB, cfg.DatabaseURL, logger.With("component", "schema"), opts.Terminal); err != nil {
		a.Close()
		return nil, err
	}
	if a.Writer, err = load.NewWriter(a.DB, logger.With("component", "load"), load.QuarantineRetention(cfg.QuarantineRetention)); err != nil {
		a.Close()
		return nil, err
	}
	sources, err := a.sources(ctx)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Runner, err = sync.NewRunner(sync.RunnerOptions{Writer: a.Writer, Sources: sources, Overlap: cfg.IncrementalOverlap,
		DeleteMaxShare: cfg.DeleteMaxShare, ConfirmMax: config.CensusConfirmMax, RunTimeout: cfg.RunTimeout, Now: opts.Now, Logger: logger.With("component", "sync"), Metrics: a.Metrics,
		Progress: opts.Progress, Recorded: a.recorded, Note: a.planNote, ListKinds: cfg.ListKindMap(), DetailRefresh: cfg.DetailRefresh})
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// sources builds a client per configured product, asks each API whether it
// is the sandbox, and (unless forced) refuses a database whose ledger holds
// runs of the other kind.
func (a *App) sources(ctx context.Context) (map[synctype.Product]sync.Source, error) {
	sources := map[synctype.Product]sync.Source{}
	kinds := map[synctype.Product]sourceKind{}
	for _, product := range synctype.Products() {
		pc := a.Config.ProductConfig(product)
		if !pc.Enabled() {
			continue
		}
		c, err := a.newClient(ctx, product)
		if err != nil {
			return nil, err
		}
		// The demo knows: it started the sandbox. Else the API's answer to
		// GET /me is checked against the ledger here, and every run checks
		// it against the marker on its own data answers (sync.Runner).
		sandbox := a.opts.Sandbox
		if !sandbox {
			if sandbox, err = c.Sandbox(ctx); err != nil {
				c.Close()
				return nil, &askError{product: product, err: err}
			}
		}
		a.Clients[product] = c
		sources[product] = sync.Source{API: c, URL: pc.APIURL, Sandbox: sandbox, Known: a.opts.Sandbox}
		kinds[product] = sourceKind{url: pc.APIURL, sandbox: sandbox}
		if a.sandbox == nil {
			a.sandbox = map[synctype.Product]bool{}
		}
		a.sandbox[product] = sandbox
	}
	if len(sources) == 0 {
		return nil, a.Config.RequireProduct()
	}
	if !a.opts.Force {
		if err := guardLedger(ctx, a.DB.DB, a.Config.DatabaseURL, kinds); err != nil {
			return nil, err
		}
	}
	return sources, nil
}

// askError is a GET /me at start that got no answer (the API down or
// unreachable, after the client's retries): run waits and asks again.
type askError struct {
	product synctype.Product
	err     error
}

func (e *askError) Error() string { return fmt.Sprintf("%s: %v", e.product, e.err) }
func (e *askError) Unwrap() error { return e.err }

func (a *App) newClient(ctx context.Context, product synctype.Product) (*extract.Client, error) {
	var obs extract.Observer = a.Metrics
	if a.opts.PacerWaiting != nil {
		obs = waitObserver{a.Metrics, a.opts.PacerWaiting}
	}
	cfg := a.Config.Client(product)
	cfg.HTTPClient, cfg.History, cfg.Observer = a.opts.HTTPClient, a.Writer.BudgetHistory(), obs
	cfg.Now, cfg.Logger = a.opts.Now, a.Logger
	c, err := extract.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s client: %w", product, err)
	}
	return c, nil
}

// Entities returns the sync entities of the configured products, filtered to
// names when given.
func (a *App) Entities(names ...string) []synctype.Entity {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []synctype.Entity
	for _, e := range synctype.Entities() {
		if _, ok := a.Clients[e.Product]; ok && (len(want) == 0 || want[e.Name]) {
			out = append(out, e)
		}
	}
	return out
}

// Close releases the clients (flushing budget counts) and the database.
func (a *App) Close() {
	for _, c := range a.Clients {
		c.Close()
	}
	if a.Writer != nil {
		_ = a.Writer.Close() // its prepared statements
	}
	if a.DB != nil {
		_ = a.DB.Close()
	}
}

// authKind classifies an authentication error for the metric.
func (a *App) recordAuthError(product synctype.Product, err error) {
	switch {
	case errors.Is(err, extract.ErrInvalidCredentials):
		a.Metrics.AuthError(product, "invalid_credentials")
	case errors.Is(err, extract.ErrAccessDenied):
		a.Metrics.AuthError(product, "access_denied")
	}
}

// Migrate applies the migrations to the configured database (terminal logs
// them as one line) and returns the schema version it is at.
func Migrate(ctx context.Context, cfg *config.Config, logger *slog.Logger, terminal bool) (version int64, err error) {
	db, err := OpenDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := migrate(ctx, db.DB, cfg.DatabaseURL, logger.With("component", "schema"), terminal); err != nil {
		return 0, err
	}
	cur, _, err := schema.Version(ctx, db.DB)
	return cur, err
}

// waitObserver is the clients' Observer during a one-off sync: the metrics,
// and the pacer's waits to the progress display.
type waitObserver struct {
	*sync.Metrics
	waiting func(synctype.Product, time.Time, int, int)
}

func (o waitObserver) PacerWaiting(product synctype.Product, until time.Time, used, limit int) {
	o.Metrics.PacerWaiting(product, until, used, limit)
	o.waiting(product, until, used, limit)
}
