package deploy

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestFirstHour runs the README's walkthrough as a newcomer would: the
// shell blocks of "The first hour", in order, each line as written, with the
// binary on PATH. Two things are rewritten, nothing else: the databases
// (plutora and plutora_demo become fresh names on TEST_DATABASE_URL's
// server, so that the walkthrough starts, as on a fresh machine, with no
// database of its own) and the local addresses (the walkthrough's ports
// become free ones, given to sim with its -plutora-addr and -test-addr, so
// that the test runs beside others). sim and run, which serve until
// interrupted, run in the background, as in a second terminal; the test
// waits for what they print, never for a time. After each step it checks
// what the warehouse holds.
func TestFirstHour(t *testing.T) {
	t.Parallel()
	w := newWalkthrough(t)
	blocks := shellBlocks(docSection(t, "README.md", "## The first hour"))
	if len(blocks) < 7 {
		t.Fatalf("the walkthrough has %d shell blocks, want at least 7 (demo, sim, exports, migrate, check, sync, status, run)", len(blocks))
	}
	for _, block := range blocks {
		for _, line := range block {
			w.step(line)
		}
	}
	w.stopAll()
	for _, want := range []string{"demo", "sim", "migrate", "check", "sync", "status", "run", "psql", "curl"} {
		if !w.ran[want] {
			t.Errorf("the walkthrough never runs %s", want)
		}
	}
}

// TestFirstHourVariables: every variable the walkthrough names is one the
// worker reads.
func TestFirstHourVariables(t *testing.T) {
	defaults := configDefaults(t)
	for _, v := range regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b`).FindAllString(docSection(t, "README.md", "## The first hour"), -1) {
		if _, ok := defaults[v]; !ok {
			t.Errorf("README's first hour names %s, which the worker does not read", v)
		}
	}
}

// shellBlocks returns the lines of each ```sh block of text, in order.
func shellBlocks(text string) [][]string {
	var blocks [][]string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text, -1) {
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(m[1]), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		blocks = append(blocks, lines)
	}
	return blocks
}

// walkthrough is the state of a run of the README's first hour.
type walkthrough struct {
	t        *testing.T
	server   *url.URL          // TEST_DATABASE_URL's server
	names    map[string]string // the README's database names → fresh ones
	ports    map[string]string // the README's local addresses → free ones
	env      []string          // PATH with the binary, HOME, DATABASE_URL for the demo
	exports  []string          // the export lines run so far, before each command
	ran      map[string]bool   // the commands run
	sim, run *background
}

func newWalkthrough(t *testing.T) *walkthrough {
	t.Helper()
	server, err := url.Parse(loadtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	fresh := fmt.Sprintf("firsthour_%d", time.Now().UnixNano())
	w := &walkthrough{t: t, server: server, ran: map[string]bool{}, ports: map[string]string{},
		names: map[string]string{"plutora": fresh, "plutora_demo": fresh + "_demo"}}
	for _, name := range w.names {
		t.Cleanup(func() { w.dropDatabase(name) })
	}
	bin := workertest.Binary(t)
	w.env = []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		// The demo writes into plutora_demo when DATABASE_URL is unset: here
		// into the fresh name that stands for it.
		"DATABASE_URL=" + w.databaseURL("plutora_demo")}
	return w
}

// databaseURL is the URL of the fresh database standing for the README's name.
func (w *walkthrough) databaseURL(name string) string {
	u := *w.server
	u.Path = "/" + w.names[name]
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	readmeDatabase = regexp.MustCompile(`postgres://postgres@127\.0\.0\.1:5432/(plutora_demo|plutora)\b(\?[^'\s]*)?`)
	localAddress   = regexp.MustCompile(`127\.0\.0\.1:(\d+)\b`)
	subcommand     = regexp.MustCompile(`(?:^|\s)plutora-sync ([a-z]+)`)
)

