package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Readiness reports whether the daemon can do its work: whether its
// database answers.
type Readiness func(ctx context.Context) error

// notReady is /readyz's whole answer when ready fails: the error's text (a
// host, a user, a driver's message) is for the log, not for whoever probes.
const notReady = "database unavailable"

// readyDetail is a reason not to be ready that /readyz may show whoever
// probes: it names what to fix, never a host, a user or a secret.
type readyDetail struct{ text string }

func (d *readyDetail) Error() string { return d.text }

// NewHandler serves /metrics from reg, /healthz (the process is alive),
// /readyz (ready() returns nil; else 503 with the text of a *readyDetail,
// such as refused credentials and what to fix, or the NotReady reason it
// returned, or "database unavailable") and, when page is not nil, the
// status page at / (statuspage).
func NewHandler(reg *prometheus.Registry, ready Readiness, page http.Handler) http.Handler {
	mux := http.NewServeMux()
	if page != nil {
		mux.Handle("/{$}", page)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			var d *readyDetail
			if errors.As(err, &d) {
				http.Error(w, d.text, http.StatusServiceUnavailable)
				return
			}
			msg, reason := notReady, NotReady("")
			if errors.As(err, &reason) {
				msg = string(reason)
			}
			http.Error(w, msg, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// Server is the HTTP listener of /metrics, /healthz and /readyz.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen binds addr (METRICS_ADDR, ":9090"); Addr returns the bound address.
func Listen(addr string, h http.Handler) (*Server, error) {
	return listen("METRICS_ADDR", addr, h)
}

// listen binds addr, which the setting named what gave.
func listen(what, addr string, h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, addr, err)
	}
	return &Server{srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, ln: ln}, nil
}

// Addr is the listening address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown; errors other than a shutdown are logged.
func (s *Server) Serve(logger *slog.Logger) {
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("metrics server", "error", err)
	}
}

// Shutdown stops the server, waiting for requests until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close stops the server at once, dropping open connections.
func (s *Server) Close() error { return s.srv.Close() }
