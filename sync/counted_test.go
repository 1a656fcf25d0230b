package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
)

// TestRequestCountedOnce: the client reports each request once, to the
// metrics as the daemon wires them (its one observer), which count it both
// in the run's Tally and in plutora_sync_requests_total. For runs of every
// kind (a seek, a summary list with its details, a census that confirms a
// deletion), under 5xx faults that the client retries, the requests in a
// run's ledger row equal those the sandbox logged during the run, and the
// metric grew by as many. Real HTTP client, sandbox and PostgreSQL.
func TestRequestCountedOnce(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 31, Lists: plutoratest.ListsReal,
		Sizes: plutoratest.Sizes{Changes: 250, Releases: -1, Environments: 12, Hosts: -1, Systems: -1, Defects: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db := loadtest.NewDB(t)
	w, err := load.NewWriter(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	metrics := sync.NewMetrics(reg)
	cr := sb.Plutora.Credentials()
	c, err := extract.New(t.Context(), extract.Config{Product: synctype.ProductPlutora,
		Endpoints: extract.Endpoints{APIURL: sb.Plutora.URL, TokenURL: sb.Plutora.TokenURL},
		ClientID:  cr.ClientID, ClientSecret: cr.ClientSecret, Username: cr.Username, Password: cr.Password,
		RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond, MaxAttempts: 10, Observer: metrics})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := sync.NewRunner(sync.RunnerOptions{Writer: w, DeleteMaxShare: 0.5, ConfirmMax: 10, Metrics: metrics,
		Sources: map[synctype.Product]sync.Source{synctype.ProductPlutora: {API: c, URL: sb.Plutora.URL, Sandbox: true, Known: true}}})
	if err != nil {
		t.Fatal(err)
	}
	changes, _ := synctype.EntityByName("changes")
	environments, _ := synctype.EntityByName("environments")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sb.Plutora.SetFaults(plutoratest.Faults{ServerErrors: 0.15})

	run := func(e synctype.Entity, mode synctype.Mode) {
		t.Helper()
		before, metricBefore := len(sb.Plutora.RequestLog()), counterSum(t, reg, "plutora_sync_requests_total")
		res, err := r.Run(ctx, e, mode)
		if err != nil {
			t.Fatalf("%s %s: %v", e.Name, mode, err)
		}
		logged := int64(len(sb.Plutora.RequestLog()) - before) // the sandbox logs a request before it answers
		var ledger int64
		if err := db.Get(&ledger, `SELECT requests FROM plutora_sync.run_entities WHERE run_id = $1`, res.RunID); err != nil {
			t.Fatal(err)
		}
		metric := int64(counterSum(t, reg, "plutora_sync_requests_total") - metricBefore)
		if logged == 0 || ledger != logged || res.Requests != logged || metric != logged {
			t.Errorf("%s %s run %d: the sandbox logged %d requests; the ledger counted %d, the result %d, the metric %d",
				e.Name, mode, res.RunID, logged, ledger, res.Requests, metric)
		}
	}
	run(changes, synctype.ModeIncremental) // the first: a sweep by seek, with the token
	run(environments, synctype.ModeSweep)  // a summary list: the probe and the details
	if err := sb.Delete("changes", sb.IDs("changes")[3]); err != nil {
		t.Fatal(err)
	}
	run(changes, synctype.ModeCensus) // by offset, then one GET per unseen row
	run(changes, synctype.ModeIncremental)
	if faults := countStatus(sb.Plutora, 500, 502, 503); faults == 0 {
		t.Error("no 5xx answered: the retries were not tested")
	}
}

// counterSum sums every series of the counter name in reg.
func counterSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range fams {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// countStatus counts the requests p logged with one of the statuses.
func countStatus(p *plutoratest.Product, statuses ...int) int {
	n := 0
	for _, r := range p.RequestLog() {
		for _, s := range statuses {
			if r.Status == s {
				n++
			}
		}
	}
	return n
}
