package soak

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

var memRecords = flag.Int("memory.records", 20000, "BenchmarkPeakRSS: records of the large sync (the small one has a tenth)")

// BenchmarkPeakRSS syncs N changes and then N/10 with the built binary, each
// into a fresh database, and compares the worker's peak resident set: pages
// stream, so nothing may grow with the dataset (ratio at most 1.5). The
// issue's figures (1,000,000 against 100,000):
//
//	go test ./sync/soak -run '^$' -bench PeakRSS -benchtime 1x -memory.records 1000000 -timeout 60m
func BenchmarkPeakRSS(b *testing.B) {
	bin := workertest.Binary(b)
	large := *memRecords
	for range b.N {
		small := measureRSS(b, bin, large/10)
		big := measureRSS(b, bin, large)
		ratio := float64(big.rss) / float64(small.rss)
		b.ReportMetric(float64(small.rss)/(1<<20), "MB-peak-RSS-small")
		b.ReportMetric(float64(big.rss)/(1<<20), "MB-peak-RSS-large")
		b.ReportMetric(ratio, "ratio")
		b.Logf("peak RSS: %d records %.1f MB (%v, %.0f records/s), %d records %.1f MB (%v, %.0f records/s): ratio %.2f",
			large/10, float64(small.rss)/(1<<20), small.wall.Round(time.Second), float64(large/10)/small.wall.Seconds(),
			large, float64(big.rss)/(1<<20), big.wall.Round(time.Second), float64(large)/big.wall.Seconds(), ratio)
		if ratio > 1.5 {
			b.Errorf("peak RSS grew %.2f× from %d to %d records (more than 1.5×): something holds what should stream", ratio, large/10, large)
		}
	}
}

type rssRun struct {
	rss  int64 // bytes
	wall time.Duration
}

// measureRSS syncs n changes from a fresh sandbox into a fresh database with
// `plutora-sync sync changes --full` and returns the process's peak RSS.
func measureRSS(b *testing.B, bin string, n int) rssRun {
	b.Helper()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 3, Budget: 1 << 30,
		Sizes: plutoratest.Sizes{Changes: n, Releases: -1, Environments: -1, Hosts: -1, Systems: -1, Defects: -1}})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	db, dsn := loadtest.NewEmptyDB(b)
	defer db.Close()
	vars := workertest.ProductEnv(sb.Plutora)
	vars["DATABASE_URL"] = dsn
	cmd := exec.Command(bin, "sync", "--full", "changes")
	cmd.Env = workertest.Environ(vars, "PLUTORA_BUDGET_PER_HOUR=100000000", "LOG_FORMAT=json", "LOG_LEVEL=warn")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	// The peak is read from the process's own VmHWM while it runs: the
	// rusage of a child that Go starts (clone with CLONE_VM, then exec)
	// also counts the parent's resident set at the exec, here the sandbox's.
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var peak int64
	for waiting := true; waiting; {
		select {
		case err := <-done:
			if err != nil {
				b.Fatalf("sync of %d changes: %v\n%s", n, err, tail(out.Bytes(), 2000))
			}
			waiting = false
		case <-tick.C:
			peak = max(peak, vmHWM(status))
		}
	}
	wall := time.Since(start)
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM plutora.changes`).Scan(&rows); err != nil || rows != n {
		b.Fatalf("%d changes synced, want %d (%v)", rows, n, err)
	}
	if peak == 0 {
		b.Fatal("no VmHWM read from the worker")
	}
	return rssRun{rss: peak, wall: wall}
}

// vmHWM reads the peak resident set (bytes) from a /proc/PID/status file;
// 0 when it cannot (the process is gone).
func vmHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func tail(b []byte, n int) string {
	if len(b) > n {
		return fmt.Sprintf("…%s", b[len(b)-n:])
	}
	return string(b)
}
