package sync_test

import (
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// The settings sync/config gives the client and the runner, at their
// defaults (docs/configuration.md): neither has a default of its own.
const (
	testBudget        = plutoratest.BudgetPerHour
	testReserve       = 0.05
	testPagesInFlight = 4
	testMaxBodyBytes  = 8 << 20
	testRunTimeout    = 3 * time.Hour
	testDetailRefresh = 24 * time.Hour
)

// sandboxRunner is a runner of product's entities that reads p, one of
// sb's products, with the real client, and writes into a fresh database,
// all on clk; o gives the rest of the runner's options.
func sandboxRunner(t *testing.T, p *plutoratest.Product, product synctype.Product, clk *workertest.Clock, o sync.RunnerOptions) (*sync.Runner, *sqlx.DB) {
	t.Helper()
	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr := p.Credentials()
	c, err := extract.New(t.Context(), extract.Config{Product: product, Endpoints: extract.Endpoints{APIURL: p.URL, TokenURL: p.TokenURL},
		ClientID: cr.ClientID, ClientSecret: cr.ClientSecret, Username: cr.Username, Password: cr.Password, Now: clk.Now,
		Budget: testBudget, Reserve: testReserve, PagesInFlight: testPagesInFlight, MaxBodyBytes: testMaxBodyBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	o.Writer, o.Now = w, clk.Now
	o.Sources = map[synctype.Product]sync.Source{product: {API: c, URL: p.URL, Sandbox: true, Known: true}}
	if o.DeleteMaxShare == 0 {
		o.DeleteMaxShare = 0.5
	}
	if o.RunTimeout == 0 {
		o.RunTimeout, o.DetailRefresh = testRunTimeout, testDetailRefresh
	}
	r, err := sync.NewRunner(o)
	if err != nil {
		t.Fatal(err)
	}
	return r, db
}

// TestRunWithMixedSandboxMarkerFails (issue 23): a proxy before the sandbox
// lets the marker through on the first data answers and strips it from the
// rest. The run fails saying so; it wrote nothing from an unmarked answer,
// and the ledger does not call it a sandbox run (nor a real one).
// oneEntitySandbox starts a sandbox holding n records of entity (changes,
// environments or hosts) and none of the other entities, on a fake clock
// from 2026-03-02 10:00 UTC; o sets the rest. It closes when the test ends.
func oneEntitySandbox(t *testing.T, entity string, n int, o plutoratest.Options) (*plutoratest.Server, *workertest.Clock) {
	t.Helper()
	clk := workertest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	o.Now = clk.Now
	o.Sizes = plutoratest.Sizes{Changes: -1, Releases: -1, Environments: -1, Hosts: -1, Systems: -1, Defects: -1}
	switch entity {
	case plutoratest.Changes:
		o.Sizes.Changes = n
	case plutoratest.Environments:
		o.Sizes.Environments = n
	case plutoratest.Hosts:
		o.Sizes.Hosts = n
	default:
		t.Fatalf("oneEntitySandbox: %s is not one of changes, environments, hosts", entity)
	}
	sb, err := plutoratest.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb, clk
}

func TestRunWithMixedSandboxMarkerFails(t *testing.T) {
	t.Parallel()
	sb, clk := oneEntitySandbox(t, "changes", 450, plutoratest.Options{Seed: 4})
	var answers atomic.Int64
	apiURL, tokenURL := workertest.Front(t, sb.Plutora, func(r *http.Response) {
		if r.StatusCode/100 == 2 && !strings.HasSuffix(sb.Plutora.TokenURL, r.Request.URL.Path) && answers.Add(1) > 2 {
			r.Header.Del(plutoratest.SandboxHeader)
		}
	})
	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	cr := sb.Plutora.Credentials()
	c, err := extract.New(t.Context(), extract.Config{Product: synctype.ProductPlutora, Endpoints: extract.Endpoints{APIURL: apiURL, TokenURL: tokenURL},
		ClientID: cr.ClientID, ClientSecret: cr.ClientSecret, Username: cr.Username, Password: cr.Password, Now: clk.Now,
		Budget: testBudget, Reserve: testReserve, PagesInFlight: 1, MaxBodyBytes: testMaxBodyBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// As run or sync hold it when GET /me answered with the marker.
	r, err := sync.NewRunner(sync.RunnerOptions{Writer: w, DeleteMaxShare: 0.5, Now: clk.Now, RunTimeout: testRunTimeout, DetailRefresh: testDetailRefresh,
		Sources: map[synctype.Product]sync.Source{synctype.ProductPlutora: {API: c, URL: apiURL, Sandbox: true}}})
	if err != nil {
		t.Fatal(err)
	}
	changes, _ := synctype.EntityByName("changes")
	res, err := r.Run(t.Context(), changes, synctype.ModeSweep)
	if !errors.Is(err, sync.ErrSandboxMarker) || !strings.Contains(err.Error(), "mixed") {
		t.Fatalf("run with the marker on some answers only: %v; want ErrSandboxMarker, mixed", err)
	}
	var status string
	var sandbox sql.NullBool
	var rows int
	if err := db.QueryRow(`SELECT status, sandbox FROM plutora_sync.runs WHERE id = $1`, res.RunID).Scan(&status, &sandbox); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM plutora.changes`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || sandbox.Valid {
		t.Errorf("ledger: status %s, sandbox %v; want failed and NULL (neither kind)", status, sandbox)
	}
	if rows != res.Inserted || rows >= 450 {
		t.Errorf("%d rows written, %d inserted by the marked answers; want only those (fewer than the 450 records)", rows, res.Inserted)
	}
}