// rewrite swaps the README's databases and addresses for the test's.
func (w *walkthrough) rewrite(line string) string {
	line = readmeDatabase.ReplaceAllStringFunc(line, func(m string) string {
		return w.databaseURL(readmeDatabase.FindStringSubmatch(m)[1])
	})
	return localAddress.ReplaceAllStringFunc(line, func(addr string) string {
		if strings.HasSuffix(addr, ":5432") {
			return addr
		}
		if _, ok := w.ports[addr]; !ok {
			w.ports[addr] = workertest.FreeAddr(w.t)
		}
		return w.ports[addr]
	})
}

// step runs one line of the walkthrough and checks its outcome.
func (w *walkthrough) step(readme string) {
	t := w.t
	line := w.rewrite(readme)
	cmd := ""
	if m := subcommand.FindStringSubmatch(line); m != nil {
		cmd = m[1]
	} else {
		cmd = strings.Fields(line)[0]
	}
	w.ran[cmd] = true
	t.Logf("$ %s", readme)
	switch cmd {
	case "export":
		w.exports = append(w.exports, line)
		return
	case "sim":
		w.startSim(line)
		return
	case "run":
		w.startRun(line)
		return
	}
	out := w.shell(line)
	w.check(cmd, line, out)
}

// shell runs line with the exports so far and returns what it printed; it
// must exit 0.
func (w *walkthrough) shell(line string) string {
	t := w.t
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", strings.Join(append(w.exports, line), "\n"))
	c.Env = w.env
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	return string(out)
}

// check checks what a step printed and what the warehouse holds after it.
func (w *walkthrough) check(cmd, line, out string) {
	t := w.t
	fields := strings.Fields(line)
	switch cmd {
	case "demo":
		if !strings.Contains(out, "created database") || !strings.Contains(out, w.names["plutora_demo"]) {
			t.Errorf("demo did not create its database:\n%s", out)
		}
		w.everyEntityHasRows("plutora_demo")
	case "psql":
		if !strings.Contains(out, "reporting | changes") {
			t.Errorf("psql lists no reporting view:\n%s", out)
		}
	case "migrate":
		db := w.open("plutora")
		defer db.Close()
		if cur, target, err := schema.Version(context.Background(), db.DB); err != nil || cur != target {
			t.Errorf("after migrate: schema version %d of %d (%v)", cur, target, err)
		}
	case "check":
		for _, want := range []string{"database                     ok", "plutora token+whitelist      ok", "plutoratest token+whitelist  ok"} {
			if !strings.Contains(out, want) {
				t.Errorf("check lacks %q:\n%s", want, out)
			}
		}
	case "sync":
		var named []string
		for _, f := range fields[slices.Index(fields, "sync")+1:] {
			if !strings.HasPrefix(f, "-") {
				named = append(named, f)
			}
		}
		for _, e := range synctype.Entities() {
			if len(named) == 0 || slices.Contains(named, e.Name) {
				if !regexp.MustCompile(`(?m)^` + e.Name + ` .*  ok$`).MatchString(out) {
					t.Errorf("%s: %s did not end ok:\n%s", line, e.Name, out)
				}
			}
		}
		w.everyEntityHasRows("plutora")
	case "status":
		for _, e := range synctype.Entities() {
			if !regexp.MustCompile(`(?m)^\S+ +` + e.Name + ` +\d{4}-\d\d-\d\d `).MatchString(out) {
				t.Errorf("status shows no success of %s:\n%s", e.Name, out)
			}
		}
	case "curl":
		want := map[bool]string{true: "plutora_sync_rows_total{", false: "ok\n"}[strings.Contains(line, "/metrics")]
		if !strings.Contains(out, want) {
			t.Errorf("%s: no %q in:\n%s", line, want, out)
		}
	}
}

