package extract_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// small sizes keep the tests fast; changes span several pages and end mid-page.
var smallSizes = plutoratest.Sizes{Changes: 430, Releases: 120, Environments: 30, Hosts: 250, Systems: 20, Defects: 260}

func newSandbox(t testing.TB, opts plutoratest.Options) *plutoratest.Server {
	t.Helper()
	if opts.Sizes == (plutoratest.Sizes{}) {
		opts.Sizes = smallSizes
	}
	sig := &signal{ch: make(chan struct{})}
	opts.Logf = func(string, ...any) { sig.fire() }
	s, err := plutoratest.NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(s.Close)
	signals.Store(s.Plutora, sig)
	signals.Store(s.Test, sig)
	return s
}

// signal is fired by the sandbox after it logs a request.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (s *signal) fire() {
	s.mu.Lock()
	close(s.ch)
	s.ch = make(chan struct{})
	s.mu.Unlock()
}

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

var signals sync.Map // *plutoratest.Product → *signal

// settle waits until p's request log holds every request c sent (the sandbox logs a
// request after it has answered, so the client may see the answer first).
func settle(t testing.TB, p *plutoratest.Product, c *extract.Client) {
	t.Helper()
	settleN(t, p, statsOf(t, c).Requests)
}

// settleN waits until p's request log holds n requests.
func settleN(t testing.TB, p *plutoratest.Product, n int64) {
	t.Helper()
	v, _ := signals.Load(p)
	sig := v.(*signal)
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		ch := sig.wait()
		if int64(len(p.RequestLog())) >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("the sandbox logged %d requests, want %d", len(p.RequestLog()), n)
		}
	}
}

// configFor is a client config for one of the sandbox's products, with fast retries.
func configFor(p *plutoratest.Product) extract.Config {
	c := p.Credentials()
	product := synctype.ProductPlutora
	if p.Name == "plutoratest" {
		product = synctype.ProductPlutoraTest
	}
	return extract.Config{
		Product:      product,
		Endpoints:    extract.Endpoints{APIURL: p.URL, TokenURL: p.TokenURL},
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Username:     c.Username,
		Password:     c.Password,
		RetryBase:    time.Millisecond,
		RetryMax:     20 * time.Millisecond,
	}
}

// newClient makes a client of cfg; one configured without an Observer gets a
// counting one, which statsOf reads.
func newClient(t testing.TB, cfg extract.Config) *extract.Client {
	t.Helper()
	var obs *countingObserver
	if cfg.Observer == nil {
		obs = newCountingObserver()
		cfg.Observer = obs
	}
	c, err := extract.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	if obs != nil {
		observers.Store(c, obs)
	}
	return c
}

var observers sync.Map // *extract.Client → its *countingObserver (newClient)

// statsOf returns what c's Observer counted: the client reports each request
// to it once (it keeps no counts of its own).
func statsOf(t testing.TB, c *extract.Client) synctype.SourceStats {
	t.Helper()
	obs, ok := observers.Load(c)
	if !ok {
		t.Fatal("statsOf: the client was not made by newClient without an Observer")
	}
	return obs.(*countingObserver).stats()
}

// collect pages through e and returns the pages and the records by id.
func collect(t testing.TB, c *extract.Client, e synctype.Entity, q synctype.Query) ([]synctype.Page, map[string]json.RawMessage, error) {
	t.Helper()
	var pages []synctype.Page
	ids := map[string]json.RawMessage{}
	err := c.Pages(t.Context(), e, q, func(p synctype.Page) error {
		pages = append(pages, p)
		for _, r := range p.Records {
			var rec struct {
				ID string `json:"id"` // matches "Id" too
			}
			if err := json.Unmarshal(r, &rec); err != nil {
				t.Fatalf("page %d: record does not decode: %v", p.Num, err)
			}
			ids[rec.ID] = r
		}
		return nil
	})
	return pages, ids, err
}

func mustEntity(t testing.TB, name string) synctype.Entity {
	t.Helper()
	e, ok := synctype.EntityByName(name)
	if !ok {
		t.Fatalf("no entity %q", name)
	}
	return e
}

// countLog counts the request log entries matching path prefix (or all with "") and status
// (or any with -1).
func countLog(p *plutoratest.Product, path string, status int) int {
	n := 0
	for _, r := range p.RequestLog() {
		if (path == "" || len(r.Path) >= len(path) && r.Path[:len(path)] == path) && (status < 0 || r.Status == status) {
			n++
		}
	}
	return n
}

// countLogFrom counts the log entries from index from on with the given status.
func countLogFrom(p *plutoratest.Product, from, status int) int {
	n := 0
	for _, r := range p.RequestLog()[from:] {
		if r.Status == status {
			n++
		}
	}
	return n
}

// debugLogger logs every line, at debug level, into b.
func debugLogger(b *workertest.LogBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var _ = context.Background
