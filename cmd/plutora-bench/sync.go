package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lib/pq"
)

// syncFigures are the end-to-end measurements.
type syncFigures struct {
	Records     int           // records in the warehouse after the first sync
	Changes     int           // of which changes
	First       time.Duration // wall time of the first full sync
	FirstCPU    time.Duration // user+system CPU of the worker during it
	PeakRSS     int64         // bytes, the worker's maximum resident set
	Pages       int
	Requests    int
	Resync      time.Duration // wall time of an unchanged full re-sync
	ResyncRows  int           // rows the re-sync found unchanged
	ResyncWAL   int64         // WAL bytes the server wrote during the re-sync
	ResyncDBWAL int64         // of which records touching the scratch database (-1: unknown)
	CopyRows    int           // changes rows copied for the ceiling
	CopyElapsed time.Duration
}

// buildBinary builds cmd/plutora-sync into a temporary directory, which
// cleanup removes.
func buildBinary(ctx context.Context, log io.Writer) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "plutora-bench-")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(dir, "plutora-sync")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/plutora-sync")
	build.Stdout, build.Stderr = log, log
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build: %w", err)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// measureSync builds the binary, serves the sandbox with changes changes,
// syncs it twice into a scratch database, and copies the changes with COPY.
func measureSync(ctx context.Context, serverURL string, changes int, log io.Writer) (*syncFigures, error) {
	bin, cleanup, err := buildBinary(ctx, log)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	env, stopSim, err := startSim(ctx, bin, changes, log)
	if err != nil {
		return nil, err
	}
	defer stopSim()

	dbURL, drop, err := scratchDB(ctx, serverURL)
	if err != nil {
		return nil, err
	}
	defer drop()
	env = append(env, "DATABASE_URL="+dbURL, "LOG_FORMAT=text", "LOG_LEVEL=warn")
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	run := func(args ...string) (workerStats, error) { return runWorker(ctx, bin, env, log, args...) }
	if _, err := run("migrate"); err != nil {
		return nil, err
	}
	f := &syncFigures{}
	if err := f.measureFirst(ctx, db, run); err != nil {
		return nil, err
	}
	if err := f.measureResync(ctx, db, run, log); err != nil {
		return nil, err
	}
	f.CopyRows, f.CopyElapsed, err = copyCeiling(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("COPY ceiling: %w", err)
	}
	return f, nil
}

// measureFirst runs the first full sync, and counts what it loaded and what
// it asked.
func (f *syncFigures) measureFirst(ctx context.Context, db *sql.DB, run func(args ...string) (workerStats, error)) error {
	st, err := run("sync", "--full")
	if err != nil {
		return err
	}
	f.First, f.FirstCPU, f.PeakRSS = st.wall, st.cpu, st.maxRSS
	err = db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM plutora.changes) + (SELECT count(*) FROM plutora.releases) +
		(SELECT count(*) FROM plutora.environments) + (SELECT count(*) FROM plutora.hosts) +
		(SELECT count(*) FROM plutora.systems) + (SELECT count(*) FROM plutora.defects),
		(SELECT count(*) FROM plutora.changes),
		(SELECT coalesce(sum(pages), 0) FROM plutora_sync.run_entities),
		(SELECT coalesce(sum(requests), 0) FROM plutora_sync.run_entities)`).
		Scan(&f.Records, &f.Changes, &f.Pages, &f.Requests)
	if err != nil {
		return fmt.Errorf("count what the first sync loaded: %w", err)
	}
	return nil
}

// measureResync runs a second full sync of the same data, and measures its
// time, the rows it found unchanged and the WAL it wrote.
func (f *syncFigures) measureResync(ctx context.Context, db *sql.DB, run func(args ...string) (workerStats, error), log io.Writer) error {
	var before string
	if err := db.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&before); err != nil {
		return err
	}
	var lastRun int64
	if err := db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM plutora_sync.runs").Scan(&lastRun); err != nil {
		return err
	}
	st, err := run("sync", "--full")
	if err != nil {
		return err
	}
	f.Resync = st.wall
	err = db.QueryRowContext(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint,
		(SELECT coalesce(sum(unchanged), 0) FROM plutora_sync.run_entities WHERE run_id > $2)`, before, lastRun).
		Scan(&f.ResyncWAL, &f.ResyncRows)
	if err != nil {
		return fmt.Errorf("measure the re-sync: %w", err)
	}
	f.ResyncDBWAL = databaseWAL(ctx, db, before, log)
	return nil
}

// databaseWAL sums the WAL records since lsn that touch the current
// database's relations (pg_walinspect, PostgreSQL 15+), so that other
// databases' writes on a shared server do not count. -1 when unavailable.
func databaseWAL(ctx context.Context, db *sql.DB, lsn string, log io.Writer) int64 {
	var n sql.NullInt64
	_, err := db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_walinspect")
	if err == nil {
		err = db.QueryRowContext(ctx, `
			SELECT sum(record_length) FROM pg_get_wal_records_info($1::pg_lsn, pg_current_wal_lsn())
			WHERE block_ref LIKE '% rel %/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%'`, lsn).Scan(&n)
	}
	if err != nil {
		fmt.Fprintln(log, "bench: WAL of the scratch database unknown:", err)
		return -1
	}
	return n.Int64
}

