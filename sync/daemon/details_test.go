package daemon

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestSummaryListsEnriched runs the worker against both list worlds. With
// summary lists it fetches each environment's and system's detail on the
// first load, none on a sweep that finds the summaries unchanged, one for
// an item whose summary changed, and catches a change no summary shows on
// the rolling refresh, each record once a day, spread over the day. With
// full lists it asks one detail per entity, to compare, and no more.
func TestSummaryListsEnriched(t *testing.T) {
	t.Parallel()
	for _, lists := range []plutoratest.Lists{plutoratest.ListsReal, plutoratest.ListsFull} {
		t.Run(lists.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			clk := workertest.NewClock(t0)
			sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 11, Sizes: smallSizes, Now: clk.Now, Lists: lists})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			db, dsn := newEmptyDB(t)
			a, err := Open(ctx, loadConfig(t, sandboxEnv(sb, dsn)), testLogger(t), Options{Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			sweep := func(names ...string) map[string]synctype.RunResult {
				t.Helper()
				res, err := a.SyncOnce(ctx, nil, names, synctype.ModeIncremental)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]synctype.RunResult{}
				for _, r := range res {
					out[r.Entity] = r
				}
				return out
			}
			first := sweep()
			workertest.AssertTablesEqualSandbox(t, db, sb)
			summary := lists == plutoratest.ListsReal
			for _, e := range []string{"environments", "systems"} {
				want := 1 // the comparison with a detail
				if summary {
					want = len(sb.IDs(e))
				}
				if got := first[e].Details; got != want {
					t.Errorf("first load of %s: %d detail requests, want %d", e, got, want)
				}
			}
			if got := first["hosts"].Details; got != 1 {
				t.Errorf("first load of hosts (a full list): %d detail requests, want the 1 that compares", got)
			}
			if !summary {
				if again := sweep("environments", "systems"); again["environments"].Details+again["systems"].Details != 0 {
					t.Errorf("full lists: a second sweep asked details: %+v", again)
				}
				return
			}

			// A summary that changed costs its one detail; one that did not, none.
			envs, systems := sb.IDs("environments"), sb.IDs("systems")
			setField(t, sb, "environments", envs[0], "name", "Renamed environment")
			setField(t, sb, "systems", systems[0], "vendor", "A vendor no summary shows")
			clk.Advance(10 * time.Minute)
			second := sweep("environments", "systems")
			// (Details count the rolling refresh too: a record whose slot
			// passed in these 10 minutes is due.)
			env, sys := second["environments"], second["systems"]
			if env.Details-env.Refreshed != 1 || sys.Details-sys.Refreshed != 0 {
				t.Errorf("second sweep: %d environment and %d system details beyond the refresh, want 1 and 0",
					env.Details-env.Refreshed, sys.Details-sys.Refreshed)
			}
			if sys.Refreshed == 0 {
				var vendor string
				if err := db.QueryRow(`SELECT vendor FROM plutora.systems WHERE id = $1`, systems[0]).Scan(&vendor); err != nil || vendor == "A vendor no summary shows" {
					t.Errorf("the vendor no summary shows is loaded before a refresh (%q, %v)", vendor, err)
				}
			}

			// Hourly sweeps over the next day: the rolling refresh fetches each
			// record once, a few an hour, and catches the vendor.
			refreshed := map[string]int{"environments": env.Refreshed, "systems": sys.Refreshed}
			most := max(env.Refreshed, sys.Refreshed)
			for i := range 24 {
				clk.Advance(time.Hour)
				if i == 23 {
					clk.Advance(-10 * time.Minute) // a day after the first load, not after the second sweep
				}
				for e, r := range sweep("environments", "systems") {
					refreshed[e] += r.Refreshed
					most = max(most, r.Refreshed)
				}
			}
			if refreshed["environments"] != len(envs) || refreshed["systems"] != len(systems) {
				t.Errorf("a day of refreshes: %v, want each record once (%d environments, %d systems)", refreshed, len(envs), len(systems))
			}
			if most > len(envs)/3 {
				t.Errorf("one run refreshed %d records: not spread over the day", most)
			}
			sweep("environment_groups") // a group lists its environments: it follows their changes
			workertest.AssertTablesEqualSandbox(t, db, sb)
			var details, refreshedLedger int
			if err := db.QueryRow(`SELECT sum(details), sum(refreshed) FROM plutora_sync.run_entities WHERE entity = 'systems'`).Scan(&details, &refreshedLedger); err != nil {
				t.Fatal(err)
			}
			if details != 2*len(systems) || refreshedLedger != len(systems) {
				t.Errorf("ledger of systems: %d details and %d refreshed, want %d and %d", details, refreshedLedger, 2*len(systems), len(systems))
			}
		})
	}
}

// setField stores entity id's record with one member changed.
func setField(t *testing.T, sb *plutoratest.Server, entity, id, field, value string) {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal(sb.Records(entity)[id], &rec); err != nil {
		t.Fatal(err)
	}
	rec[field] = value
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.SetRecord(entity, id, raw); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sb.Records(entity)[id]), value) {
		t.Fatalf("%s %s not set", entity, id)
	}
}
