package daemon

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	gosync "sync"
	"time"

	"github.com/lib/pq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

// NotReady is a reason /readyz may show as it is: written by the daemon,
// it holds no host, user or driver message (those go to the log).
type NotReady string

func (r NotReady) Error() string { return string(r) }

// gate is /readyz's check and the status page: a reason while the daemon
// starts, then the opened daemon's check and page.
type gate struct {
	mu     gosync.Mutex
	reason NotReady
	check  Readiness
	page   http.Handler
}

// Ready is the Readiness of /readyz.
func (g *gate) Ready(ctx context.Context) error {
	g.mu.Lock()
	check, reason := g.check, g.reason
	g.mu.Unlock()
	if check == nil {
		return reason
	}
	return check(ctx)
}

// waiting sets the reason shown while the daemon starts.
func (g *gate) waiting(reason string) {
	g.mu.Lock()
	g.reason = NotReady(reason)
	g.mu.Unlock()
}

// opened hands /readyz to the opened daemon's check, and / to its page.
func (g *gate) opened(check Readiness, page http.Handler) {
	g.mu.Lock()
	g.check, g.page = check, page
	g.mu.Unlock()
}

// ServeHTTP serves the status page once the daemon is open; before, a 503
// that says what the daemon waits for.
func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	page, reason := g.page, g.reason
	g.mu.Unlock()
	if page == nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "plutora-sync is starting: "+string(reason)+"; this page shows the warehouse once the daemon is open", http.StatusServiceUnavailable)
		return
	}
	page.ServeHTTP(w, r)
}

// httpServer is the listener of /metrics, /healthz and /readyz, serving in
// the background.
type httpServer struct {
	srv    *Server
	gate   *gate
	served chan struct{}
}

// startHTTP listens on addr and serves reg and a gate that says "starting"
// until opened; listening, when set, is sent the address.
func startHTTP(addr string, reg *prometheus.Registry, logger *slog.Logger, listening chan<- string) (*httpServer, error) {
	g := &gate{reason: "starting"}
	srv, err := Listen(addr, NewHandler(reg, g.Ready, g))
	if err != nil {
		return nil, err
	}
	logger.Info("serving /metrics, /healthz, /readyz and the status page at /", "addr", srv.Addr())
	h := &httpServer{srv: srv, gate: g, served: make(chan struct{})}
	go func() { srv.Serve(logger); close(h.served) }()
	if listening != nil {
		listening <- srv.Addr()
	}
	return h, nil
}

// close stops the server at once (a no-op after Shutdown) and waits for it.
func (h *httpServer) close() {
	_ = h.srv.Close()
	<-h.served
}

// Start-up waits: the pause after the n-th failed try is startPause << (n-1),
// at most startPauseMax.
const (
	startPause    = time.Second
	startPauseMax = 30 * time.Second
)

// openWhenReachable opens the daemon (open), and while it fails because the
// database or an API does not answer, says so on /readyz and in the log and
// tries again after a growing pause, until ctx ends. Any other error (a
// configuration, a refused database, a missing one) is returned at once.
func openWhenReachable(ctx context.Context, cfg *config.Config, logger *slog.Logger, opts Options,
	reg *prometheus.Registry, metrics *sync.Metrics, g *gate) (*App, error) {
	for attempt := 1; ; attempt++ {
		g.waiting("starting: connecting to the database and the APIs")
		a, err := open(ctx, cfg, logger, opts, reg, metrics)
		if err == nil {
			return a, nil
		}
		what := waitingFor(err)
		if what == "" || ctx.Err() != nil {
			return nil, err
		}
		pause := min(startPause<<min(attempt-1, 16), startPauseMax)
		g.waiting(fmt.Sprintf("starting: %s (try %d failed; next in %s; the log says why)", what, attempt, pause))
		logger.Warn("not ready: "+what+"; trying again", "attempt", attempt, "in", pause.String(), "error", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// waitingFor says what err shows the daemon waiting for, or "" when err is
// not about something that may come back by itself.
func waitingFor(err error) string {
	var ask *askError
	switch {
	case errors.As(err, &ask):
		return fmt.Sprintf("waiting for the %s API to answer GET /me (is it the sandbox?)", ask.product)
	case dbUnreachable(err):
		return "waiting for the database"
	}
	return ""
}

// dbUnreachable reports whether err says that the database could not be
// reached or was not accepting connections yet, rather than that it refused
// the worker for good (a wrong password, a missing database: those stop the
// process with their message).
func dbUnreachable(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "53", "57": // connection exception, insufficient resources, operator intervention (starting up, shutting down)
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}
