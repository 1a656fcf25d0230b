package statuspage

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/redact"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// ledger writes runs into a fresh warehouse through the writer, as the
// runner does.
type ledger struct {
	t  *testing.T
	db *sqlx.DB
	w  *load.Writer
}

func newLedger(t *testing.T) *ledger {
	t.Helper()
	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return &ledger{t: t, db: db, w: w}
}

// run records one finished run of entity with outcome and error text.
func (l *ledger) run(entity string, outcome synctype.Outcome, errText string) int64 {
	l.t.Helper()
	ctx := context.Background()
	sandbox := true
	id, err := l.w.StartRun(ctx, synctype.RunStart{Entity: entity, Mode: synctype.ModeSweep, Sandbox: &sandbox})
	if err != nil {
		l.t.Fatal(err)
	}
	if err := l.w.FinishRun(ctx, synctype.RunResult{RunID: id, Entity: entity, Mode: synctype.ModeSweep, Outcome: outcome, Error: errText, Requests: 3}); err != nil {
		l.t.Fatal(err)
	}
	return id
}

func (l *ledger) page(o Options) *Page {
	l.t.Helper()
	o.DB = l.db.DB
	p, err := New(o)
	if err != nil {
		l.t.Fatal(err)
	}
	return p
}

func fetch(t *testing.T, h http.Handler, target string, hdr ...string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// TestQueryChecked: the page takes entity, outcome and refresh from closed
// lists; anything else is a 400 that names what was wrong and what is
// allowed, and never reaches the database.
func TestQueryChecked(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.run("hosts", synctype.OutcomeSuccess, "")
	p := l.page(Options{})
	for _, c := range []struct {
		query string
		code  int
		want  string
	}{
		{"", 200, `data-entity="hosts"`},
		{"entity=hosts&outcome=success", 200, `data-outcome="success"`},
		{"entity=&outcome=&refresh=off", 200, "refresh paused"},
		{"outcome=bogus", 400, `outcome "bogus" is not a run outcome: use one of success, warning, failed, skipped, abandoned, running`},
		{"entity=hosts%27%3B+DROP+TABLE+plutora_sync.runs%3B--", 400, `entity "hosts'; DROP TABLE plutora_sync.runs;--" is not an entity: use one of changes,`},
		{"entity=HOSTS", 400, `entity "HOSTS" is not an entity`},
		{"entity=hosts&entity=users", 400, "entity is given 2 times: give it once"},
		{"limit=1000", 400, `unknown parameter "limit": the page takes entity, outcome and refresh`},
		{"refresh=1", 400, `refresh "1": use on or off`},
		{"entity=%zz", 400, "the query string is not a valid one"},
	} {
		code, body := fetch(t, p, "/?"+c.query)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("GET /?%s: %d %.300q, want %d and %q", c.query, code, body, c.code, c.want)
		}
	}
	var runs int
	if err := l.db.Get(&runs, `SELECT count(*) FROM plutora_sync.runs`); err != nil || runs != 1 {
		t.Fatalf("the ledger holds %d runs (%v), want 1", runs, err)
	}
	if code, _ := fetch(t, p, "/other"); code != 404 {
		t.Errorf("GET /other: %d, want 404", code)
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", w.Code)
	}
}

var runLine = regexp.MustCompile(`<tr data-entity="([a-z_]+)" data-outcome="([a-z]+)">`)

