package daemon

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plutora-sync/plutora-sync/load/loadtest"
)

// levelCounter counts log records by level.
type levelCounter struct {
	mu     *gosync.Mutex
	counts map[slog.Level]int
}

func (h levelCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h levelCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h levelCounter) WithGroup(string) slog.Handler            { return h }
func (h levelCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[r.Level]++
	return nil
}

func (h levelCounter) get(l slog.Level) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[l]
}

// TestReadyz checks /readyz against a real database and one that refuses
// connections: the answer never carries the driver's error, a flood of
// probes pings the database once per interval, and the error is logged
// once per change of state.
func TestReadyz(t *testing.T) {
	t.Parallel()
	good, _ := loadtest.NewEmptyDB(t)
	// Nothing listens on port 1: the ping fails with "dial tcp 127.0.0.1:1: …".
	bad, err := sqlx.Open("postgres", "postgres://sync:s3cret-pw@127.0.0.1:1/warehouse?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	var down atomic.Bool
	var pings atomic.Int64
	ping := func(ctx context.Context) error {
		pings.Add(1)
		if down.Load() {
			return bad.PingContext(ctx)
		}
		return good.PingContext(ctx)
	}
	var clockMu gosync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	tick := func() { clockMu.Lock(); now = now.Add(readyEvery); clockMu.Unlock() }
	logs := levelCounter{mu: new(gosync.Mutex), counts: map[slog.Level]int{}}
	rc := newReadyCheck(ping, readyEvery, clock, slog.New(logs))
	srv := httptest.NewServer(NewHandler(prometheus.NewRegistry(), rc.Ready, nil))
	defer srv.Close()

	// flood sends n concurrent probes and returns the answers.
	flood := func(n int) (codes map[int]int, bodies map[string]bool) {
		codes, bodies = map[int]int{}, map[string]bool{}
		var mu gosync.Mutex
		var wg gosync.WaitGroup
		for range n {
			wg.Go(func() {
				resp, err := http.Get(srv.URL + "/readyz")
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				codes[resp.StatusCode]++
				bodies[string(b)] = true
				mu.Unlock()
			})
		}
		wg.Wait()
		return codes, bodies
	}

	if codes, _ := flood(40); codes[200] != 40 || pings.Load() != 1 {
		t.Fatalf("database up: answers %v, %d pings; want 40×200 from 1 ping", codes, pings.Load())
	}
	down.Store(true)
	if codes, _ := flood(20); codes[200] != 20 || pings.Load() != 1 {
		t.Errorf("within the interval: answers %v, %d pings; want the cached 200 and no new ping", codes, pings.Load())
	}
	for i := range 3 {
		tick()
		codes, bodies := flood(20)
		if codes[503] != 20 || pings.Load() != int64(2+i) {
			t.Errorf("database down, interval %d: answers %v, %d pings; want 20×503 from one more ping", i, codes, pings.Load())
		}
		for b := range bodies {
			if b != notReady+"\n" {
				t.Errorf("/readyz answered %q: want only %q, never the driver's error", b, notReady)
			}
		}
	}
	if w := logs.get(slog.LevelWarn); w != 1 {
		t.Errorf("%d warnings over three failing intervals, want 1 (once per change of state)", w)
	}
	down.Store(false)
	tick()
	if codes, _ := flood(5); codes[200] != 5 || logs.get(slog.LevelInfo) != 1 {
		t.Errorf("database back: answers %v, %d info logs; want 5×200 and one 'available again'", codes, logs.get(slog.LevelInfo))
	}
	down.Store(true)
	tick()
	flood(1)
	if logs.get(slog.LevelWarn) != 2 {
		t.Errorf("down again: %d warnings in all, want 2", logs.get(slog.LevelWarn))
	}
}

// A probe that hangs up does not leave a cached failure behind.
func TestReadyzProbeCancelled(t *testing.T) {
	t.Parallel()
	good, _ := loadtest.NewEmptyDB(t)
	rc := newReadyCheck(good.PingContext, time.Hour, time.Now, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rc.Ready(ctx); err != nil {
		t.Errorf("a cancelled probe's check: %v", err)
	}
	if err := rc.Ready(context.Background()); err != nil {
		t.Errorf("after a cancelled probe: %v", err)
	}
}
