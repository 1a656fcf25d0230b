package main

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

type replica struct {
	cmd  *exec.Cmd
	addr string
	out  *lineWatcher
	done chan error
}

func startReplica(t *testing.T, bin string, env []string) *replica {
	t.Helper()
	r := &replica{addr: workertest.FreeAddr(t), out: newLineWatcher(), done: make(chan error, 1)}
	r.cmd = exec.Command(bin, "run")
	r.cmd.Env = append(env, "METRICS_ADDR="+r.addr)
	stderr, _ := r.cmd.StderrPipe()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait closes the pipe once the process exits: read it to its end first,
	// or the last lines (the clean stop) can be lost.
	go func() { r.out.consume(stderr); r.done <- r.cmd.Wait() }()
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

// leads reads the replica's plutora_sync_leader gauge of product.
func (r *replica) leads(t *testing.T, product string) bool {
	t.Helper()
	v, err := metric(r.addr, "plutora_sync_leader", `product="`+product+`"`)
	if err != nil {
		t.Fatalf("metrics of %s: %v", r.addr, err)
	}
	return v == 1
}

// TestTwoReplicas runs two daemons on one database: one works each key; the
// other takes over within a minute after the first is killed; a SIGTERM then
// stops the survivor cleanly (exit 0).
func TestTwoReplicas(t *testing.T) {
	t.Parallel()
	bin := workertest.Binary(t)
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5,
		Sizes: plutoratest.Sizes{Changes: 300, Releases: 50, Environments: 20, Hosts: 60, Systems: 10, Defects: 200}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := loadtest.NewEmptyDB(t)
	env := sandboxEnv(t, sb, dsn, "LEADER_RETRY_INTERVAL=200ms", "LOG_LEVEL=debug", "SHUTDOWN_TIMEOUT=20s")

	a := startReplica(t, bin, env)
	await(t, a.out.on(`"msg":"leadership taken"`, `"product":"plutoratest"`), 30*time.Second, "a to take plutoratest", a.out)
	await(t, a.out.on(`"msg":"leadership taken"`, `"product":"plutora"`), 30*time.Second, "a to take plutora", a.out)
	await(t, a.out.on(`"msg":"run finished"`), 30*time.Second, "a's first run", a.out)

	b := startReplica(t, bin, env)
	await(t, b.out.on(`"msg":"daemon started"`), 30*time.Second, "b to start", b.out)
	// b tries both keys and stays a standby while a lives.
	await(t, b.out.on(`another replica holds the key"`, `"product":"plutora"`), 30*time.Second, "b to find plutora held", b.out)
	await(t, b.out.on(`another replica holds the key"`, `"product":"plutoratest"`), 30*time.Second, "b to find plutoratest held", b.out)
	for _, p := range []string{"plutora", "plutoratest"} {
		if !a.leads(t, p) || b.leads(t, p) {
			t.Fatalf("%s: a leads %v, b leads %v; want a only", p, a.leads(t, p), b.leads(t, p))
		}
	}
	// A lock that is not leadership (as the per-page ordering locks were) must
	// not be counted: hold one on an unrelated key while counting.
	decoy, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer decoy.Close()
	if _, err := decoy.ExecContext(t.Context(), `SELECT pg_advisory_lock(42)`); err != nil {
		t.Fatal(err)
	}
	if n, want := leadershipLocks(t, db, sb); n != want {
		t.Errorf("%d leadership locks held in the database, want %d (each key of both products, once)", n, want)
	}
	if contains(b.out.String(), `"msg":"run finished"`) {
		t.Error("the standby ran a sync while the leader lived")
	}

	// A one-off sync does not work a key a daemon holds.
	one := exec.Command(bin, "sync", "hosts")
	one.Env = env
	out, err := one.CombinedOutput()
	if code := one.ProcessState.ExitCode(); code != exitFailed || !strings.Contains(string(out), "being worked by a running daemon") {
		t.Errorf("sync beside a daemon: exit %d (%v):\n%s", code, err, tail(string(out), 2000))
	}

	// Kill a: b takes both keys within a minute, and syncs.
	killed := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	await(t, b.out.on(`"msg":"leadership taken"`, `"product":"plutora"`), time.Minute, "b to take plutora", b.out)
	await(t, b.out.on(`"msg":"leadership taken"`, `"product":"plutoratest"`), time.Minute, "b to take plutoratest", b.out)
	t.Logf("takeover after SIGKILL: %v", time.Since(killed).Round(time.Millisecond))
	await(t, b.out.on(`"msg":"run finished"`), time.Minute, "b's first run", b.out)
	for _, p := range []string{"plutora", "plutoratest"} {
		if !b.leads(t, p) {
			t.Errorf("b does not lead %s after taking it", p)
		}
	}

	// SIGTERM: b stops scheduling, releases its keys and exits 0.
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-b.done:
		if err != nil {
			t.Fatalf("b after SIGTERM: %v\n%s", err, tail(b.out.String(), 2000))
		}
	case <-time.After(40 * time.Second):
		t.Fatal("b did not stop within 40s of SIGTERM")
	}
	if !contains(b.out.String(), `"msg":"stopped"`) {
		t.Errorf("b did not log a clean stop:\n%s", tail(b.out.String(), 2000))
	}
}

// leadershipLocks counts the session-level advisory locks held on the
// leadership keys of the sandbox's two products (sync.LeaderKeys), and
// returns how many keys there are: the other
// advisory locks a worker may take (migrations, per-transaction ones) are not
// leadership and are not counted. A bigint key shows in pg_locks as classid
// (high 32 bits) and objid (low 32 bits) with objsubid 1.
func leadershipLocks(t *testing.T, db *sqlx.DB, sb *plutoratest.Server) (held, keys int) {
	t.Helper()
	var all []int64
	for _, p := range []*plutoratest.Product{sb.Plutora, sb.Test} {
		all = append(all, sync.LeaderKeys(synctype.Product(p.Name), "", p.URL)...)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND s.datname = current_database()
			AND ((l.classid::bigint << 32) | l.objid::bigint) = ANY($1)`, pq.Array(all)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n, len(all)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
