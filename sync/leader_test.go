package sync

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"strings"
	gosync "sync"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

func testDB(t *testing.T) *sql.DB {
	t.Helper()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("PostgreSQL unreachable at TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitFor waits until cond holds, re-checking at every leadership change
// of any of ls (a condition on two leaders may turn on either's change).
func waitFor(t *testing.T, cond func() bool, what string, ls ...*Leader) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		changed, stop := anyChange(ls)
		if cond() {
			close(stop)
			return
		}
		select {
		case <-changed:
			close(stop)
		case <-deadline:
			close(stop)
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// anyChange returns a channel closed at the next leadership change of any
// of ls, and stop, to close when no longer waiting.
func anyChange(ls []*Leader) (changed <-chan struct{}, stop chan struct{}) {
	ch, stop := make(chan struct{}), make(chan struct{})
	var once gosync.Once
	for _, l := range ls {
		c := l.Changed()
		go func() {
			select {
			case <-c:
				once.Do(func() { close(ch) })
			case <-stop:
			}
		}()
	}
	return ch, stop
}

func TestLeaderTakeover(t *testing.T) {
	db := testDB(t)
	key := LegacyLockKey("plutora", t.Name()+time.Now().String())
	a, err := NewLeader(db, "plutora", []int64{key}, 50*time.Millisecond, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewLeader(db, "plutora", []int64{key}, 50*time.Millisecond, nil, nil)
	actx, acancel := context.WithCancel(context.Background())
	bctx, bcancel := context.WithCancel(context.Background())
	defer bcancel()
	aDone := make(chan struct{})
	go func() { a.Run(actx); close(aDone) }()
	waitFor(t, a.Held, "a to lead", a)
	go b.Run(bctx)

	// b cannot lead while a holds the key; a's work keeps a's lock.
	workCtx, done, ok := a.Enter(context.Background())
	if !ok {
		t.Fatal("a holds the key but Enter refused")
	}
	if _, _, ok := b.Enter(context.Background()); ok {
		t.Fatal("b entered while a leads")
	}
	var held bool
	if err := db.QueryRow(`SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & 4294967295)::oid`, key).Scan(&held); err != nil || !held {
		t.Fatalf("lock not visible in pg_locks: %v %v", held, err)
	}

	// a stops: its work context is cancelled, and only after the work ends
	// is the key released and taken by b.
	acancel()
	<-workCtx.Done()
	if b.Held() {
		t.Fatal("b leads while a's work still runs")
	}
	done()
	<-aDone
	waitFor(t, b.Held, "b to take over", b)
	if a.Held() {
		t.Error("both lead")
	}
}

func TestLeaderLosesDeadSession(t *testing.T) {
	db := testDB(t)
	key := LegacyLockKey("plutoratest", t.Name()+time.Now().String())
	a, _ := NewLeader(db, "plutoratest", []int64{key}, 50*time.Millisecond, nil, nil)
	b, _ := NewLeader(db, "plutoratest", []int64{key}, 50*time.Millisecond, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	waitFor(t, a.Held, "a to lead", a)
	go b.Run(ctx)
	// Kill a's session as if its process died: the server drops the lock.
	if _, err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & 4294967295)::oid`, key); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !a.Held() }, "a to notice the lost session", a)
	waitFor(t, func() bool { return b.Held() || a.Held() }, "a replica to take over", a, b)
}

// TestStandbySaysSoOnce (issue 22): a replica that never leads exports
// plutora_sync_leader 0 from the start, so that the alert sees a product no
// replica works; it says once at info level that another replica holds the
// key, then only at debug level at each try.
func TestStandbySaysSoOnce(t *testing.T) {
	db := testDB(t)
	key := LegacyLockKey("plutora", t.Name()+time.Now().String())
	a, _ := NewLeader(db, "plutora", []int64{key}, 20*time.Millisecond, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	waitFor(t, a.Held, "a to lead", a)

	m := newTestMetrics()
	h := &standbyCounter{tries: make(chan struct{}, 100)}
	b, err := NewLeader(db, "plutora", []int64{key}, 20*time.Millisecond, slog.New(h), m.Metrics)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := m.lookup(t, "plutora_sync_leader", "product", "plutora"); !ok || v != 0 {
		t.Fatalf("before any try: plutora_sync_leader = %v (exported: %v), want 0", v, ok)
	}
	go b.Run(ctx)
	deadline := time.After(20 * time.Second)
	for range 4 {
		select {
		case <-h.tries:
		case <-deadline:
			t.Fatal("timed out waiting for the standby's tries")
		}
	}
	info, debug := h.counts()
	if info != 1 || debug < 3 {
		t.Errorf("standby lines: %d at info, %d at debug; want 1 at info, then debug", info, debug)
	}
	if v := m.value(t, "plutora_sync_leader", "product", "plutora"); v != 0 || b.Held() {
		t.Errorf("standby: plutora_sync_leader = %v, held %v", v, b.Held())
	}
}

// standbyCounter is a slog handler that counts the standby lines by level.
type standbyCounter struct {
	mu          gosync.Mutex
	info, debug int
	tries       chan struct{}
}

func (h *standbyCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *standbyCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *standbyCounter) WithGroup(string) slog.Handler            { return h }
func (h *standbyCounter) Handle(_ context.Context, r slog.Record) error {
	if !strings.HasPrefix(r.Message, "standby:") {
		return nil
	}
	h.mu.Lock()
	if r.Level == slog.LevelInfo {
		h.info++
	} else {
		h.debug++
	}
	h.mu.Unlock()
	h.tries <- struct{}{}
	return nil
}

func (h *standbyCounter) counts() (info, debug int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.info, h.debug
}
