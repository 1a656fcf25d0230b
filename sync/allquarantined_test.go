package sync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestAllQuarantinedRunEndsWarning (issue 23): a sweep whose every record
// is bad (the site changed a field's type, say) completes, but with the
// outcome warning, in the ledger, the result and the metrics; once the
// records are mended the next sweep is a success, loads them all and
// resolves their quarantine rows. A sweep with one bad record among good
// ones stays a success. Real HTTP client, sandbox and PostgreSQL.
func TestAllQuarantinedRunEndsWarning(t *testing.T) {
	t.Parallel()
	clk := workertest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 29, Now: clk.Now,
		Sizes: plutoratest.Sizes{Changes: -1, Releases: -1, Environments: -1, Hosts: 150, Systems: -1, Defects: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	good := sb.Records("hosts")
	setAll := func(bad bool) {
		t.Helper()
		for id, raw := range good {
			if bad { // environmentID is a uuid column
				raw = bytes.Replace(raw, []byte(`"environmentID":"`), []byte(`"environmentID":"not a uuid `), 1)
			}
			if err := sb.SetRecord("hosts", id, json.RawMessage(raw)); err != nil {
				t.Fatal(err)
			}
		}
	}
	setAll(true)
	reg := prometheus.NewRegistry()
	r, db := sandboxRunner(t, sb.Plutora, synctype.ProductPlutora, clk, sync.RunnerOptions{Metrics: sync.NewMetrics(reg)})
	hosts, _ := synctype.EntityByName("hosts")
	sweep := func() synctype.RunResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		res, err := r.Run(ctx, hosts, synctype.ModeSweep)
		if err != nil {
			t.Fatalf("sweep: %v", err)
		}
		return res
	}
	ledger := func(runID int64) string {
		t.Helper()
		var s string
		if err := db.Get(&s, `SELECT status || ': ' || coalesce(error, '') FROM plutora_sync.runs WHERE id = $1`, runID); err != nil {
			t.Fatal(err)
		}
		return s
	}

	res := sweep()
	if res.Outcome != synctype.OutcomeWarning || res.Quarantined != len(good) || res.Inserted != 0 ||
		!strings.Contains(res.Error, "every record the run read (150) was quarantined") {
		t.Fatalf("sweep of bad records only: %s, %d quarantined, %d inserted (%s); want a warning with all %d quarantined",
			res.Outcome, res.Quarantined, res.Inserted, res.Error, len(good))
	}
	if got := ledger(res.RunID); !strings.HasPrefix(got, "warning: every record the run read (150) was quarantined") {
		t.Errorf("ledger of the all-quarantined run: %q", got)
	}
	for name, want := range map[string]float64{"plutora_sync_last_run_all_quarantined": 1, "plutora_sync_consecutive_failures": 0} {
		if v := sampleValue(t, reg, name); v != want {
			t.Errorf("%s = %v after the all-quarantined run, want %v", name, v, want)
		}
	}

	setAll(false)
	if err := sb.SetRecord("hosts", sb.IDs("hosts")[3], json.RawMessage(`{"id":"`+sb.IDs("hosts")[3]+`","environmentID":"bad"}`)); err != nil {
		t.Fatal(err)
	}
	res = sweep()
	if res.Outcome != synctype.OutcomeSuccess || res.Inserted != len(good)-1 || res.Quarantined != 1 {
		t.Fatalf("sweep of mended records and one bad: %s, %d inserted, %d quarantined (%s); want a success", res.Outcome, res.Inserted, res.Quarantined, res.Error)
	}
	if got := ledger(res.RunID); got != "success: " {
		t.Errorf("ledger of the mended sweep: %q", got)
	}
	if v := sampleValue(t, reg, "plutora_sync_last_run_all_quarantined"); v != 0 {
		t.Errorf("plutora_sync_last_run_all_quarantined = %v after a success, want 0", v)
	}
	var open int
	if err := db.Get(&open, `SELECT count(*) FROM plutora_sync.quarantine WHERE entity = 'hosts' AND resolved_at IS NULL`); err != nil || open != 1 {
		t.Errorf("%d open quarantine rows of hosts (%v), want the one still bad", open, err)
	}
}
