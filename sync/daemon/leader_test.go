package daemon

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// standbyHandler discards log records but signals the first time a
// replica's leader logs that another replica holds the product's lock.
type standbyHandler struct {
	product synctype.Product
	once    *gosync.Once
	standby chan struct{}
}

func (h standbyHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h standbyHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h standbyHandler) WithGroup(string) slog.Handler            { return h }
func (h standbyHandler) Handle(_ context.Context, r slog.Record) error {
	if !strings.HasPrefix(r.Message, "standby:") {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "product" && a.Value.String() == string(h.product) {
			h.once.Do(func() { close(h.standby) })
		}
		return true
	})
	return nil
}

// replica is one in-process daemon serving until stop is called.
type replica struct {
	app    *App
	stop   context.CancelFunc
	served chan error
}

func startReplica(t *testing.T, env map[string]string, logger *slog.Logger, opts Options) *replica {
	t.Helper()
	ready := make(chan string, 1)
	opts.Ready = ready
	a, err := Open(context.Background(), loadConfig(t, env), logger, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{app: a, stop: cancel, served: make(chan error, 1)}
	go func() { r.served <- a.Serve(ctx) }()
	select {
	case <-ready:
	case err := <-r.served:
		t.Fatalf("Serve: %v", err)
	}
	return r
}

// halt stops the replica and closes it (flushing its budget counts).
func (r *replica) halt(t *testing.T) {
	t.Helper()
	r.stop()
	if err := <-r.served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	r.app.Close()
}

// watchBothLead reports on the returned channel if a and b ever both hold
// their leadership, until stop is closed.
func watchBothLead(a, b *sync.Leader, stop <-chan struct{}) <-chan struct{} {
	both := make(chan struct{})
	go func() {
		for {
			ca, cb := a.Changed(), b.Changed()
			if a.Held() && b.Held() {
				close(both)
				return
			}
			select {
			case <-ca:
			case <-cb:
			case <-stop:
				return
			}
		}
	}()
	return both
}

// TestOneLeaderPerProductWhateverItsKey runs two replicas on one database
// and one site with two client ids of Plutora, as during a key rotation:
// only one may lead the product; the other takes over when it stops. Each
// key's requests are counted under its own budget key, with no client id
// in clear.
func TestOneLeaderPerProductWhateverItsKey(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	first := sb.Plutora.Credentials()
	second := plutoratest.Credentials{ClientID: "rotated-plutora-client", ClientSecret: "rotated-plutora-secret", Username: first.Username, Password: first.Password}
	sb.Plutora.AddKey(second)
	_, dsn := newEmptyDB(t)

	a := startReplica(t, sandboxEnv(sb, dsn, "LEADER_RETRY_INTERVAL", "50ms"), testLogger(t), Options{})
	la := a.app.Leader(synctype.ProductPlutora)
	waitLeader(t, la, true, "replica A to lead plutora")

	h := standbyHandler{product: synctype.ProductPlutora, once: new(gosync.Once), standby: make(chan struct{})}
	synced := make(chan struct{}, 1)
	b := startReplica(t, sandboxEnv(sb, dsn, "LEADER_RETRY_INTERVAL", "50ms",
		"PLUTORA_CLIENT_ID", second.ClientID, "PLUTORA_CLIENT_SECRET", second.ClientSecret), slog.New(h),
		Options{Progress: func(p sync.Progress) {
			if p.Entity.Product == synctype.ProductPlutora {
				select {
				case synced <- struct{}{}:
				default:
				}
			}
		}})
	lb := b.app.Leader(synctype.ProductPlutora)
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	both := watchBothLead(la, lb, stopWatch)

	// B tries the lock and stays a standby while A leads.
	select {
	case <-h.standby:
	case <-both:
		t.Fatal("replicas A and B, with two client ids of plutora, both lead it")
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for replica B to try the plutora lock")
	}
	// A stops: B takes over and syncs a page.
	a.halt(t)
	waitLeader(t, lb, true, "replica B to take over plutora")
	select {
	case <-synced:
	case <-time.After(60 * time.Second):
		t.Fatal("timed out waiting for replica B to sync a plutora page")
	}
	b.halt(t)
	select {
	case <-both:
		t.Fatal("replicas A and B both led plutora")
	default:
	}

	// The two keys' requests did not overlap: all of A's came before B's.
	var lastA, firstB time.Time
	for _, r := range sb.Plutora.RequestLog() {
		switch r.ClientID {
		case first.ClientID:
			lastA = r.At
		case second.ClientID:
			if firstB.IsZero() {
				firstB = r.At
			}
		}
	}
	if lastA.IsZero() || firstB.IsZero() || !lastA.Before(firstB) {
		t.Errorf("requests of key A until %v, of key B from %v: want A's all before B's", lastA, firstB)
	}
	checkBudgetKeys(t, a.app, map[string]bool{
		extract.BudgetKey(synctype.ProductPlutora, first.ClientID):  true,
		extract.BudgetKey(synctype.ProductPlutora, second.ClientID): true,
	}, first.ClientID, second.ClientID)
}

// checkBudgetKeys checks that the Plutora request counts are stored under
// exactly the want keys, none naming a client id.
func checkBudgetKeys(t *testing.T, a *App, want map[string]bool, ids ...string) {
	t.Helper()
	db, err := OpenDB(context.Background(), a.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys []string
	if err := db.Select(&keys, `SELECT DISTINCT key FROM plutora_sync.request_counts WHERE key LIKE 'plutora:%' ORDER BY key`); err != nil {
		t.Fatal(err)
	}
	var wantKeys []string
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	slices.Sort(wantKeys)
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("request_counts keys %q, want %q", keys, wantKeys)
	}
	for _, k := range keys {
		for _, id := range ids {
			if strings.Contains(k, id) {
				t.Errorf("request_counts key %q holds client id %q in clear", k, id)
			}
		}
	}
}

// waitLeader waits until l's leadership is held (or not), re-checking at
// every change.
func waitLeader(t *testing.T, l *sync.Leader, held bool, what string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		ch := l.Changed()
		if l.Held() == held {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
