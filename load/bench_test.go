package load_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// BenchmarkPageWriter loads change records from the sandbox's generator,
// 100 per page, one transaction per page, and compares with plain COPY of
// the same rows into empty tables of the same shape (the ceiling). It
// reports rows per second, WAL bytes and worker CPU per row of: the first
// load, the COPY ceiling, a re-sync of the same unchanged pages, and a
// re-sync in which 1% of each page's records changed. Each pass is a run of
// its own, as the worker's are (ledger and seen ids included), written one
// page at a time with WritePage, as the runner writes.
//
// The ceiling copies exactly the rows the first load wrote (read back
// untimed, in batches): the changes rows with every typed column and raw,
// and their child rows (systems, delivery releases, stakeholders, custom
// fields), into empty tables LIKE the warehouse's (indexes included), in
// one transaction. Its rate counts change records per second, as the first
// load's does. Two narrower ceilings are reported beside it: the changes
// rows alone (copy_parent), and id and raw alone, the typed columns left
// NULL (copy_raw, this benchmark's ceiling before 2026-11-27).
//
// PLUTORA_BENCH_ROWS sets the number of records (default 5000; the issue's
// figure is 200000):
//
//	PLUTORA_BENCH_ROWS=200000 go test -run '^$' -bench PageWriter -benchtime 1x ./load/
//
// Every phase starts after a CHECKPOINT, so that none pays for writing out
// the one before. WAL is read from pg_current_wal_lsn(), which counts the
// whole server's writes, and also (the *_dbWAL_* figures) from
// pg_walinspect, counting only records of this database's relations, every
// 100 pages, between two pages (its time does not count). Server CPU is
// read from /proc for the backend that serves the writes, so it needs
// PostgreSQL on this machine. Figures: docs/performance.md.
func BenchmarkPageWriter(b *testing.B) {
	rows := 5000
	if s := os.Getenv("PLUTORA_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 {
			b.Fatalf("PLUTORA_BENCH_ROWS=%q: want a number of records ≥ 100", s)
		}
		rows = n
	}
	srv, err := plutoratest.NewServer(plutoratest.Options{Seed: 42, Sizes: plutoratest.Sizes{
		Changes: rows, Releases: 400, Systems: 250, Environments: -1, Hosts: -1, Defects: -1}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ids := srv.IDs("changes")
	recs := srv.Records("changes")
	page := func(i int) []json.RawMessage {
		out := make([]json.RawMessage, 0, 100)
		for _, id := range ids[i*100 : min(len(ids), i*100+100)] {
			out = append(out, recs[id])
		}
		return out
	}
	pages := (len(ids) + 99) / 100
	var bytes int
	for _, r := range recs {
		bytes += len(r)
	}
	b.ReportMetric(float64(bytes)/float64(len(recs)), "B/record")

	for b.Loop() {
		ctx := context.Background()
		// Each pass is a run, as the worker's are: its pages also count into
		// the run's ledger and record the ids the run saw.
		writeAll := func(w *load.Writer, m *meter) synctype.PageResult {
			var runID int64
			var err error
			m.untimed(func() {
				if runID, err = w.StartRun(ctx, synctype.RunStart{Entity: "changes", Mode: synctype.ModeIncremental}); err != nil {
					b.Fatal(err)
				}
			})
			var sum synctype.PageResult
			for i := range pages {
				res, err := w.WritePage(ctx, synctype.PageWrite{RunID: runID, Entity: "changes", Mode: synctype.ModeIncremental, PageNum: i,
					TotalCount: len(ids), Records: page(i)})
				if err != nil {
					b.Fatal(err)
				}
				sum.Inserted += res.Inserted
				sum.Updated += res.Updated
				sum.Unchanged += res.Unchanged
				if i%100 == 99 {
					m.tick()
				}
			}
			return sum
		}
		var res synctype.PageResult
		db, w := benchDB(b)
		first := measure(b, db, len(ids), func(m *meter) { res = writeAll(w, m) })
		if res.Inserted != len(ids) {
			b.Fatalf("first load: %+v", res)
		}
		// The ceilings: COPY of the rows the first load wrote.
		copyRaw := measure(b, db, len(ids), func(m *meter) { copyRows(b, db, m, false, "id", "raw") })
		copyParent := measure(b, db, len(ids), func(m *meter) { copyRows(b, db, m, false) })
		copyM := measure(b, db, len(ids), func(m *meter) { copyRows(b, db, m, true) })
		resync := measure(b, db, len(ids), func(m *meter) { res = writeAll(w, m) })
		if res.Unchanged != len(ids) {
			b.Fatalf("re-sync: %+v", res)
		}
		// 1% of each page's records change.
		changed := 0
		for i := 0; i < len(ids); i += 100 {
			if err := srv.Update("changes", ids[i]); err != nil {
				b.Fatal(err)
			}
			changed++
		}
		recs = srv.Records("changes")
		histBefore := countRows(b, db, "plutora.changes_history")
		onePct := measure(b, db, len(ids), func(m *meter) { res = writeAll(w, m) })
		if res.Updated != changed || res.Unchanged != len(ids)-changed {
			b.Fatalf("1%% changed: %+v, want %d updated", res, changed)
		}
		if n := countRows(b, db, "plutora.changes_history") - histBefore; n != changed {
			b.Fatalf("1%% changed: %d history rows for %d changed records", n, changed)
		}

		b.ReportMetric(copyM.rowsPerSec(), "copy_rows/s")
		b.ReportMetric(copyParent.rowsPerSec(), "copy_parent_rows/s")
		b.ReportMetric(copyRaw.rowsPerSec(), "copy_raw_rows/s")
		b.ReportMetric(first.rowsPerSec(), "first_rows/s")
		b.ReportMetric(first.rowsPerSec()/copyM.rowsPerSec(), "first/copy")
		b.ReportMetric(first.rowsPerSec()/copyParent.rowsPerSec(), "first/copy_parent")
		b.ReportMetric(first.rowsPerSec()/copyRaw.rowsPerSec(), "first/copy_raw")
		b.ReportMetric(resync.rowsPerSec(), "resync_rows/s")
		b.ReportMetric(resync.rowsPerSec()/copyM.rowsPerSec(), "resync/copy")
		b.ReportMetric(resync.rowsPerSec()/copyRaw.rowsPerSec(), "resync/copy_raw")
		b.ReportMetric(float64(copyM.wal)/float64(len(ids)), "copy_WAL_B/row")
		b.ReportMetric(float64(first.wal)/float64(len(ids)), "first_WAL_B/row")
		b.ReportMetric(float64(resync.wal)/float64(len(ids)), "resync_WAL_B/row")
		b.ReportMetric(100*float64(resync.wal)/float64(first.wal), "resync_WAL_%_of_first")
		// The same, counting only this database's relations (others share the server).
		b.ReportMetric(float64(copyM.dbWAL)/float64(len(ids)), "copy_dbWAL_B/row")
		b.ReportMetric(float64(first.dbWAL)/float64(len(ids)), "first_dbWAL_B/row")
		b.ReportMetric(float64(resync.dbWAL)/float64(len(ids)), "resync_dbWAL_B/row")
		b.ReportMetric(100*float64(resync.dbWAL)/float64(first.dbWAL), "resync_dbWAL_%_of_first")
		b.ReportMetric(float64(onePct.dbWAL)/float64(changed), "1pct_dbWAL_B/changed_row")
		b.ReportMetric(copyM.serverPerRow(), "copy_server_cpu_µs/row")
		b.ReportMetric(copyRaw.serverPerRow(), "copy_raw_server_cpu_µs/row")
		b.ReportMetric(first.serverPerRow(), "first_server_cpu_µs/row")
		b.ReportMetric(resync.serverPerRow(), "resync_server_cpu_µs/row")
		b.ReportMetric(copyM.serverPerRow()/first.serverPerRow(), "first/copy_by_server_cpu")
		b.ReportMetric(copyM.serverPerRow()/resync.serverPerRow(), "resync/copy_by_server_cpu")
		b.ReportMetric(copyRaw.serverPerRow()/resync.serverPerRow(), "resync/copy_raw_by_server_cpu")
		b.ReportMetric(first.cpuPerRow(), "first_cpu_µs/row")
		b.ReportMetric(resync.cpuPerRow(), "resync_cpu_µs/row")
		b.ReportMetric(float64(first.sys.Microseconds())/float64(first.rows), "first_sys_µs/row")
		b.ReportMetric(float64(resync.sys.Microseconds())/float64(resync.rows), "resync_sys_µs/row")
		b.ReportMetric(onePct.rowsPerSec(), "1pct_rows/s")
	}
}

// benchDB returns a fresh warehouse and a Writer over it, with a pool of
// one connection for the writes and one for the WAL meter.
func benchDB(b *testing.B) (*sqlx.DB, *load.Writer) {
	db := loadtest.NewDB(b)
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(2)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec("CREATE EXTENSION IF NOT EXISTS pg_walinspect"); err != nil {
		b.Fatal(err)
	}
	return db, w
}

// phase is what one phase of the benchmark took.
type phase struct {
	rows    int
	elapsed time.Duration
	cpu     time.Duration // user+system CPU of this process
	sys     time.Duration // of which system
	wal     int64         // bytes of WAL the server wrote (all databases)
	dbWAL   int64         // of which records of this database's relations; -1 when unknown
	server  time.Duration // CPU of the PostgreSQL backend serving the connection
}

func (p phase) rowsPerSec() float64 { return float64(p.rows) / p.elapsed.Seconds() }
func (p phase) cpuPerRow() float64 {
	return float64(p.cpu.Microseconds()) / float64(p.rows)
}
func (p phase) serverPerRow() float64 {
	return float64(p.server.Microseconds()) / float64(p.rows)
}

// measure runs fn as one phase: after a CHECKPOINT and a garbage
// collection, it takes the phase's wall time, the CPU of this process and
// of the server's backends, and the WAL written, leaving out what fn does
// through m.untimed and what the WAL meter's own reads take.
func measure(b *testing.B, db *sqlx.DB, rows int, fn func(m *meter)) phase {
	b.Helper()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
	runtime.GC() // no phase pays for the garbage of the one before
	m := newMeter(b, db)
	defer m.close()
	var lsn0 string
	if err := db.GetContext(ctx, &lsn0, "SELECT pg_current_wal_lsn()::text"); err != nil {
		b.Fatal(err)
	}
	srv0 := m.serverCPU()
	cpu0, sys0 := cpuTime(b)
	t0 := time.Now()
	fn(m)
	m.tick()
	cpu1, sys1 := cpuTime(b)
	p := phase{rows: rows, elapsed: time.Since(t0) - m.spent, cpu: cpu1 - cpu0 - m.spentCPU, sys: sys1 - sys0,
		server: m.serverCPU() - srv0 - m.spentServer}
	if err := db.GetContext(ctx, &p.wal, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint", lsn0); err != nil {
		b.Fatal(err)
	}
	p.dbWAL = m.sum
	return p
}

// meter is what a phase measures with. Its WAL meter sums, on a connection
// of its own, the WAL records that touch this database's relations
// (pg_walinspect), so that other databases' writes on a shared server do
// not count. It reads as it goes (tick), because a busy server recycles WAL
// segments within minutes; sum is -1 when some WAL was gone before it was
// read.
type meter struct {
	b    *testing.B
	conn *sql.Conn
	pids []int64 // the backends that serve the phase's writes (the pool's other connections)
	lsn  string
	sum  int64
	// Left out of the phase: the WAL meter's reads and the untimed work.
	spent, spentCPU, spentServer time.Duration
}

func newMeter(b *testing.B, db *sqlx.DB) *meter {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	m := &meter{b: b, conn: conn}
	if err := conn.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&m.lsn); err != nil {
		b.Fatal(err)
	}
	// The pool's other connection serves the writes: open it, so that its
	// backend exists before the phase starts.
	c, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	c.Close()
	if err := conn.QueryRowContext(ctx, `SELECT array_agg(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(pq.Array(&m.pids)); err != nil {
		b.Fatal(err)
	}
	if len(m.pids) != 1 {
		b.Fatalf("%d backends serve the writes, want 1", len(m.pids))
	}
	return m
}

// untimed runs fn outside the phase: its time and CPU, here and on the
// server, do not count.
func (m *meter) untimed(fn func()) {
	t0 := time.Now()
	cpu0, _ := cpuTime(m.b)
	srv0 := m.serverCPU()
	fn()
	cpu1, _ := cpuTime(m.b)
	m.spentServer += m.serverCPU() - srv0
	m.spentCPU += cpu1 - cpu0
	m.spent += time.Since(t0)
}

// tick reads the WAL written since the last tick.
func (m *meter) tick() {
	t0 := time.Now()
	defer func() { m.spent += time.Since(t0) }()
	ctx := context.Background()
	// Up to what is flushed: pg_walinspect reads no further, and a COPY's
	// open transaction may have written more.
	var to string
	if err := m.conn.QueryRowContext(ctx, "SELECT pg_current_wal_flush_lsn()::text").Scan(&to); err != nil {
		m.b.Fatal(err)
	}
	if m.sum < 0 || to == m.lsn {
		m.lsn = to
		return
	}
	var n sql.NullInt64
	err := m.conn.QueryRowContext(ctx, `
		SELECT sum(record_length) FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
		WHERE block_ref LIKE '% rel %/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%'`,
		m.lsn, to).Scan(&n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "WAL of this database unknown:", err)
		m.sum = -1
	} else {
		m.sum += n.Int64
	}
	m.lsn = to
}

func (m *meter) close() { m.conn.Close() }

// serverCPU is the CPU of the backends that serve the writes; the
// benchmark fails when one of them has gone (its CPU would be lost).
func (m *meter) serverCPU() time.Duration {
	var sum time.Duration
	for _, pid := range m.pids {
		sum += procCPU(m.b, int(pid))
	}
	return sum
}

// procCPU returns the user+system CPU of process pid (a PostgreSQL backend
// on this machine), from /proc.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("server CPU: %v (the benchmark needs PostgreSQL on this machine)", err)
	}
	// Fields after the command name (which ends with ')'): utime and stime are the 12th and 13th.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// cpuTime returns the CPU this process used (user+system), and the system part.
func cpuTime(b *testing.B) (total, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), time.Duration(ru.Stime.Nano())
}

// copyBatch is how many changes rows the ceilings read back and copy at a time.
const copyBatch = 20000

// ceilingChildren are the child tables of changes that the ceiling copies.
var ceilingChildren = []string{"change_systems", "change_delivery_releases", "change_stakeholders", "change_custom_fields"}

// copyRows copies the rows of plutora.changes (only the columns named in
// parentCols, when any: the others stay NULL) and, with children, of its
// child tables into empty tables LIKE them under public, in one
// transaction: the rows are read back untimed, copyBatch parents at a time,
// and written with COPY FROM STDIN, timed.
func copyRows(b *testing.B, db *sqlx.DB, m *meter, children bool, parentCols ...string) {
	b.Helper()
	ctx := context.Background()
	tables := []string{"changes"}
	if children {
		tables = append(tables, ceilingChildren...)
	}
	m.untimed(func() {
		for _, t := range tables {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("DROP TABLE IF EXISTS public.%[1]s; CREATE TABLE public.%[1]s (LIKE plutora.%[1]s INCLUDING ALL)", t)); err != nil {
				b.Fatal(err)
			}
		}
	})
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	after := "00000000-0000-0000-0000-000000000000"
	for {
		var batch [][][]any // per table, its rows
		var cols [][]string
		m.untimed(func() {
			var ids []string
			for k, t := range tables {
				where, arg, names := "id > $1 ORDER BY id LIMIT "+strconv.Itoa(copyBatch), any(after), parentCols
				if k > 0 {
					where, arg, names = "change_id = ANY ($1::uuid[])", pq.Array(ids), nil
				}
				c, rows := readText(b, tx, "plutora."+t, where, arg, names...)
				if k == 0 {
					for _, r := range rows {
						ids = append(ids, r[0].(string))
					}
				}
				cols, batch = append(cols, c), append(batch, rows)
			}
		})
		if len(batch[0]) == 0 {
			break
		}
		after = batch[0][len(batch[0])-1][0].(string)
		for k, t := range tables {
			copyIn(b, tx, "public."+t, cols[k], batch[k])
		}
		m.tick()
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// readText reads the named columns (all when none are named) of table's
// rows matching where, each as its text form (NULL as nil), the form COPY
// reads.
func readText(b *testing.B, tx *sql.Tx, table, where string, arg any, names ...string) ([]string, [][]any) {
	b.Helper()
	ctx := context.Background()
	if len(names) == 0 {
		r, err := tx.QueryContext(ctx, "SELECT * FROM "+table+" LIMIT 0")
		if err != nil {
			b.Fatal(err)
		}
		names, err = r.Columns()
		r.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	sel := make([]string, len(names))
	for i, n := range names {
		sel[i] = pq.QuoteIdentifier(n) + "::text"
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+table+" WHERE "+where, arg)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]sql.NullString, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		row := make([]any, len(names))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return names, out
}

// copyIn writes rows into table with one COPY FROM STDIN.
func copyIn(b *testing.B, tx *sql.Tx, table string, cols []string, rows [][]any) {
	b.Helper()
	ctx := context.Background()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	st, err := tx.PrepareContext(ctx, "COPY "+table+" ("+strings.Join(quoted, ", ")+") FROM STDIN")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := st.ExecContext(ctx); err != nil {
		b.Fatal(err)
	}
}

func countRows(b *testing.B, db *sqlx.DB, table string) int {
	b.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil && err != sql.ErrNoRows {
		b.Fatal(err)
	}
	return n
}
