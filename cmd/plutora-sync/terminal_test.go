package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
	"github.com/hinshun/vt10x"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

const screenCols, screenRows = 200, 80 // tall enough for every entity's bar, its table row and the log above

// onTerminal starts the built binary with args in a pseudo-terminal and
// feeds what it prints to a terminal emulator. seen is called with the
// screen after every read; the returned channel is closed when the process
// has exited and its output is read.
func onTerminal(t *testing.T, env []string, seen func(screen string), args ...string) (*exec.Cmd, vt10x.Terminal, <-chan struct{}) {
	t.Helper()
	return onTerminalSized(t, &pty.Winsize{Cols: screenCols, Rows: screenRows}, env, seen, args...)
}

// onTerminalSized is onTerminal on a pseudo-terminal that says it has size
// (the emulator reading it keeps the test's screen size).
func onTerminalSized(t *testing.T, size *pty.Winsize, env []string, seen func(screen string), args ...string) (*exec.Cmd, vt10x.Terminal, <-chan struct{}) {
	t.Helper()
	cmd := exec.Command(workertest.Binary(t), args...)
	cmd.Env = append(env, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, size)
	if err != nil {
		t.Fatal(err)
	}
	vt := vt10x.New(vt10x.WithSize(screenCols, screenRows))
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 32<<10)
		for {
			n, err := tty.Read(buf) // EIO once the process has exited
			if n > 0 {
				_, _ = vt.Write(buf[:n])
				if seen != nil {
					seen(vt.String())
				}
			}
			if err != nil {
				_ = cmd.Wait()
				tty.Close()
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return cmd, vt, done
}

func awaitExit(t *testing.T, done <-chan struct{}, vt vt10x.Terminal) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the sync did not end; screen:\n%s", vt.String())
	}
}

