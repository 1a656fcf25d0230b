package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestCrashResume kills the built binary with SIGKILL at random points of a
// sync, 20 times in a row by default (5 with -short or in CI), changing the
// sandbox between runs; then lets it finish. The warehouse must equal the
// sandbox, with no duplicated history.
func TestCrashResume(t *testing.T) {
	t.Parallel()
	kills := 20
	if testing.Short() || os.Getenv("CI") != "" {
		kills = 5
	}
	bin := workertest.Binary(t)
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 11, Latency: 3 * time.Millisecond, Quirks: plutoratest.AllQuirks(),
		Sizes: plutoratest.Sizes{Changes: 1500, Releases: 200, Environments: 80, Hosts: 300, Systems: 40, Defects: 1200}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := loadtest.NewEmptyDB(t)
	env := sandboxEnv(t, sb, dsn, "PAGES_IN_FLIGHT=2", "DELETE_MAX_SHARE=0.5", "LOG_LEVEL=debug")
	rng := rand.New(rand.NewPCG(11, uint64(time.Now().UnixNano())))
	modes := [][]string{{"sync"}, {"sync", "--census"}, {"sync", "--full"}}

	killed := 0
	for i := range kills {
		mutate(t, sb, rng)
		cmd := exec.Command(bin, modes[i%len(modes)]...)
		cmd.Env = env
		out := newLineWatcher()
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		// Read the pipe to its end before Wait closes it (see startReplica).
		go func() { out.consume(stderr); done <- cmd.Wait() }()
		// A random point: at start-up, or right after the k-th committed
		// page (counted over all entities, which run concurrently).
		k := rng.IntN(40)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d exited early: %v\n%s", i, err, tail(out.String(), 2000))
			}
		case <-out.nth(k, `"msg":"page committed"`):
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-done
			killed++
		}
	}
	if killed == 0 {
		t.Fatal("no run was killed: the sync is too quick for this test")
	}
	// Finish: an incremental sync then a census, both to completion; then,
	// as if DETAIL_REFRESH had passed, every stored detail of a summary list
	// is due, and a sync refreshes them: what an update hid from the
	// summaries is the rolling refresh's, not the census's.
	for i, args := range [][]string{{"sync"}, {"sync", "--census"}, {"sync"}} {
		if i == 2 {
			if _, err := db.Exec(`UPDATE plutora_sync.list_items SET detail_at = '-infinity'`); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, tail(string(out), 3000))
		}
	}
	workertest.AssertTablesEqualSandbox(t, db, sb)
	var resumed, abandoned int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE resumed), count(*) FILTER (WHERE status = 'abandoned') FROM plutora_sync.runs`).Scan(&resumed, &abandoned); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d runs killed; ledger: %d runs resumed, %d abandoned", killed, kills, resumed, abandoned)
	if resumed == 0 {
		t.Error("no run resumed after a kill")
	}
}

// mutable are the entities the sandbox can change.
var mutable = map[string]bool{"changes": true, "releases": true, "environments": true, "hosts": true, "systems": true, "defects": true}

// mutate updates, inserts and deletes a few records of every mutable entity.
func mutate(t *testing.T, sb *plutoratest.Server, rng *rand.Rand) {
	t.Helper()
	for _, e := range synctype.EntityNames() {
		if !mutable[e] {
			continue // the sandbox's reference data is fixed
		}
		ids := workertest.SortedIDs(sb, e)
		for range 4 {
			if err := sb.Update(e, ids[rng.IntN(len(ids))]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sb.Insert(e); err != nil {
			t.Fatal(err)
		}
		if err := sb.Delete(e, ids[rng.IntN(len(ids))]); err != nil {
			t.Fatal(err)
		}
	}
}
