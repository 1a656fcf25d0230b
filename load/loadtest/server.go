package loadtest

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// Server is a PostgreSQL server of a test's own: a cluster made by initdb in
// a temporary directory, listening on a Unix socket there and on no TCP
// port. A test may crash it without touching the shared server and the
// tests running beside it. It needs PostgreSQL's server programs (found by
// pg_config --bindir, or under /usr/lib/postgresql); as root, it runs them
// as the user postgres, since PostgreSQL refuses to run as root.
type Server struct {
	t       testing.TB
	bin     string // the directory of initdb and postgres
	dir     string // the socket directory; the cluster is dir/data
	cred    *syscall.Credential
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the server process has exited
	walStop int           // pid of the WAL writer held by HoldWAL, or 0
}

// NewServer creates, starts and migrates a server; it is stopped and its
// files are removed when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: serverBin(t)}
	dir, err := os.MkdirTemp("", "plutora-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("loadtest: running as root, PostgreSQL needs a user of its own: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	initdb := s.command("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8", "--no-locale")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("loadtest: initdb: %v\n%s", err, out)
	}
	t.Cleanup(s.stop)
	s.start()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := s.DB()
	if err := Migrate(ctx, db.DB); err != nil {
		t.Fatalf("loadtest: migrate the test's own server: %v", err)
	}
	return s
}

// serverBin returns the directory of PostgreSQL's server programs.
func serverBin(t testing.TB) string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if bin := strings.TrimSpace(string(out)); fileExists(filepath.Join(bin, "initdb")) {
			return bin
		}
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		t.Fatal("loadtest: PostgreSQL's server programs (initdb, postgres) are not installed: " +
			"no pg_config --bindir, nothing in /usr/lib/postgresql/*/bin")
	}
	return filepath.Dir(found[len(found)-1])
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// command returns the server program name with args, run as the server's user.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// URL is the connection string of the server's database postgres.
func (s *Server) URL() string {
	return "postgres://postgres@/postgres?sslmode=disable&host=" + s.dir
}

// start starts the server and returns when it accepts connections.
func (s *Server) start() {
	s.t.Helper()
	// These make a crash lose exactly the WAL that no process has written
	// yet: no restart after a crash (Crash starts the server again), no
	// background writer writing out data pages (which flushes the WAL
	// before them), no autovacuum.
	args := []string{"-D", filepath.Join(s.dir, "data"), "-k", s.dir, "-c", "listen_addresses=",
		"-c", "restart_after_crash=off", "-c", "bgwriter_lru_maxpages=0", "-c", "autovacuum=off"}
	cmd := s.command("postgres", args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("loadtest: start postgres: %v", err)
	}
	exited, ready := make(chan struct{}), make(chan struct{})
	s.cmd, s.exited = cmd, exited
	var log strings.Builder
	go func() {
		// The server says on its log when it is ready; the rest is kept
		// for the failure message.
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "ready to accept connections") {
				close(ready)
				break
			}
			log.WriteString(sc.Text() + "\n")
		}
		_, _ = io.Copy(io.Discard, stderr) // until the server exits
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case <-ready:
	case <-exited:
		s.t.Fatalf("loadtest: postgres exited as it started:\n%s", log.String())
	case <-time.After(time.Minute):
		s.t.Fatal("loadtest: postgres did not get ready in a minute")
	}
}

// DB opens the server's database postgres, closed when the test ends. The
// handle outlives a Crash: the pool replaces the connections it broke.
func (s *Server) DB() *sqlx.DB {
	s.t.Helper()
	db, err := sqlx.Open("postgres", s.URL())
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { db.Close() })
	return db
}

// HoldWAL stops the server's WAL writer (SIGSTOP): from then on only the
// sessions themselves write WAL to disk. A synchronous commit flushes its
// own; the WAL of a commit made with synchronous_commit off stays in the
// server's memory, as it does for up to three wal_writer_delay rounds
// (600 ms by default) on a running server, and a Crash loses it.
func (s *Server) HoldWAL(ctx context.Context) {
	s.t.Helper()
	db, err := sql.Open("postgres", s.URL())
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'").Scan(&s.walStop); err != nil {
		s.t.Fatalf("loadtest: find the WAL writer: %v", err)
	}
	if err := syscall.Kill(s.walStop, syscall.SIGSTOP); err != nil {
		s.t.Fatalf("loadtest: stop the WAL writer: %v", err)
	}
}

// Crash kills the WAL writer held by HoldWAL (SIGKILL), as the operating
// system's OOM killer might: the server stops every process and exits
// (restart_after_crash is off), losing the WAL in its memory. Crash waits
// for the exit, then starts the server again, which recovers from the WAL
// on disk.
func (s *Server) Crash() {
	s.t.Helper()
	if s.walStop == 0 {
		s.t.Fatal("loadtest: Crash needs HoldWAL first")
	}
	if err := syscall.Kill(s.walStop, syscall.SIGKILL); err != nil {
		s.t.Fatalf("loadtest: kill the WAL writer: %v", err)
	}
	s.walStop = 0
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		s.t.Fatal("loadtest: postgres did not exit in a minute after its WAL writer was killed")
	}
	s.start()
}

// stop shuts the server down fast (SIGINT) and waits for it.
func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return // it never started
	}
	if s.walStop != 0 {
		_ = syscall.Kill(s.walStop, syscall.SIGCONT)
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		s.t.Errorf("loadtest: postgres did not stop in a minute: killed")
	}
}
