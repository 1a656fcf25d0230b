package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/statuspage"
)

// Run is the daemon: it opens everything, serves HTTP, takes leadership per
// API key, schedules every job, and on ctx's end shuts down in order within
// SHUTDOWN_TIMEOUT: stop scheduling, let the pages in hand commit, release the
// keys, close HTTP, close the database. It returns nil after a clean shutdown.
//
// /healthz is served at once; while the database (or an API asked whether
// it is the sandbox) does not answer, Run waits and tries again with a
// growing pause (openWhenReachable), and /readyz says what it waits for,
// rather than exit into a restart loop. A stop while it waits is a clean
// shutdown.
func Run(ctx context.Context, cfg *config.Config, logger *slog.Logger, opts Options) error {
	reg, metrics := newInstruments()
	h, err := startHTTP(cfg.MetricsAddr, reg, logger, opts.Listening)
	if err != nil {
		return err
	}
	defer h.close()
	a, err := openWhenReachable(ctx, cfg, logger, opts, reg, metrics, h.gate)
	if err != nil {
		if ctx.Err() != nil {
			logger.Info("stopped before the daemon started")
			return nil
		}
		return err
	}
	defer a.Close()
	return a.serve(ctx, h)
}

// Serve runs the daemon on an opened App until ctx ends. Its HTTP server is
// shut down before it returns, whatever the reason.
func (a *App) Serve(ctx context.Context) error {
	h, err := startHTTP(a.Config.MetricsAddr, a.Registry, a.Logger, a.opts.Listening)
	if err != nil {
		return err
	}
	defer h.close()
	return a.serve(ctx, h)
}

// serve is Serve on an HTTP server already serving: it opens the gate to the
// status page and readiness, takes part in leadership, schedules every job and
// poll, and on ctx's end shuts down in order.
func (a *App) serve(ctx context.Context, h *httpServer) error {
	a.warnPlan(ctx)
	if err := a.openGate(h.gate); err != nil {
		return err
	}
	sched := sync.NewScheduler(a.Logger.With("component", "scheduler"), a.Metrics)
	leaders, err := a.newLeaders()
	if err != nil {
		return err
	}
	jobs, err := a.addJobs(ctx, sched, leaders)
	if err != nil {
		return err
	}
	var wg gosync.WaitGroup
	a.startLeadership(ctx, &wg, leaders, jobs)
	sched.Start()
	srv := h.srv
	a.Logger.Info("daemon started", "version", a.opts.Version, "metrics_addr", srv.Addr(), "products", len(a.Clients), "jobs", len(a.Config.Schedules()),
		"polls", len(a.Config.Polls()), "adaptive_censuses", len(a.Config.Censuses()))
	if a.opts.Ready != nil {
		a.opts.Ready <- srv.Addr()
	}

	<-ctx.Done()
	return a.shutdown(sched, &wg, srv)
}

// openGate has the HTTP server answer /readyz (the database, then the
// credentials) and the status page.
func (a *App) openGate(g *gate) error {
	rc := newReadyCheck(a.DB.PingContext, readyEvery, time.Now, a.Logger.With("component", "readyz"))
	page, err := statuspage.New(a.statusPageOptions())
	if err != nil {
		return err
	}
	ready := func(ctx context.Context) error {
		if err := rc.Ready(ctx); err != nil {
			return err
		}
		return a.credentialsReady()
	}
	g.opened(ready, page)
	return nil
}

// newLeaders makes the leadership of each product's API key, and keeps them
// for the readiness and status that report on them.
func (a *App) newLeaders() (map[synctype.Product]*sync.Leader, error) {
	leaders := map[synctype.Product]*sync.Leader{}
	for product := range a.Clients {
		pc := a.Config.ProductConfig(product)
		keys := sync.LeaderKeys(product, pc.Site, pc.APIURL)
		l, err := sync.NewLeader(a.DB.DB, product, keys, a.Config.LeaderRetry, a.Logger.With("component", "leader"), a.Metrics)
		if err != nil {
			return nil, err
		}
		leaders[product] = l
	}
	a.mu.Lock()
	a.leaders = leaders
	a.mu.Unlock()
	return leaders, nil
}

// addJobs adds a cron job per schedule of an enabled entity to sched, and
// returns them by product.
func (a *App) addJobs(ctx context.Context, sched *sync.Scheduler, leaders map[synctype.Product]*sync.Leader) (map[synctype.Product][]*sync.Job, error) {
	jobs := map[synctype.Product][]*sync.Job{}
	for _, s := range a.Config.Schedules() {
		e, ok := a.entity(s.Entity)
		if !ok {
			continue
		}
		j := a.job(leaders[e.Product], e, s)
		if err := sched.Add(ctx, j); err != nil {
			return nil, err
		}
		jobs[e.Product] = append(jobs[e.Product], j)
	}
	return jobs, nil
}

