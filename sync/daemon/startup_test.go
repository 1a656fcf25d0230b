package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// waitLines is a slog handler that sends the message of every record at
// warn level or above on lines (without blocking when nobody reads).
type waitLines struct{ lines chan string }

func (h waitLines) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h waitLines) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h waitLines) WithGroup(string) slog.Handler                { return h }
func (h waitLines) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.lines <- r.Message:
	default:
	}
	return nil
}

// nextWait waits for the next "not ready" line of lines.
func nextWait(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case m := <-lines:
			if strings.HasPrefix(m, "not ready: ") {
				if !strings.Contains(m, want) {
					t.Fatalf("log: %q, want it to say %q", m, want)
				}
				return
			}
		case <-deadline:
			t.Fatalf("timed out waiting for the log to say %q", want)
		}
	}
}

// getAt returns the status and trimmed body of GET addr/path.
func getAt(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	code, body := get(t, "http://"+addr+path)
	return code, strings.TrimSpace(body)
}

// startRun runs Run with env in the background and returns the HTTP
// address as soon as it serves, the daemon's Ready channel, the warn lines
// of its log, stop and Run's result.
func startRun(t *testing.T, env map[string]string) (addr string, ready <-chan string, lines <-chan string, stop context.CancelFunc, done <-chan error) {
	t.Helper()
	listening, readyCh := make(chan string, 1), make(chan string, 1)
	linesCh, doneCh := make(chan string, 100), make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := loadConfig(t, env)
	go func() {
		doneCh <- Run(ctx, cfg, slog.New(waitLines{linesCh}), Options{Listening: listening, Ready: readyCh})
	}()
	select {
	case addr = <-listening:
	case err := <-doneCh:
		t.Fatalf("Run returned before it served HTTP: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for Run to serve HTTP")
	}
	return addr, readyCh, linesCh, cancel, doneCh
}

// atPort is dsn with its host and port replaced by hostport.
func atPort(t *testing.T, dsn, hostport string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = hostport
	return u.String()
}

// TestRunWaitsForTheDatabase (issue 23): run starts while its database is
// out of reach (nothing listens at DATABASE_URL's port). It serves /healthz
// at once, says on /readyz what it waits for, and tries again; once a proxy
// to the database opens on that port, it starts and is ready.
func TestRunWaitsForTheDatabase(t *testing.T) {
	t.Parallel()
	sb := newGuardSandbox(t)
	_, dsn := newEmptyDB(t)
	real, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	later := workertest.FreeAddr(t)
	addr, ready, lines, stop, done := startRun(t, sandboxEnv(sb, atPort(t, dsn, later)))

	if code, body := getAt(t, addr, "/healthz"); code != http.StatusOK || body != "ok" {
		t.Errorf("/healthz while the database is out of reach: %d %q, want 200 ok", code, body)
	}
	nextWait(t, lines, "waiting for the database")
	code, body := getAt(t, addr, "/readyz")
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "starting: waiting for the database (try 1 failed") {
		t.Errorf("/readyz while the database is out of reach: %d %q", code, body)
	}
	if strings.Contains(body, later) || strings.Contains(body, "refused") {
		t.Errorf("/readyz shows the driver's error: %q", body)
	}

	// The database comes back at DATABASE_URL's address.
	proxy(t, later, real.Host)
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run returned: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("timed out waiting for the daemon to start once the database answered")
	}
	if code, body := getAt(t, addr, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz once started: %d %q", code, body)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run after a stop: %v", err)
	}
}

// TestRunKeepsWaitingUntilStopped: a database that never answers keeps run
// waiting, trying again and saying why, without exiting; a stop ends it
// cleanly.
func TestRunKeepsWaitingUntilStopped(t *testing.T) {
	t.Parallel()
	sb := newGuardSandbox(t)
	never := workertest.FreeAddr(t)
	addr, _, lines, stop, done := startRun(t, sandboxEnv(sb, "postgres://postgres@"+never+"/plutora?sslmode=disable"))
	nextWait(t, lines, "waiting for the database")
	nextWait(t, lines, "waiting for the database")
	select {
	case err := <-done:
		t.Fatalf("Run returned while the database was out of reach: %v", err)
	default:
	}
	code, body := getAt(t, addr, "/readyz")
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "starting: waiting for the database (try 2 failed") {
		t.Errorf("/readyz after two tries: %d %q", code, body)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run stopped while waiting: %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after a stop")
	}
}

// proxy forwards TCP connections from addr to to, until the test ends.
func proxy(t *testing.T, addr, to string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				d, err := net.Dial("tcp", to)
				if err != nil {
					return
				}
				defer d.Close()
				go func() { _, _ = io.Copy(d, c); d.Close() }()
				_, _ = io.Copy(c, d)
			}()
		}
	}()
}

// TestWaitingFor: what run waits out, and what stops it with its message.
func TestWaitingFor(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"no route to the database", dbError("connect to database", "postgres://u@db:5432/w", dial), "waiting for the database"},
		{"the server starts up", fmt.Errorf("migrate: %w", &pq.Error{Code: "57P03"}), "waiting for the database"},
		{"too many connections", &pq.Error{Code: "53300"}, "waiting for the database"},
		{"the API does not answer GET /me", &askError{product: "plutoratest", err: dial}, "waiting for the plutoratest API to answer GET /me (is it the sandbox?)"},
		{"a wrong password", &pq.Error{Code: "28P01"}, ""},
		{"no such database", &MissingDatabaseError{Name: "w", Host: "db", Port: "5432", Err: &pq.Error{Code: "3D000"}}, ""},
		{"a refused warehouse", fmt.Errorf("%w: holds sandbox runs", ErrRefused), ""},
		{"a bad DATABASE_URL", errors.New("open database: DATABASE_URL is not a URL"), ""},
	} {
		if got := waitingFor(tt.err); got != tt.want {
			t.Errorf("%s: waitingFor = %q, want %q", tt.name, got, tt.want)
		}
	}
}