// TestRunsFiltered: the recent runs filtered by entity and outcome are
// exactly the ledger's runs of that entity with that outcome, newest first.
func TestRunsFiltered(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	for i := range 3 {
		l.run("hosts", synctype.OutcomeSuccess, "")
		l.run("hosts", synctype.OutcomeFailed, fmt.Sprintf("fetch hosts page %d: bad response", i))
		l.run("users", synctype.OutcomeFailed, "fetch users page 0: bad response")
	}
	p := l.page(Options{})
	for _, c := range []struct {
		query          string
		entity, status string
		n              int
	}{
		{"entity=hosts&outcome=failed", "hosts", "failed", 3},
		{"entity=hosts", "hosts", "", 6},
		{"outcome=failed", "", "failed", 6},
		{"", "", "", 9},
	} {
		code, body := fetch(t, p, "/?"+c.query)
		if code != 200 {
			t.Fatalf("GET /?%s: %d %s", c.query, code, body)
		}
		runs := runLine.FindAllStringSubmatch(body, -1)
		if len(runs) != c.n {
			t.Errorf("GET /?%s lists %d runs, want %d", c.query, len(runs), c.n)
		}
		for _, r := range runs {
			if c.entity != "" && r[1] != c.entity || c.status != "" && r[2] != c.status {
				t.Errorf("GET /?%s lists a run of %s %s", c.query, r[1], r[2])
			}
		}
	}
	_, body := fetch(t, p, "/?entity=hosts&outcome=failed")
	last := strings.Index(body, ">fetch hosts page 2: bad response<")
	first := strings.Index(body, ">fetch hosts page 0: bad response<")
	if last < 0 || first < 0 || last > first {
		t.Errorf("the failed runs of hosts are not listed newest first with their errors (at %d and %d)", last, first)
	}
	if !strings.Contains(body, `<option selected>hosts</option>`) || !strings.Contains(body, `<option selected>failed</option>`) {
		t.Error("the filter form does not show the filter applied")
	}
}

// TestRefreshStormOneRead: many requests at once, and more within the
// cache's interval, cost one read of the warehouse; a read after the
// interval reads again.
func TestRefreshStormOneRead(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.run("hosts", synctype.OutcomeSuccess, "")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var mu gosync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p := l.page(Options{Now: clock})
	reads := 0
	read := p.cache.read
	p.cache.read = func(ctx context.Context, f load.RunFilter) (*load.Overview, error) {
		mu.Lock()
		reads++
		mu.Unlock()
		return read(ctx, f)
	}
	var wg gosync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if code, body := fetch(t, p, "/"); code != 200 {
				t.Errorf("GET /: %d %s", code, body)
			}
		})
	}
	wg.Wait()
	if reads != 1 {
		t.Fatalf("40 requests at once read the warehouse %d times, want 1", reads)
	}
	mu.Lock()
	now = now.Add(p.o.CacheFor)
	mu.Unlock()
	fetch(t, p, "/")
	if reads != 2 {
		t.Fatalf("a request after the cache's interval: %d reads in all, want 2", reads)
	}

	// A read that takes 1s serves for 10s: the page never takes more than
	// a tenth of the database's time, however slow the warehouse.
	p.cache.read = func(ctx context.Context, f load.RunFilter) (*load.Overview, error) {
		mu.Lock()
		reads++
		now = now.Add(time.Second)
		mu.Unlock()
		return read(ctx, f)
	}
	mu.Lock()
	now = now.Add(p.o.CacheFor)
	mu.Unlock()
	fetch(t, p, "/") // read 3, taking 1s
	mu.Lock()
	now = now.Add(8 * time.Second)
	mu.Unlock()
	fetch(t, p, "/")
	if reads != 3 {
		t.Fatalf("9s after a read that took 1s: %d reads in all, want 3", reads)
	}
}

// TestNoSecretShown: a ledger error that carries the API key's secret, the
// database's password or the page's token, in any form the redactor knows,
// is shown redacted.
func TestNoSecretShown(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	secret, password, token := "s3cr3t+Val/ue", "db-pass&word", "status-token-0123456789"
	l.run("changes", synctype.OutcomeFailed, "token request to x: HTTP 400 client_secret="+url.QueryEscape(secret)+
		" password="+password+" echoed "+secret+" and "+token)
	p := l.page(Options{Secrets: redact.NewSecrets(secret, password, token)})
	code, body := fetch(t, p, "/")
	if code != 200 {
		t.Fatalf("GET /: %d %s", code, body)
	}
	for _, s := range []string{secret, password, token} {
		for _, f := range append(redact.Forms(s), strings.ReplaceAll(s, "&", "&amp;"), strings.ReplaceAll(s, "+", "&#43;")) {
			if strings.Contains(body, f) {
				t.Errorf("the page shows %q", f)
			}
		}
	}
	if !strings.Contains(body, redact.Mask) {
		t.Error("the page does not show the error, redacted")
	}
}