// startLeadership starts, in wg, each product's leadership with what follows
// it (onLeadership), each adaptive poll and each product's adaptive census.
func (a *App) startLeadership(ctx context.Context, wg *gosync.WaitGroup, leaders map[synctype.Product]*sync.Leader, jobs map[synctype.Product][]*sync.Job) {
	for product, l := range leaders {
		wg.Go(func() { l.Run(ctx) })
		wg.Go(func() { a.onLeadership(ctx, l, jobs[product]) })
	}
	for _, p := range a.Config.Polls() {
		if e, ok := a.entity(p.Entity); ok {
			wg.Go(func() { a.poll(ctx, leaders[e.Product], e, p) })
		}
	}
	for _, c := range a.Config.Censuses() {
		if l, ok := leaders[c.Product]; ok {
			wg.Go(func() { a.census(ctx, l, c) })
		}
	}
}

// shutdown stops scheduling, waits for the leadership and the runs of wg, and
// closes HTTP, all within SHUTDOWN_TIMEOUT.
func (a *App) shutdown(sched *sync.Scheduler, wg *gosync.WaitGroup, srv *Server) error {
	a.Logger.Info("shutting down", "timeout", a.Config.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	var errs []error
	if err := sched.Stop(sctx); err != nil {
		errs = append(errs, err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-sctx.Done():
		errs = append(errs, errors.New("shutdown: leadership or runs did not end in time"))
	}
	if err := srv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("shutdown http: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	a.Logger.Info("stopped")
	return nil
}

func (a *App) entity(name string) (synctype.Entity, bool) {
	es := a.Entities(name)
	if len(es) == 0 {
		return synctype.Entity{}, false
	}
	return es[0], true
}

// job makes the cron job of one schedule: it runs only while this replica
// holds the product's key, with the leadership's context (derived from the
// root context, cancelled when the key is lost).
func (a *App) job(l *sync.Leader, e synctype.Entity, s config.Schedule) *sync.Job {
	return &sync.Job{Name: e.String() + " " + string(s.Mode), Spec: s.Spec, Entity: e.Name, Mode: s.Mode,
		Fn: func(ctx context.Context) error {
			lctx, done, ok := l.Enter(ctx)
			if !ok {
				return nil // a standby: another replica works this key
			}
			defer done()
			if a.waitsForCredentials(e.Product) {
				return nil // refused credentials: the next attempt is not due
			}
			_, err := a.Runner.Run(lctx, e, s.Mode)
			a.recordAuthError(e.Product, err)
			a.noteCredentials(lctx, e.Product)
			return err
		}}
}

// poll refreshes one entity adaptively (polls or sweeps it, p.Mode) while
// this replica holds the product's key, from a catch-up run and the floor
// again at each leadership taken, until ctx ends.
func (a *App) poll(ctx context.Context, l *sync.Leader, e synctype.Entity, p config.Poll) {
	run := func(ctx context.Context) (synctype.RunResult, error) {
		if a.waitsForCredentials(e.Product) {
			a.Logger.Debug("run held: the credentials are refused", "product", e.Product, "entity", e.Name)
			return synctype.RunResult{}, errCredentialsWait
		}
		res, err := a.Runner.Run(ctx, e, p.Mode)
		a.recordAuthError(e.Product, err)
		a.noteCredentials(ctx, e.Product)
		return res, err
	}
	opts := sync.PollerOptions{Mode: p.Mode, Floor: p.Floor, Ceiling: p.Ceiling, PerHour: p.PerHour, Poll: run,
		Logger: a.Logger.With("component", "poller")}
	opts.Waited = func(w sync.Wait) { a.waited(ctx, e, p, w) }
	a.Metrics.ScheduleInterval(e.Name, p.Mode, opts.LongestWait(1))
	for ctx.Err() == nil {
		ch := l.Changed()
		if lctx, done, ok := l.Enter(ctx); ok {
			opts.Spare = a.spare(lctx, e.Product)
			poller, err := sync.NewPoller(opts)
			if err != nil { // the configuration was validated: a bug
				done()
				a.Logger.Error("poller", "entity", e.String(), "error", err)
				return
			}
			// Catch up first, outside the share: the first run after a
			// leadership taken may read many pages, and a summary list's
			// details for every new record (a fresh warehouse, an outage);
			// counted against the share it would hold the next run back for
			// hours. A poll follows at once; a sweep waits as if it had read
			// only its pages, which it reads again each time.
			res, _ := run(lctx)
			w := sync.Wait{Reason: sync.WaitCatchUp, Fallback: opts.Fallback(res), Requests: res.Requests}
			if p.Mode == synctype.ModeSweep {
				w.For = opts.LongestWait(int64(res.Pages))
			}
			opts.Waited(w)
			poller.Run(lctx, w.For)
			done()
		}
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}
}

// waited shows the wait before e's next adaptive run and its reason: the
// poll-wait metric, the schedule interval (the longest wait, which the
// staleness alert doubles) and plutora_sync.next_runs (for status).
func (a *App) waited(ctx context.Context, e synctype.Entity, p config.Poll, w sync.Wait) {
	a.Metrics.PollWait(e.Name, w.Reason, w.For)
	a.Metrics.ScheduleInterval(e.Name, p.Mode, max(p.Ceiling, w.For))
	if w.Reason == sync.WaitKeyBudget {
		a.Logger.Info("next run waits for the budget", "entity", e.Name, "in", w.For.Round(time.Second).String(),
			"reason", w.String(), "requests", w.Requests)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := a.Writer.SaveNextRun(sctx, load.NextRun{Product: e.Product, Entity: e.Name, Due: time.Now().Add(w.For), Reason: w.String()})
	if err != nil {
		a.Logger.Warn("record the next run", "entity", e.Name, "error", err)
	}
}

// spare is the requests per hour a poll of product that falls back to a
// sweep may spend: what the budget plan leaves of the key's limit, shared
// among the product's polled entities (sync.PollerOptions.Spare).
func (a *App) spare(ctx context.Context, product synctype.Product) float64 {
	plans, err := a.PlanBudget(ctx, time.Now())
	if err != nil {
		a.Logger.Warn("budget plan for the polls' fallbacks", "error", err)
		return 0
	}
	polled := 0
	for _, p := range a.Config.Polls() {
		if p.Product == product && p.Mode == synctype.ModeIncremental {
			polled++
		}
	}
	for _, plan := range plans {
		if plan.Product == product && polled > 0 {
			return plan.Spare() / float64(polled)
		}
	}
	return 0
}

// onLeadership runs every job of the product once each time this replica
// takes its key: a fresh daemon syncs at once, and a run interrupted by a
// crash resumes at start rather than at the next tick. A census is the
// exception: one interrupted is resumed at the next census tick, which then
// runs a census afresh (a resumed one cannot mark deletions).
func (a *App) onLeadership(ctx context.Context, l *sync.Leader, jobs []*sync.Job) {
	for {
		ch := l.Changed()
		if l.Held() {
			for _, j := range jobs {
				if j.Mode != synctype.ModeCensus {
					go j.RunNow(ctx)
				}
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// warnPlan logs (and notes) a budget plan over the budget, naming the
// schedule to relax.
func (a *App) warnPlan(ctx context.Context) {
	plans, err := a.PlanBudget(ctx, time.Now())
	if err != nil {
		a.Logger.Warn("budget plan", "error", err)
		return
	}
	for _, p := range plans {
		if p.Over() {
			a.Logger.Warn("budget plan exceeds the budget", "plan", p.String(), "advice", p.Advice())
			a.mu.Lock()
			if a.notes == nil {
				a.notes = map[synctype.Product]string{}
			}
			a.notes[p.Product] = "budget plan exceeds the budget: " + p.String() + "; " + p.Advice()
			a.mu.Unlock()
		} else {
			a.Logger.Info("budget plan", "plan", p.String())
		}
	}
}

// PlanBudget plans every product's busiest hour from the last known totals.
func (a *App) PlanBudget(ctx context.Context, from time.Time) ([]config.Plan, error) {
	totals := map[string]int{}
	for _, e := range a.Entities() {
		// Incremental checkpoints count only the modified records.
		for _, mode := range []synctype.Mode{synctype.ModeCensus, synctype.ModeSweep} {
			cp, ok, err := a.Writer.CheckpointMode(ctx, e.Product, e.Name, mode)
			if err != nil {
				return nil, err
			}
			if ok && cp.TotalCount > totals[e.Name] {
				totals[e.Name] = cp.TotalCount
			}
		}
	}
	if a.DB != nil {
		n, err := load.LookupTypes(ctx, a.DB.DB)
		if err != nil {
			return nil, err
		}
		totals[config.LookupTypes] = n
	}
	plans, err := a.Config.PlanBudget(from, totals)
	if err == nil && a.Runner != nil {
		a.Config.AddDetails(plans, a.Runner.ListKinds(), totals)
	}
	return plans, err
}
