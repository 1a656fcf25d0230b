package console

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func parseFloat(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }

// fieldsOf returns the fields of the first line of out whose fields start
// with prefix.
func fieldsOf(out string, prefix ...string) []string {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= len(prefix) && strings.Join(f[:len(prefix)], " ") == strings.Join(prefix, " ") {
			return f
		}
	}
	return nil
}

// TestStatusAndPlanPerEntity: status has a line for every configured
// entity, saying "never synced" or "no success yet" where it applies, and
// check prints the plan per entity with the sizes the sweeps found, else
// the sizes page 0 gives now; a sweep that fails keeps the size known.
func TestStatusAndPlanPerEntity(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 5, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn))
	ctx := context.Background()
	var out bytes.Buffer
	if err := SyncNow(ctx, cfg, testLogger(t), SyncOptions{Entities: []string{"hosts"}, Progress: &out}); err != nil {
		t.Fatal(err)
	}

	out.Reset()
	if err := Check(ctx, cfg, testLogger(t), &out); err != nil {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	// The adaptive sweeps share the 0.8% sweep share equally: a new
	// declaration of a swept entity changes every sweep's figure.
	sweeps, polls := 0, 0
	for _, e := range synctype.Entities() {
		switch {
		case e.Product != synctype.ProductPlutora || e.Schedule != "":
		case e.Incremental():
			polls++
		default:
			sweeps++
		}
	}
	sweep, poll := 0.008*24700/float64(sweeps), 0.02*24700/float64(polls)
	f1 := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	pct := func(v float64) string { return strconv.FormatFloat(100*v/24700, 'f', 1, 64) + "%" }
	// The adaptive census of a site this small waits CENSUS_FLOOR (15
	// minutes) a round, far more than its share asks: 4 censuses of each
	// entity an hour.
	const rounds = 4.0
	for _, want := range [][]string{
		// 90 hosts: swept within their part of the sweep share, and censused:
		// that page, the 9 rows a census may confirm and the probe, 11
		// requests a census.
		{"plutora", "hosts", "90", "-", "-", f1(sweep), "-", f1(rounds * 11), f1(sweep + rounds*11), pct(sweep + rounds*11)},
		// Polls: 2% of 24,700, shared by Plutora's incremental entities. 260
		// changes (page 0's totalCount): a census of 3 pages, the 26 rows it
		// may confirm and the probe, 30 requests.
		{"plutora", "changes", "260", f1(poll), "-", "-", "-", f1(rounds * 30), f1(poll + rounds*30), pct(poll + rounds*30)},
		// The 30 environments of a summary list (check read page 0): each
		// detail refreshed once a day, 30/24 = 1.25 an hour; a census reads
		// its page, confirms up to 3 rows after the probe, and fetches no
		// detail of an unchanged item: 5 requests.
		{"plutora", "environments", "30", "-", "-", f1(sweep), "1.2", f1(rounds * 5), f1(sweep + 30.0/24 + rounds*5), pct(sweep + 30.0/24 + rounds*5)},
		// Alone on its key: 3 pages, 23 rows and the probe, 4 times an hour.
		{"plutoratest", "defects", "230", "494.0", "-", "-", "-", "108.0", "602.0", "2.4%"},
	} {
		if got := fieldsOf(out.String(), want[:2]...); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("plan line %q, want %q:\n%s", got, want, out.String())
		}
	}
	// A product's total is the sum of its entities' (each rounded to 0.1).
	sum, n := 0.0, 0.0
	for _, e := range synctype.Entities() {
		if f := fieldsOf(out.String(), "plutora", e.Name); e.Product == synctype.ProductPlutora && len(f) == 10 {
			sum, n = sum+parseFloat(f[8]), n+1
		}
	}
	if all := fieldsOf(out.String(), "plutora", "all"); len(all) != 4 || n == 0 || math.Abs(parseFloat(all[2])-sum) > 0.05*n {
		t.Errorf("plan line %q, want the sum of the entities' totals, %.1f", all, sum)
	}

	sb.Plutora.SetWhitelist("203.0.113.0/24")
	if err := SyncNow(ctx, cfg, testLogger(t), SyncOptions{Entities: []string{"systems"}, Progress: &out}); err == nil {
		t.Fatal("sync through a closed whitelist succeeded")
	}
	if err := SyncNow(ctx, cfg, testLogger(t), SyncOptions{Entities: []string{"hosts"}, Full: true, Progress: &out}); err == nil {
		t.Fatal("a sweep through a closed whitelist succeeded")
	}
	out.Reset()
	if err := Check(ctx, cfg, testLogger(t), &out); err == nil {
		t.Fatalf("check through a closed whitelist passed:\n%s", out.String())
	}
	if got := fieldsOf(out.String(), "plutora", "hosts"); len(got) < 3 || got[2] != "90" {
		t.Errorf("after a failed sweep the plan line of hosts is %q, want the size 90 still:\n%s", got, out.String())
	}
	out.Reset()
	if err := Status(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	freshness, _, _ := strings.Cut(out.String(), "RECENT RUNS")
	for _, want := range [][]string{
		{"plutora", "changes", "never", "synced", "-", "0"},
		{"plutora", "releases", "never", "synced", "-", "0"},
		{"plutora", "environments", "never", "synced", "-", "0"},
		{"plutora", "systems", "no", "success", "yet", "-", "0", "-", "-", "-", "-", "fetch", "systems", "page", "0:", "access", "denied"},
		{"plutoratest", "defects", "never", "synced", "-", "0"},
	} {
		if got := fieldsOf(freshness, want[:2]...); len(got) < len(want) || strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
			t.Errorf("freshness line %q, want %q…:\n%s", got, want, freshness)
		}
	}
	if got := fieldsOf(freshness, "plutora", "hosts"); len(got) < 6 || got[5] != "90" {
		t.Errorf("freshness of hosts %q, want a success and 90 rows:\n%s", got, freshness)
	}

	// A change modified now and synced has a lag of the last hour.
	sb.Plutora.SetWhitelist()
	if err := sb.Update(plutoratest.Changes, sb.IDs(plutoratest.Changes)[0]); err != nil {
		t.Fatal(err)
	}
	if err := SyncNow(ctx, cfg, testLogger(t), SyncOptions{Entities: []string{"changes"}, Progress: &out}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Status(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	if got := fieldsOf(out.String(), "plutora", "changes"); len(got) < 8 || !strings.HasSuffix(got[6], "s") || !strings.HasSuffix(got[7], "s") {
		t.Errorf("freshness of changes %q, want its lag p50 and p95:\n%s", got, out.String())
	}
}

// TestStatusShowsAllQuarantinedWarning (issue 23): a sync whose every
// record was quarantined ends with a warning, which the closing summary,
// both tables of status and the ledger show; a later success clears it.
func TestStatusShowsAllQuarantinedWarning(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 31,
		Sizes: plutoratest.Sizes{Changes: -1, Releases: -1, Environments: -1, Hosts: 90, Systems: -1, Defects: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	good := sb.Records("hosts")
	for id, raw := range good {
		if err := sb.SetRecord("hosts", id, bytes.Replace(raw, []byte(`"environmentID":"`), []byte(`"environmentID":"x`), 1)); err != nil {
			t.Fatal(err)
		}
	}
	db, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn))
	ctx := context.Background()
	var out bytes.Buffer
	if err := SyncNow(ctx, cfg, testLogger(t), SyncOptions{Entities: []string{"hosts"}, Progress: &out}); err != nil {
		t.Fatalf("sync: %v\n%s", err, out.String())
	}
	const warning = "warning: every record the run read (90) was quarantined"
	if !strings.Contains(out.String(), warning) {
		t.Errorf("the summary of the sync does not say %q:\n%s", warning, out.String())
	}
	status := func() (freshness, runs string) {
		t.Helper()
		out.Reset()
		if err := Status(ctx, cfg, &out); err != nil {
			t.Fatal(err)
		}
		freshness, runs, _ = strings.Cut(out.String(), "RECENT RUNS")
		return freshness, runs
	}
	freshness, runs := status()
	if got := strings.Join(fieldsOf(freshness, "plutora", "hosts"), " "); !strings.Contains(got, warning) {
		t.Errorf("FRESHNESS line of hosts %q does not say %q:\n%s", got, warning, freshness)
	}
	if got := fieldsOf(runs, "1", "hosts"); len(got) < 7 || got[6] != "warning" {
		t.Errorf("RECENT RUNS line of the run %q, want status warning:\n%s", got, runs)
	}
	var ledger string
	if err := db.Get(&ledger, `SELECT status FROM plutora_sync.runs WHERE id = 1`); err != nil || ledger != "warning" {
		t.Errorf("ledger status %q (%v), want warning", ledger, err)
	}

	for id, raw := range good {
		if err := sb.SetRecord("hosts", id, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := SyncNow(ctx, cfg, testLogger(t), SyncOptions{Entities: []string{"hosts"}, Full: true, Progress: &out}); err != nil {
		t.Fatal(err)
	}
	freshness, _ = status()
	if got := strings.Join(fieldsOf(freshness, "plutora", "hosts"), " "); strings.Contains(got, "warning") {
		t.Errorf("FRESHNESS line of hosts %q still warns after a success:\n%s", got, freshness)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 4, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn))
	ctx := context.Background()
	var buf bytes.Buffer
	if err := SyncNow(ctx, cfg, testLogger(t), SyncOptions{Progress: &buf}); err != nil {
		t.Fatal(err)
	}
	// A failing run shows up with its reason.
	sb.Plutora.SetWhitelist("203.0.113.0/24")
	err = SyncNow(ctx, cfg, testLogger(t), SyncOptions{Entities: []string{"hosts"}, Progress: &buf})
	if err == nil {
		t.Fatal("sync through a closed whitelist succeeded")
	}
	buf.Reset()
	if err := Status(ctx, cfg, &buf); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"FRESHNESS", "RECENT RUNS", "BUDGET", "plutoratest  defects", "success", "failed", "access denied", "plutora      hosts"} {
		if !strings.Contains(s, want) {
			t.Errorf("status lacks %q:\n%s", want, s)
		}
	}
}
