package console

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync/daemon"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// logSignals counts log records by message and signals each one.
type logSignals struct {
	slog.Handler
	mu      *gosync.Mutex
	counts  map[string]int
	changed chan struct{}
}

func newLogSignals() *logSignals {
	return &logSignals{Handler: slog.DiscardHandler, mu: &gosync.Mutex{}, counts: map[string]int{}, changed: make(chan struct{}, 1)}
}

func (h *logSignals) Enabled(context.Context, slog.Level) bool { return true }
func (h *logSignals) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logSignals) WithGroup(string) slog.Handler            { return h }
func (h *logSignals) Handle(_ context.Context, r slog.Record) error {
	key := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "product" {
			key += " " + a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	h.counts[key]++
	h.mu.Unlock()
	select {
	case h.changed <- struct{}{}:
	default:
	}
	return nil
}

func (h *logSignals) count(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[key]
}

// waitFor waits until key was logged at least n times.
func (h *logSignals) waitFor(t *testing.T, key string, n int) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for h.count(key) < n {
		select {
		case <-h.changed:
		case <-deadline:
			t.Fatalf("%q logged %d times, want %d", key, h.count(key), n)
		}
	}
}

// TestRefusedCredentialsStopRuns runs the daemon with a wrong client secret
// for Plutora on a fake clock: over 10 minutes its polls are held and the
// sandbox's token endpoint sees a handful of grants, not one per poll; the
// metric, /readyz and status say which variables to fix. Once the sandbox
// accepts the secret, the next attempt clears it all and the runs resume.
func TestRefusedCredentialsStopRuns(t *testing.T) {
	t.Parallel()
	clk := workertest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 3, Sizes: smallSizes, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db, dsn := newEmptyDB(t)
	const secret = "a-wrong-secret-4f1d"
	cfg := loadConfig(t, sandboxEnv(sb, dsn, "PLUTORA_CLIENT_ID", "rotated-key", "PLUTORA_CLIENT_SECRET", secret,
		"POLL_FLOOR", "1s", "POLL_CEILING", "1s", "POLL_BUDGET_SHARE", "0.4"))
	logs := newLogSignals()
	ready := make(chan string, 1)
	a, err := daemon.Open(context.Background(), cfg, slog.New(logs), daemon.Options{Now: clk.Now, Ready: ready})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close) // after Serve stops
	serveUntilCleanup(t, a)
	addr := <-ready
	grants := func() int {
		n := 0
		for _, r := range sb.Plutora.RequestLog() {
			if r.Path == "/oauth/token" {
				n++
			}
		}
		return n
	}
	const refused, held = "the token endpoint refuses the credentials: the product's runs wait for the next attempt plutora",
		"run held: the credentials are refused plutora"
	logs.waitFor(t, refused, 1)

	// Ten minutes of the fake clock, a minute at a time, each with polls held
	// after it (a due attempt, if any, made first).
	for range 10 {
		n := logs.count(held)
		clk.Advance(time.Minute)
		logs.waitFor(t, held, n+2)
	}
	if n := grants(); n < 2 || n > 5 {
		t.Errorf("%d token requests in 10 minutes of refused credentials, want 2 to 5", n)
	}
	if code, body := get(t, "http://"+addr+"/readyz"); code != 503 || !strings.Contains(body, "plutora credentials refused (invalid_client)") ||
		!strings.Contains(body, "check PLUTORA_CLIENT_ID and PLUTORA_CLIENT_SECRET") || strings.Contains(body, secret) {
		t.Errorf("/readyz while refused: %d %q", code, body)
	}
	if _, metrics := get(t, "http://"+addr+"/metrics"); !strings.Contains(metrics, `plutora_sync_credentials_refused{product="plutora"} 1`) ||
		!strings.Contains(metrics, `plutora_sync_credentials_refused{product="plutoratest"} 0`) {
		t.Errorf("/metrics lacks the refusal:\n%s", metrics)
	}
	var out bytes.Buffer
	if err := Status(context.Background(), cfg, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "CREDENTIALS REFUSED") || !strings.Contains(s, "PLUTORA_CLIENT_SECRET") || strings.Contains(s, secret) {
		t.Errorf("status while refused:\n%s", s)
	}

	// The key is fixed on the server's side: the next attempt gets a token.
	good := sb.Plutora.Credentials()
	sb.Plutora.AddKey(plutoratest.Credentials{ClientID: "rotated-key", ClientSecret: secret, Username: good.Username, Password: good.Password})
	clk.Advance(time.Hour)
	logs.waitFor(t, "the token endpoint accepts the credentials again: the product's runs resume plutora", 1)
	if code, body := get(t, "http://"+addr+"/readyz"); code != 200 {
		t.Errorf("/readyz after the fix: %d %q", code, body)
	}
	if _, metrics := get(t, "http://"+addr+"/metrics"); !strings.Contains(metrics, `plutora_sync_credentials_refused{product="plutora"} 0`) {
		t.Error("/metrics still shows the refusal")
	}
	var rows int
	if err := db.Get(&rows, `SELECT count(*) FROM plutora_sync.credential_refusals`); err != nil || rows != 0 {
		t.Errorf("%d refusals recorded after the fix (%v)", rows, err)
	}
}
