package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the command once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "plutora-sync-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "plutora-sync")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// sandboxEnv is the environment of a process syncing sb into dsn.
func sandboxEnv(sb *plutoratest.Server, dsn string, extra ...string) []string {
	pc, tc := sb.Plutora.Credentials(), sb.Test.Credentials()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		// Commits need not wait for the disk in a test (the server does not
		// crash here, only the client is killed): keeps the suite fast.
		"DATABASE_URL=" + withParam(dsn, "synchronous_commit", "off"),
		"PLUTORA_API_URL=" + sb.Plutora.URL, "PLUTORA_TOKEN_URL=" + sb.Plutora.TokenURL,
		"PLUTORA_CLIENT_ID=" + pc.ClientID, "PLUTORA_CLIENT_SECRET=" + pc.ClientSecret,
		"PLUTORA_USERNAME=" + pc.Username, "PLUTORA_PASSWORD=" + pc.Password,
		"PLUTORATEST_API_URL=" + sb.Test.URL, "PLUTORATEST_TOKEN_URL=" + sb.Test.TokenURL,
		"PLUTORATEST_CLIENT_ID=" + tc.ClientID, "PLUTORATEST_CLIENT_SECRET=" + tc.ClientSecret,
		"PLUTORATEST_USERNAME=" + tc.Username, "PLUTORATEST_PASSWORD=" + tc.Password,
		"LOG_FORMAT=json",
	}
	return append(env, extra...)
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// canonical re-encodes JSON with sorted keys.
func canonical(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("bad JSON %q: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var entityNames = []string{"changes", "releases", "environments", "hosts", "systems", "defects"}

// assertTablesEqualSandbox compares every entity's live rows (raw jsonb,
// field by field) with the sandbox, and checks that no two consecutive
// versions of a record are the same (no duplicated history).
func assertTablesEqualSandbox(t *testing.T, db *sqlx.DB, sb *plutoratest.Server) {
	t.Helper()
	for _, e := range entityNames {
		want := sb.Records(e)
		got := map[string]string{}
		rows, err := db.Query(`SELECT id::text, raw::text FROM plutora.` + e + ` WHERE _deleted_at IS NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, raw string
			if err := rows.Scan(&id, &raw); err != nil {
				t.Fatal(err)
			}
			got[id] = raw
		}
		rows.Close()
		bad := 0
		for id, raw := range want {
			if g, ok := got[id]; !ok || canonical(t, []byte(g)) != canonical(t, raw) {
				bad++
			}
		}
		if bad > 0 || len(got) != len(want) {
			t.Errorf("%s: %d live rows, sandbox %d, %d missing or different", e, len(got), len(want), bad)
		}
		assertNoDuplicateHistory(t, db, e)
	}
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

func sortedIDs(sb *plutoratest.Server, entity string) []string {
	var ids []string
	for id := range sb.Records(entity) {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// assertNoDuplicateHistory checks that no two consecutive versions of a
// record (its history rows, then the current row) have the same content:
// every change in the sandbox alters the record, so a repeat is a replay
// written twice.
func assertNoDuplicateHistory(t *testing.T, db *sqlx.DB, entity string) {
	t.Helper()
	rows, err := db.Query(`SELECT id::text, valid_from::text, coalesce(valid_to::text, '-'), coalesce(run_id, 0), is_current FROM (
		SELECT *, raw = lag(raw) OVER (PARTITION BY id ORDER BY valid_from, is_current) AS same,
			lead(id) OVER (PARTITION BY id ORDER BY valid_from, is_current) IS NOT NULL AS has_next FROM (
			SELECT id, valid_from, valid_to, raw, _run_id AS run_id, false AS is_current FROM plutora.` + entity + `_history
			UNION ALL SELECT id, 'infinity'::timestamptz, _deleted_at, raw, _run_id, true FROM plutora.` + entity + `) v) x
		WHERE same`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, from, to string
		var run int64
		var current bool
		if err := rows.Scan(&id, &from, &to, &run, &current); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s %s: version from %s (to %s, run %d, current %v) repeats the one before it", entity, id, from, to, run, current)
		var hist string
		_ = db.QueryRow(`SELECT string_agg(format('[%s → %s run %s]', valid_from, valid_to, _run_id), ' ' ORDER BY valid_from)
			FROM plutora.`+entity+`_history WHERE id = $1`, id).Scan(&hist)
		t.Logf("  history of %s: %s", id, hist)
	}
}

func withParam(dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
