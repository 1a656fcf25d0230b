package daemon

import (
	"context"
	"database/sql"
	"log/slog"
	"maps"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
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

	aSynced := make(chan struct{}, 1)
	a := startReplica(t, sandboxEnv(sb, dsn, "LEADER_RETRY_INTERVAL", "50ms"), testLogger(t), Options{Progress: signalPage(synctype.ProductPlutora, aSynced)})
	la := a.app.Leader(synctype.ProductPlutora)
	waitLeader(t, la, true, "replica A to lead plutora")
	// A has made requests with its key before B starts: the order of the
	// two keys' requests below is then about leadership, not about luck.
	select {
	case <-aSynced:
	case <-time.After(60 * time.Second):
		t.Fatal("timed out waiting for replica A to sync a plutora page")
	}

	h := standbyHandler{product: synctype.ProductPlutora, once: new(gosync.Once), standby: make(chan struct{})}
	synced := make(chan struct{}, 1)
	b := startReplica(t, sandboxEnv(sb, dsn, "LEADER_RETRY_INTERVAL", "50ms",
		"PLUTORA_CLIENT_ID", second.ClientID, "PLUTORA_CLIENT_SECRET", second.ClientSecret), slog.New(h),
		Options{Progress: signalPage(synctype.ProductPlutora, synced)})
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

// signalPage is a Progress that sends on ch (without blocking) at every
// committed page of product.
func signalPage(product synctype.Product, ch chan<- struct{}) func(sync.Progress) {
	return func(p sync.Progress) {
		if p.Entity.Product == product {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
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

// spelled returns env with the host of every sandbox URL (127.0.0.1)
// spelled host instead.
func spelled(env map[string]string, host string) map[string]string {
	out := maps.Clone(env)
	for k, v := range out {
		if strings.HasSuffix(k, "_URL") && k != "DATABASE_URL" {
			out[k] = strings.Replace(v, "://127.0.0.1:", "://"+host+":", 1)
		}
	}
	return out
}

// TestOneLeaderWhateverTheSiteIsCalled (issue 23): one replica reaches the
// sandbox as http://localhost:PORT, the other as http://127.0.0.1:PORT. It
// is one site: only one leads, and the other takes over when it stops.
func TestOneLeaderWhateverTheSiteIsCalled(t *testing.T) {
	t.Parallel()
	sb := newGuardSandbox(t)
	_, dsn := newEmptyDB(t)
	env := sandboxEnv(sb, dsn, "LEADER_RETRY_INTERVAL", "50ms")
	a := startReplica(t, spelled(env, "localhost"), testLogger(t), Options{})
	la := a.app.Leader(synctype.ProductPlutora)
	waitLeader(t, la, true, "replica A (localhost) to lead plutora")

	h := standbyHandler{product: synctype.ProductPlutora, once: new(gosync.Once), standby: make(chan struct{})}
	b := startReplica(t, env, slog.New(h), Options{})
	lb := b.app.Leader(synctype.ProductPlutora)
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	both := watchBothLead(la, lb, stopWatch)
	select {
	case <-h.standby:
	case <-both:
		t.Fatal("replicas at http://localhost and http://127.0.0.1 both lead plutora")
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for replica B (127.0.0.1) to try the plutora lock")
	}
	a.halt(t)
	waitLeader(t, lb, true, "replica B (127.0.0.1) to take over plutora")
	b.halt(t)
	select {
	case <-both:
		t.Fatal("replicas at http://localhost and http://127.0.0.1 both led plutora")
	default:
	}
}

// TestRollingUpdateWaitsForTheOldVersion: a replica of the version before
// site names (here its one key, taken by hand) still runs while a new one
// starts, as in a Deployment's rolling update. The new one does not lead
// that product until the old one lets go; it leads the other at once.
func TestRollingUpdateWaitsForTheOldVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sb := newGuardSandbox(t)
	db, dsn := newEmptyDB(t)
	old, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	oldKey := sync.LegacyLockKey(synctype.ProductPlutora, sb.Plutora.URL)
	var took bool
	if err := old.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, oldKey).Scan(&took); err != nil || !took {
		t.Fatalf("the old replica's key: %v, %v", took, err)
	}

	h := standbyHandler{product: synctype.ProductPlutora, once: new(gosync.Once), standby: make(chan struct{})}
	r := startReplica(t, sandboxEnv(sb, dsn, "LEADER_RETRY_INTERVAL", "50ms"), slog.New(h), Options{})
	defer r.halt(t)
	lp := r.app.Leader(synctype.ProductPlutora)
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	leads := watchBothLead(lp, lp, stopWatch) // fires when lp leads
	waitLeader(t, r.app.Leader(synctype.ProductPlutoraTest), true, "the new replica to lead plutoratest, whose old key is free")
	select {
	case <-h.standby:
	case <-leads:
		t.Fatal("the new replica leads plutora while a replica of the version before holds its key")
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for the new replica to try the plutora lock")
	}
	if lp.Held() {
		t.Fatal("the new replica leads plutora while a replica of the version before holds its key")
	}
	var released bool
	if err := old.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, oldKey).Scan(&released); err != nil || !released {
		t.Fatalf("release the old replica's key: %v, %v", released, err)
	}
	waitLeader(t, lp, true, "the new replica to take plutora once the old one let go")
}

// TestCheckpointsKeptWhenTheSiteIsSpelledAnew: checkpoints are per product
// and entity, not per URL: a warehouse synced through http://localhost goes
// on incrementally, from its watermark, through http://127.0.0.1.
func TestCheckpointsKeptWhenTheSiteIsSpelledAnew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sb := newGuardSandbox(t)
	db, dsn := newEmptyDB(t)
	env := sandboxEnv(sb, dsn)
	if err := syncAll(ctx, t, spelled(env, "localhost"), false); err != nil {
		t.Fatal(err)
	}
	if err := syncAll(ctx, t, env, false); err != nil {
		t.Fatal(err)
	}
	var runs []struct {
		Source string       `db:"source_url"`
		Mode   string       `db:"mode"`
		Before sql.NullTime `db:"watermark_before"`
		After  sql.NullTime `db:"watermark_after"`
	}
	if err := db.Select(&runs, `SELECT r.source_url, e.mode, e.watermark_before, e.watermark_after
		FROM plutora_sync.runs r JOIN plutora_sync.run_entities e ON e.run_id = r.id
		WHERE e.entity = 'changes' ORDER BY r.id`); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || !strings.Contains(runs[0].Source, "//localhost:") || !strings.Contains(runs[1].Source, "//127.0.0.1:") {
		t.Fatalf("runs of changes: %+v; want one through localhost, then one through 127.0.0.1", runs)
	}
	if runs[1].Mode != string(synctype.ModeIncremental) || !runs[0].After.Valid || !runs[1].Before.Valid || !runs[1].Before.Time.Equal(runs[0].After.Time) {
		t.Errorf("the run through 127.0.0.1: %s from %v; want incremental from the first run's watermark %v",
			runs[1].Mode, runs[1].Before, runs[0].After)
	}
}
