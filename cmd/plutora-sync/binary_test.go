package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

func TestMain(m *testing.M) { workertest.Main(m) }

// sandboxEnv is the environment of a process syncing sb into dsn, logging
// JSON lines for the tests to read.
func sandboxEnv(t *testing.T, sb *plutoratest.Server, dsn string, extra ...string) []string {
	t.Helper()
	vars := workertest.SandboxEnv(sb, workertest.AsyncCommit(t, dsn))
	return workertest.Environ(vars, append([]string{"LOG_FORMAT=json"}, extra...)...)
}

// metric reads one sample of a metric from a /metrics endpoint; absent = 0.
func metric(addr, name, labels string) (float64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	prefix := name + "{" + labels + "}"
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, prefix+" ") {
			return strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, prefix)), 64)
		}
	}
	return 0, sc.Err()
}

// lineWatcher collects a process's output and signals lines containing a
// substring.
type lineWatcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	waits []waiter
}

func newLineWatcher() *lineWatcher { return &lineWatcher{} }

// on returns a channel closed when a line containing every one of subs is
// seen (now or earlier).
func (w *lineWatcher) on(subs ...string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	for _, line := range strings.Split(w.buf.String(), "\n") {
		if containsAll(line, subs) {
			close(ch)
			return ch
		}
	}
	w.waits = append(w.waits, waiter{subs, ch, 1})
	return ch
}

type waiter struct {
	subs []string
	ch   chan struct{}
	n    int // lines still to see
}

// nth returns a channel closed when the n-th line containing every one of
// subs is seen (n = 0: at once).
func (w *lineWatcher) nth(n int, subs ...string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	for _, line := range strings.Split(w.buf.String(), "\n") {
		if n > 0 && containsAll(line, subs) {
			n--
		}
	}
	if n <= 0 {
		close(ch)
		return ch
	}
	w.waits = append(w.waits, waiter{subs, ch, n})
	return ch
}

func containsAll(line string, subs []string) bool {
	for _, s := range subs {
		if !strings.Contains(line, s) {
			return false
		}
	}
	return true
}

func (w *lineWatcher) consume(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		w.mu.Lock()
		w.buf.WriteString(sc.Text() + "\n")
		kept := w.waits[:0]
		for _, wt := range w.waits {
			if containsAll(sc.Text(), wt.subs) {
				wt.n--
			}
			if wt.n <= 0 {
				close(wt.ch)
			} else {
				kept = append(kept, wt)
			}
		}
		w.waits = kept
		w.mu.Unlock()
	}
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func await(t *testing.T, ch <-chan struct{}, d time.Duration, what string, out fmt.Stringer) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("timed out after %v waiting for %s; output:\n%s", d, what, tail(out.String(), 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
