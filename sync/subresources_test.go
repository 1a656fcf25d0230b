package sync_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestSubresourcesFollowTheRelease (issue 25): a release is read with its
// phases, gates, activities, criteria and stakeholders, which land in their
// tables. A phase that changes without moving its release is not read by
// the next poll (nothing says it changed), but by the rolling refresh once
// the release's read is DETAIL_REFRESH old.
func TestSubresourcesFollowTheRelease(t *testing.T) {
	t.Parallel()
	clk := workertest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 6, Now: clk.Now,
		Sizes: plutoratest.Sizes{Changes: -1, Releases: 12, Environments: 3, Hosts: -1, Systems: -1, Defects: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	r, db := sandboxRunner(t, sb.Plutora, synctype.ProductPlutora, clk, sync.RunnerOptions{})
	releases, _ := synctype.EntityByName("releases")
	run := func() synctype.RunResult {
		t.Helper()
		res, err := r.Run(t.Context(), releases, synctype.ModeIncremental)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	run()
	phases := schedule(t, sb, releases, "phases")
	if len(phases) < 12 || !equalRows(t, db, phases) {
		t.Fatalf("after the first load: %d phases in the sandbox, the warehouse differs", len(phases))
	}
	for _, table := range []string{"release_gates", "release_activities", "release_criteria"} {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM plutora.`+table); err != nil || n == 0 {
			t.Errorf("plutora.%s: %d rows (%v), want the releases' items", table, n, err)
		}
	}

	var phase string
	for id := range phases {
		phase = id
		break
	}
	if err := sb.Update("phases", phase); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if res := run(); res.Details != 0 {
		t.Errorf("a poll with no release changed read %d releases again", res.Details)
	}
	if now := schedule(t, sb, releases, "phases"); equalRows(t, db, now) {
		t.Fatal("the changed phase landed without its release changing: the test proves nothing")
	}
	clk.Advance(25 * time.Hour) // past DETAIL_REFRESH: every release is due
	// The refresh reads each release by its id, 6 requests, counted apart
	// from the poll's (RunResult.RefreshRequests: not the poll's share).
	if res := run(); res.Refreshed != 12 || res.RefreshRequests != 6*12 || res.Requests != res.RefreshRequests+1+res.TokenRenewals {
		t.Errorf("the refresh: %d releases in %d requests of the run's %d (%d tokens); want 12 in 72, and a poll's page",
			res.Refreshed, res.RefreshRequests, res.Requests, res.TokenRenewals)
	}
	if now := schedule(t, sb, releases, "phases"); !equalRows(t, db, now) {
		t.Error("after the rolling refresh the phases still differ from the sandbox's")
	}
}

// phaseRow is what the test compares of a phase.
type phaseRow struct{ Release, End, Status string }

// schedule returns the sandbox's items of sub-resource key of every
// release, by id.
func schedule(t *testing.T, sb *plutoratest.Server, releases synctype.Entity, key string) map[string]phaseRow {
	t.Helper()
	out := map[string]phaseRow{}
	for id, raw := range sb.RecordsAsRead(releases) {
		var rec map[string]json.RawMessage
		var items []struct{ ID, EndDate, Status string }
		if json.Unmarshal(raw, &rec) != nil || json.Unmarshal(rec[key], &items) != nil {
			t.Fatalf("release %s: no %s in %s", id, key, raw)
		}
		for _, it := range items {
			out[it.ID] = phaseRow{id, it.EndDate[:10], it.Status}
		}
	}
	return out
}

// equalRows reports whether plutora.release_phases holds want exactly.
func equalRows(t *testing.T, db *sqlx.DB, want map[string]phaseRow) bool {
	t.Helper()
	rows, err := db.Query(`SELECT phase_id::text, release_id::text, end_date::text, status FROM plutora.release_phases`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]phaseRow{}
	for rows.Next() {
		var id string
		var p phaseRow
		if err := rows.Scan(&id, &p.Release, &p.End, &p.Status); err != nil {
			t.Fatal(err)
		}
		got[id] = p
	}
	if len(got) != len(want) {
		return false
	}
	for id, p := range want {
		if got[id] != p {
			return false
		}
	}
	return true
}

// TestWholeListItemsSpareTheDetail (issue 25): a release is read with its
// five sub-resources. When its list item is the whole record (the
// sandbox's POST /releases/filter by default), the GET by id is spared, but
// for the one that finds the list's kind out: 5 requests a release, not 6.
// A list of summaries still costs the detail. Either way the warehouse
// holds each release as read, with its sub-resources.
func TestWholeListItemsSpareTheDetail(t *testing.T) {
	t.Parallel()
	const releases = 12
	for _, c := range []struct {
		name    string
		summary bool
		details int // GET /releases/{id}
	}{{"whole items", false, 1}, {"summaries", true, releases}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			clk := workertest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
			sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 6, Now: clk.Now, SummaryFilters: map[string]bool{"releases": c.summary},
				Sizes: plutoratest.Sizes{Changes: -1, Releases: releases, Environments: 3, Hosts: -1, Systems: -1, Defects: -1}})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			r, db := sandboxRunner(t, sb.Plutora, synctype.ProductPlutora, clk, sync.RunnerOptions{})
			e, _ := synctype.EntityByName("releases")
			if _, err := r.Run(t.Context(), e, synctype.ModeIncremental); err != nil {
				t.Fatal(err)
			}
			details, subs := 0, 0
			for _, req := range sb.Plutora.RequestLog() {
				switch strings.Count(strings.Trim(req.Path, "/"), "/") {
				case 1:
					if strings.HasPrefix(strings.ToLower(req.Path), "/releases/") && !strings.HasSuffix(req.Path, "/filter") {
						details++
					}
				case 2:
					subs++
				}
			}
			if details != c.details || subs != 5*releases {
				t.Errorf("%d GET /releases/{id} and %d sub-resource requests, want %d and %d", details, subs, c.details, 5*releases)
			}
			for id, want := range sb.RecordsAsRead(e) {
				var got string
				if err := db.Get(&got, `SELECT raw::text FROM plutora.releases WHERE id = $1`, id); err != nil {
					t.Fatalf("release %s: %v", id, err)
				}
				cg, _ := workertest.Canonical([]byte(got))
				cw, _ := workertest.Canonical(want)
				if cg != cw {
					t.Errorf("release %s:\n db:      %.300s\n sandbox: %.300s", id, cg, cw)
				}
			}
		})
	}
}