// TestToken: with a token set, the page needs it as a bearer token or a
// basic-auth password; without, a 401 asks for it.
func TestToken(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	token := "0123456789abcdef0123"
	p := l.page(Options{Token: token})
	for _, c := range []struct {
		name string
		hdr  []string
		code int
	}{
		{"none", nil, 401},
		{"wrong bearer", []string{"Authorization", "Bearer 0123456789abcdef0124"}, 401},
		{"bearer", []string{"Authorization", "Bearer " + token}, 200},
		{"basic", []string{"Authorization", "Basic " + basic("ops", token)}, 200},
		{"basic, wrong", []string{"Authorization", "Basic " + basic("ops", "nope")}, 401},
	} {
		code, body := fetch(t, p, "/", c.hdr...)
		if code != c.code {
			t.Errorf("%s: %d %.200s, want %d", c.name, code, body, c.code)
		}
		if code == 401 && strings.Contains(body, token) {
			t.Errorf("%s: the 401 shows the token", c.name)
		}
	}
	// The check comes first: a bad query is not answered without the token.
	if code, _ := fetch(t, p, "/?outcome=bogus"); code != 401 {
		t.Errorf("a bad query without the token: %d, want 401", code)
	}
}

func basic(user, pw string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, pw)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// TestClassify reads the refusals as extract words them.
func TestClassify(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want refusal
	}{
		{fmt.Errorf("fetch changes page 0: token request to usoauth.plutora.com: %w (invalid_client: bad secret): check …", extract.ErrInvalidCredentials), credentialsRefused},
		{fmt.Errorf("fetch hosts page 0: %w", &extract.AccessDeniedError{Host: "usapi.plutora.com", Endpoint: "GET /hosts", Status: 401}), whitelistDenied},
		{fmt.Errorf("fetch changes page 0: %w", &extract.AccessDeniedError{Host: "usapi.plutora.com", Endpoint: "POST /changes/filter", Status: 401}), whitelistDenied},
		{fmt.Errorf("fetch hosts page 0: %w", &extract.AccessDeniedError{Host: "usapi.plutora.com", Endpoint: "GET /hosts", Status: 403}), accessDenied},
		{fmt.Errorf("fetch hosts page 0: %w", extract.ErrServer), notRefused},
	} {
		if got := classify(c.err.Error()); got != c.want {
			t.Errorf("classify(%q) = %d, want %d", c.err, got, c.want)
		}
	}
}

// TestBudgetSpent: a key at its limit shows a banner with when the budget
// frees up: an hour after the minute whose roll-off brings it under.
func TestBudgetSpent(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 30, 20, 0, time.UTC)
	ms := []load.RequestMinute{
		{Key: "plutora:abc", Minute: now.Add(-50 * time.Minute).Truncate(time.Minute), Count: 40},
		{Key: "plutora:abc", Minute: now.Add(-20 * time.Minute).Truncate(time.Minute), Count: 70},
		{Key: "plutoratest:def", Minute: now.Add(-time.Minute).Truncate(time.Minute), Count: 5},
	}
	ks := plots(ms, now, 100)
	if len(ks) != 2 || !ks[0].Exhausted || ks[1].Exhausted {
		t.Fatalf("plots: %+v", ks)
	}
	if ks[0].Total != 110 || ks[0].FreesAt != "12:41 UTC (in 10m40s)" {
		t.Errorf("plutora: %d requests, frees at %q", ks[0].Total, ks[0].FreesAt)
	}
	if len(ks[0].Bars) != 60 || ks[0].Bars[9].Title != "11:40 UTC: 40 requests" || !ks[0].Bars[39].Over {
		t.Errorf("bars: %d, the 10th %q", len(ks[0].Bars), ks[0].Bars[9].Title)
	}
}

// TestAllQuarantinedBanner: a run that ended warning (it read records and
// loaded none) puts a banner naming the entity on the page, and the runs
// filter takes "warning" as an outcome.
func TestAllQuarantinedBanner(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	l.run("systems", synctype.OutcomeWarning, "every record the run read (3) was quarantined")
	p := l.page(Options{})
	code, body := fetch(t, p, "/")
	if code != 200 {
		t.Fatalf("GET /: %d %s", code, body)
	}
	if !strings.Contains(body, `data-kind="quarantine"`) ||
		!strings.Contains(body, "systems: the last run quarantined every record it read") {
		t.Errorf("no quarantine banner for systems in:\n%s", body)
	}
	if code, body := fetch(t, p, "/?outcome=warning"); code != 200 {
		t.Errorf("GET /?outcome=warning: %d %s", code, body)
	}
}