// TestSyncOnATerminal drives `sync` in a pseudo-terminal and reads the final
// screen: one line per entity with its final state (no copies of a bar),
// log lines whole above the bars, and the closing table with the counts the
// warehouse holds.
func TestSyncOnATerminal(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5, Latency: 25 * time.Millisecond,
		Sizes: plutoratest.Sizes{Changes: 3000, Releases: 150, Environments: 120, Hosts: 250, Systems: 60, Defects: 1500}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := loadtest.NewEmptyDB(t)
	env := workertest.Environ(workertest.SandboxEnv(sb, workertest.AsyncCommit(t, dsn)), "PAGES_IN_FLIGHT=1")
	cmd, vt, done := onTerminal(t, env, nil, "sync")
	awaitExit(t, done, vt)
	screen := vt.String()
	t.Logf("final screen:\n%s", screen)
	if !cmd.ProcessState.Success() {
		t.Fatalf("sync failed: %v", cmd.ProcessState)
	}
	lines := strings.Split(screen, "\n")
	firstBar := len(lines)
	for _, e := range synctype.Entities() {
		bar := regexp.MustCompile(`^` + e.Name + ` +(sweep|incremental) +.*\d+/\d+ +pages +\d+ rows +done in \d`)
		var at []int
		for i, l := range lines {
			if strings.HasPrefix(l, e.Name+" ") && strings.Contains(l, "pages") {
				at = append(at, i)
				if !bar.MatchString(l) {
					t.Errorf("%s: bar line %q is not done", e.Name, strings.TrimSpace(l))
				}
			}
		}
		if len(at) != 1 {
			t.Errorf("%s: %d bar lines, want 1", e.Name, len(at))
			continue
		}
		firstBar = min(firstBar, at[0])
	}
	logs := 0
	for i, l := range lines {
		if !strings.Contains(l, "level=") {
			continue
		}
		logs++
		if !regexp.MustCompile(`^time=\S+ level=[A-Z]+ msg=`).MatchString(l) || strings.Contains(l, "pages ") {
			t.Errorf("broken log line %d: %q", i, strings.TrimSpace(l))
		}
		if i > firstBar {
			t.Errorf("log line %d below the bars (from line %d): %q", i, firstBar, strings.TrimSpace(l))
		}
	}
	if n := strings.Count(screen, `msg="token obtained"`); n != 2 || logs < 2 {
		t.Errorf("%d token lines (want one per product), %d log lines", n, logs)
	}
	// The first sync migrates the fresh database: one line says so.
	if n := strings.Count(screen, `msg="migrations applied"`); n != 1 || strings.Contains(screen, `msg="migration applied"`) {
		t.Errorf("%d migration summary lines, want 1 and no line per file", n)
	}
	checkClosingTable(t, lines, func(entity string) int {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM plutora.` + entity).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// checkClosingTable finds the table's row of every entity and compares its
// inserted column (a first sync inserts every row) with the warehouse.
func checkClosingTable(t *testing.T, lines []string, rows func(entity string) int) {
	t.Helper()
	header := -1
	for i, l := range lines {
		if strings.Fields(l) != nil && strings.Join(strings.Fields(l), " ") ==
			"entity mode inserted updated unchanged deleted quarantined requests duration result" {
			header = i
		}
	}
	if header < 0 {
		t.Fatal("no closing table on the screen")
	}
	for i, e := range synctype.Entities() {
		f := strings.Fields(lines[header+1+i])
		if len(f) != 10 || f[0] != e.Name || f[9] != "ok" {
			t.Errorf("table row %d: %q, want %s … ok", i, lines[header+1+i], e.Name)
			continue
		}
		inserted, _ := strconv.Atoi(f[2])
		requests, _ := strconv.Atoi(f[7])
		if want := rows(e.Name); inserted != want || want == 0 {
			t.Errorf("%s: table says %d inserted, the warehouse holds %d rows", e.Name, inserted, want)
		}
		if requests == 0 {
			t.Errorf("%s: no requests in %q", e.Name, lines[header+1+i])
		}
	}
	if !strings.HasPrefix(lines[header+1+len(synctype.Entities())], "requests sent: plutora ") {
		t.Errorf("no requests line under the table: %q", lines[header+1+len(synctype.Entities())])
	}
}

// TestSyncOnATerminalShowsBudgetWait: with the budget spent, the bars of the
// product's entities and a log line say that requests wait, and until when.
func TestSyncOnATerminalShowsBudgetWait(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 6,
		Sizes: plutoratest.Sizes{Changes: 12000, Releases: 50, Environments: 50, Hosts: 50, Systems: 50, Defects: 50}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := loadtest.NewEmptyDB(t)
	env := workertest.Environ(workertest.SandboxEnv(sb, workertest.AsyncCommit(t, dsn)),
		// 104 after the reserve: the least the schedules need at one page per
		// run (lookup_values' census is planned at 41), and below changes' 120 pages.
		"PLUTORA_BUDGET_PER_HOUR=110", "PLUTORA_BUDGET_RESERVE=0.05")
	bar := regexp.MustCompile(`(?m)^changes +sweep .* pages .*waiting for the budget \((\d+)/104 in the last hour\) until \d\d:\d\d:\d\d`)
	logLine := regexp.MustCompile(`(?m)^time=\S+ level=INFO msg="waiting for the budget" product=plutora used=\d+ limit=104 next_request_at=\d\d:\d\d:\d\d wait=\d+m`)
	waiting := make(chan string, 1)
	seen := func(screen string) {
		if bar.MatchString(screen) && logLine.MatchString(screen) {
			select {
			case waiting <- screen:
			default:
			}
		}
	}
	cmd, vt, done := onTerminal(t, env, seen, "sync", "changes")
	select {
	case screen := <-waiting:
		t.Logf("screen while waiting:\n%s", screen)
	case <-done:
		t.Fatalf("the sync ended without waiting for the budget; screen:\n%s", vt.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no wait shown; screen:\n%s", vt.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	awaitExit(t, done, vt)
	t.Logf("final screen:\n%s", vt.String())
	if screen := vt.String(); !regexp.MustCompile(`(?m)^changes +sweep .* pages .*interrupted after`).MatchString(screen) {
		t.Errorf("after SIGINT the bar does not say interrupted:\n%s", screen)
	}
}

// TestSyncOnAZeroSizedTerminal: a pseudo-terminal whose size nobody set says
// 0×0; the bars still show, drawn for 80 columns, one line per entity.
func TestSyncOnAZeroSizedTerminal(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 7,
		Sizes: plutoratest.Sizes{Changes: 300, Releases: 20, Environments: 20, Hosts: 20, Systems: 20, Defects: 200}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := loadtest.NewEmptyDB(t)
	env := workertest.Environ(workertest.SandboxEnv(sb, workertest.AsyncCommit(t, dsn)))
	cmd, vt, done := onTerminalSized(t, &pty.Winsize{}, env, nil, "sync")
	awaitExit(t, done, vt)
	screen := vt.String()
	t.Logf("final screen:\n%s", screen)
	if !cmd.ProcessState.Success() {
		t.Fatalf("sync failed: %v", cmd.ProcessState)
	}
	for _, e := range synctype.Entities() {
		bar := regexp.MustCompile(`(?m)^` + e.Name + ` +(sweep|incremental) .*\d+/\d+ +pages.*$`)
		lines := bar.FindAllString(screen, -1)
		if len(lines) != 1 {
			t.Errorf("%s: %d bar lines, want 1", e.Name, len(lines))
		}
		for _, l := range lines {
			if n := utf8.RuneCountInString(strings.TrimRight(l, " ")); n > 80 {
				t.Errorf("%s: a bar of %d columns, over 80: %q", e.Name, n, l)
			}
		}
	}
}