// startSim serves the sandbox on two free loopback ports and returns the
// worker's environment for it. It waits for the sandbox to say it serves.
func startSim(ctx context.Context, bin string, changes int, log io.Writer) (env []string, stop func(), err error) {
	p1, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	p2, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, "sim", "-plutora-addr", p1, "-test-addr", p2, "-changes", fmt.Sprint(changes), "-budget", "1000000")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start sim: %w", err)
	}
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	creds := map[string]string{}
	ready := make(chan error, 1)
	go func() {
		err := readSimHelp(out, creds)
		ready <- err
		if err == nil {
			_, _ = io.Copy(io.Discard, out) // sim's pipe must not fill
		}
	}()
	if err := awaitSim(ctx, ready); err != nil {
		stop()
		return nil, nil, err
	}
	return simEnv(creds), stop, nil
}

// readSimHelp reads what sim prints until it says it serves, keeping each
// product's "name: value" lines in creds (keyed "PLUTORA_client id", …).
func readSimHelp(out io.Reader, creds map[string]string) error {
	sc := bufio.NewScanner(out)
	product := ""
	for sc.Scan() {
		line := sc.Text()
		switch strings.TrimSpace(line) {
		case "Plutora":
			product = "PLUTORA_"
		case "Plutora Test":
			product = "PLUTORATEST_"
		}
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && product != "" {
			creds[product+strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if strings.HasPrefix(line, "Serving until interrupted") {
			return nil
		}
	}
	return errors.New("sim exited before serving")
}

// awaitSim waits for readSimHelp's answer on ready, at most 2 minutes.
func awaitSim(ctx context.Context, ready <-chan error) error {
	select {
	case err := <-ready:
		return err
	case <-time.After(2 * time.Minute):
		return errors.New("sim did not start serving within 2 minutes")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// simEnv is the worker's environment for the sandbox whose help gave creds.
func simEnv(creds map[string]string) []string {
	var env []string
	for _, p := range []string{"PLUTORA_", "PLUTORATEST_"} {
		env = append(env,
			p+"API_URL="+creds[p+"API URL"], p+"TOKEN_URL="+creds[p+"token URL"],
			p+"CLIENT_ID="+creds[p+"client id"], p+"CLIENT_SECRET="+creds[p+"client secret"],
			p+"USERNAME="+creds[p+"username"], p+"PASSWORD="+creds[p+"password"])
	}
	return env
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// scratchDB creates a database of its own on the server and returns its URL
// and a function that drops it.
func scratchDB(ctx context.Context, serverURL string) (string, func(), error) {
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		return "", nil, err
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", redact(serverURL), err)
	}
	name := fmt.Sprintf("plutora_bench_%d", os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// workerStats are what the kernel says of a finished worker process.
type workerStats struct {
	wall, cpu time.Duration
	maxRSS    int64
}

func runWorker(ctx context.Context, bin string, env []string, log io.Writer, args ...string) (workerStats, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return workerStats{}, fmt.Errorf("plutora-sync %s: %w", strings.Join(args, " "), err)
	}
	// The peak is the worker's own VmHWM, read while it runs: the rusage of a
	// child that Go starts with CLONE_VM counts the parent's resident set too.
	hwm := make(chan int64, 1)
	done := make(chan struct{})
	go func() {
		var peak int64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v := vmHWM(cmd.Process.Pid); v > peak {
				peak = v
			}
			select {
			case <-done:
				hwm <- peak
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	st := workerStats{wall: time.Since(start), maxRSS: <-hwm}
	if err != nil {
		return st, fmt.Errorf("plutora-sync %s: %w", strings.Join(args, " "), err)
	}
	st.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return st, nil
}

// vmHWM returns the peak resident set of a running process in bytes, from
// /proc/<pid>/status, or 0 when it cannot be read.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			var kb int64
			if _, err := fmt.Sscan(f[1], &kb); err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// copyCeiling copies every changes row with COPY FROM STDIN into a fresh,
// logged table of the same shape, in one transaction: the fastest the server
// takes these rows, against which the worker's writes are judged. The rows
// are read before the clock starts.
func copyCeiling(ctx context.Context, db *sql.DB) (int, time.Duration, error) {
	if _, err := db.ExecContext(ctx, "CREATE TABLE plutora.bench_copy (LIKE plutora.changes INCLUDING ALL)"); err != nil {
		return 0, 0, err
	}
	cols, data, err := readChanges(ctx, db)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := copyInto(ctx, db, "plutora.bench_copy", cols, data); err != nil {
		return 0, 0, err
	}
	return len(data), time.Since(start), nil
}

// readChanges reads every changes row, its columns' values as scanned (text
// as strings, not bytea).
func readChanges(ctx context.Context, db *sql.DB) (cols []string, data [][]any, err error) {
	rows, err := db.QueryContext(ctx, "SELECT * FROM plutora.changes")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	if cols, err = rows.Columns(); err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b) // text, not bytea
			}
		}
		data = append(data, vals)
	}
	return cols, data, rows.Err()
}

// copyInto copies data into table's cols with COPY FROM STDIN, in one
// transaction.
func copyInto(ctx context.Context, db *sql.DB, table string, cols []string, data [][]any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	stmt, err := tx.PrepareContext(ctx, "COPY "+table+" ("+strings.Join(quoted, ", ")+") FROM STDIN")
	if err != nil {
		return err
	}
	for _, vals := range data {
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return err
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	return tx.Commit()
}