// everyEntityHasRows fails unless every entity's table in the database
// standing for name holds rows: the seeded sizes where sim said them.
func (w *walkthrough) everyEntityHasRows(name string) {
	db := w.open(name)
	defer db.Close()
	for _, e := range synctype.Entities() {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM plutora.`+e.Name); err != nil || n == 0 {
			w.t.Errorf("%s: plutora.%s holds %d rows (%v)", w.names[name], e.Name, n, err)
		}
	}
}

func (w *walkthrough) open(name string) *sqlx.DB {
	db, err := sqlx.Open("postgres", w.databaseURL(name))
	if err != nil {
		w.t.Fatal(err)
	}
	return db
}

func (w *walkthrough) dropDatabase(name string) {
	admin, err := sqlx.Open("postgres", loadtest.ServerURL())
	if err != nil {
		w.t.Error(err)
		return
	}
	defer admin.Close()
	if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + pq.QuoteIdentifier(name) + ` WITH (FORCE)`); err != nil {
		w.t.Errorf("drop %s: %v", name, err)
	}
}

// startSim starts sim on the addresses that the walkthrough's exports (a
// step further on) point the worker at, and waits until it serves.
func (w *walkthrough) startSim(line string) {
	exported := map[string]string{}
	for _, block := range shellBlocks(docSection(w.t, "README.md", "## The first hour")) {
		for _, l := range block {
			for _, m := range regexp.MustCompile(`([A-Z_]+)=(\S+)`).FindAllStringSubmatch(w.rewrite(l), -1) {
				exported[m[1]] = strings.Trim(m[2], "'")
			}
		}
	}
	addr := func(v string) string {
		u, err := url.Parse(exported[v])
		if err != nil || u.Host == "" {
			w.t.Fatalf("the walkthrough sets no %s for sim to serve at", v)
		}
		return u.Host
	}
	line += " -plutora-addr " + addr("PLUTORA_API_URL") + " -test-addr " + addr("PLUTORATEST_API_URL")
	w.sim = w.background(line, "Serving until interrupted.")
}

// startRun starts the daemon and waits until it has finished a run, so that
// its metrics hold rows.
func (w *walkthrough) startRun(line string) {
	w.run = w.background(line, `"msg":"daemon started"`, `"msg":"run finished"`)
}

// background is a process of the walkthrough that serves until interrupted.
type background struct {
	cmd   *exec.Cmd
	line  string
	ready chan struct{} // closed once it has printed what was waited for
	done  chan struct{} // closed once it has exited and its output is read
	mu    gosync.Mutex
	out   strings.Builder
}

func (b *background) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

// background starts line and returns once it has printed each of waitFor,
// in order; it fails the test if the process ends first or after 3 minutes.
func (w *walkthrough) background(line string, waitFor ...string) *background {
	t := w.t
	b := &background{line: line, ready: make(chan struct{}), done: make(chan struct{})}
	b.cmd = exec.Command("bash", "-c", strings.Join(append(w.exports, line), "\n"))
	b.cmd.Env = w.env
	// A process group of its own, as a terminal's job: Ctrl-C (SIGINT)
	// goes to plutora-sync and the shell around it.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pipe, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b.cmd.Stderr = b.cmd.Stdout
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(b.done)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			b.mu.Lock()
			b.out.WriteString(sc.Text() + "\n")
			b.mu.Unlock()
			if len(waitFor) > 0 && strings.Contains(sc.Text(), waitFor[0]) {
				if waitFor = waitFor[1:]; len(waitFor) == 0 {
					close(b.ready)
				}
			}
		}
		_ = b.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.done
	})
	select {
	case <-b.ready:
	case <-b.done:
		t.Fatalf("%s ended before it was ready:\n%s", line, b.output())
	case <-time.After(3 * time.Minute):
		t.Fatalf("%s: not ready after 3 minutes:\n%s", line, b.output())
	}
	return b
}

// stopAll interrupts the daemon and sim, as Ctrl-C does, and checks that
// each stops cleanly.
func (w *walkthrough) stopAll() {
	for _, b := range []*background{w.run, w.sim} {
		if b == nil {
			continue
		}
		if err := syscall.Kill(-b.cmd.Process.Pid, syscall.SIGINT); err != nil {
			w.t.Fatal(err)
		}
		select {
		case <-b.done:
			if !b.cmd.ProcessState.Success() {
				w.t.Errorf("%s: after Ctrl-C: %v\n%s", b.line, b.cmd.ProcessState, b.output())
			}
		case <-time.After(time.Minute):
			w.t.Errorf("%s did not stop a minute after Ctrl-C", b.line)
		}
	}
}
