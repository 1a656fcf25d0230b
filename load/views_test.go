package load_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestReportingViews fills every view from sandbox data and checks it
// against the records.
func TestReportingViews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, db := newWriter(t)
	srv := newSandbox(t, smallSizes)
	for _, entity := range load.Entities() {
		recs := records(srv, entity)
		runID, _ := loadAll(t, w, entity, synctype.ModeSweep, recs)
		if err := w.FinishRun(ctx, synctype.RunResult{RunID: runID, Outcome: synctype.OutcomeSuccess, TotalFirst: len(recs), TotalLast: len(recs)}); err != nil {
			t.Fatal(err)
		}
	}
	type change struct {
		ID               string `json:"id"`
		ChangeStatus     string `json:"changeStatus"`
		DeliveryReleases []struct {
			ReleaseID string `json:"releaseId"`
			Target    bool   `json:"targetRelease"`
			Actual    bool   `json:"actualDeliveryRelease"`
		} `json:"deliveryReleases"`
	}
	releases := map[string]string{} // id → identifier
	for _, raw := range srv.Records("releases") {
		var r struct {
			ID, Identifier    string
			ReleaseStatusType string `json:"releaseStatusType"`
		}
		mustUnmarshal(t, raw, &r)
		releases[r.ID] = r.Identifier
		var got struct {
			Identifier string  `db:"identifier"`
			Status     *string `db:"status"`
			Periods    int     `db:"periods"`
		}
		if err := db.GetContext(ctx, &got, `SELECT r.release_identifier AS identifier, r.status,
			(SELECT count(*) FROM reporting.release_status_history h WHERE h.release_id = r.release_id AND h.valid_to IS NULL) AS periods
			FROM reporting.releases r WHERE r.release_id = $1`, r.ID); err != nil {
			t.Fatalf("release %s: %v", r.ID, err)
		}
		if got.Identifier != r.Identifier || (r.ReleaseStatusType != "" && (got.Status == nil || *got.Status != r.ReleaseStatusType)) || got.Periods != 1 {
			t.Errorf("release %s: %+v, want %s %q and one open status period", r.ID, got, r.Identifier, r.ReleaseStatusType)
		}
	}
	type pair struct{ change, release string }
	links := map[pair]string{} // the relation a (change, release) pair should have
	for id, raw := range srv.Records("changes") {
		var c change
		mustUnmarshal(t, raw, &c)
		var status *string
		if err := db.GetContext(ctx, &status, "SELECT status FROM reporting.changes WHERE change_id = $1", id); err != nil {
			t.Fatal(err)
		}
		if c.ChangeStatus != "" && (status == nil || *status != c.ChangeStatus) {
			t.Errorf("change %s: status %v, want %q", id, status, c.ChangeStatus)
		}
		for _, d := range c.DeliveryReleases {
			k := pair{id, d.ReleaseID}
			switch {
			case d.Actual || links[k] == "actual":
				links[k] = "actual"
			case d.Target || links[k] == "target":
				links[k] = "target"
			default:
				links[k] = "related"
			}
		}
	}
	for k, rel := range links {
		var got struct{ Ident, Relation string }
		if err := db.GetContext(ctx, &got, `SELECT r.release_identifier AS ident, rc.relation
			FROM reporting.release_changes rc JOIN reporting.releases r USING (release_id)
			WHERE rc.change_id = $1 AND rc.release_id = $2`, k.change, k.release); err != nil {
			t.Errorf("release_changes %s → %s: %v", k.change, k.release, err)
			continue
		}
		if got.Ident != releases[k.release] || got.Relation != rel {
			t.Errorf("release_changes %s → %s: %+v, want %q %s", k.change, k.release, got, releases[k.release], rel)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM reporting.release_changes"); n != len(links) || len(links) == 0 {
		t.Errorf("release_changes has %d rows for %d (change, release) pairs", n, len(links))
	}

	envs := map[string]string{}
	for id, raw := range srv.Records("environments") {
		var e struct{ Name string }
		mustUnmarshal(t, raw, &e)
		envs[id] = e.Name
	}
	stack := 0
	hosted := map[string]bool{} // environments with a host
	for id, raw := range srv.Records("hosts") {
		var h struct {
			Name          string
			EnvironmentID string `json:"environmentID"`
			Layers        []struct {
				ComponentName, Version, StackLayer string
			}
		}
		mustUnmarshal(t, raw, &h)
		stack += max(1, len(h.Layers))
		hosted[h.EnvironmentID] = true
		for _, l := range h.Layers {
			var env *string
			if err := db.GetContext(ctx, &env, `SELECT environment_name FROM reporting.host_stack
				WHERE host_id = $1 AND host_name = $2 AND component = $3 AND version = $4 AND stack_layer = $5 LIMIT 1`,
				id, h.Name, l.ComponentName, l.Version, l.StackLayer); err != nil {
				t.Errorf("host_stack %s %s: %v", h.Name, l.ComponentName, err)
				continue
			}
			if want, ok := envs[h.EnvironmentID]; ok && (env == nil || *env != want) {
				t.Errorf("host_stack %s: environment %v, want %q", h.Name, env, want)
			}
		}
	}
	for id := range envs {
		if !hosted[id] {
			stack++ // an environment without hosts has a row of its own
		}
	}
	if n := count(t, db, "SELECT count(*) FROM reporting.host_stack"); n != stack {
		t.Errorf("host_stack has %d rows, want %d", n, stack)
	}

	for id, raw := range srv.Records("defects") {
		var d struct {
			DisplayID string `json:"DisplayId"`
			Status    struct{ Value string }
		}
		mustUnmarshal(t, raw, &d)
		var got struct {
			DisplayID string `db:"display_id"`
			Status    string `db:"status"`
		}
		if err := db.GetContext(ctx, &got, "SELECT defect_display_id AS display_id, status FROM reporting.defects WHERE defect_id = $1", id); err != nil {
			t.Fatal(err)
		}
		if got.DisplayID != d.DisplayID || got.Status != d.Status.Value {
			t.Errorf("defect %s: %+v, want %s %s", id, got, d.DisplayID, d.Status.Value)
		}
	}

	type fresh struct {
		Entity      string  `db:"entity"`
		Rows        int     `db:"rows"`
		Deleted     int     `db:"deleted_rows"`
		Quarantined int     `db:"quarantined"`
		LastOK      *string `db:"last_success_at"`
		Complete    *bool   `db:"last_run_complete"`
		Status      *string `db:"last_run_status"`
	}
	var fr []fresh
	if err := db.SelectContext(ctx, &fr, `SELECT entity, rows, deleted_rows, quarantined, last_success_at::text,
		last_run_complete, last_run_status FROM reporting.freshness`); err != nil {
		t.Fatal(err)
	}
	if len(fr) != len(load.Entities()) {
		t.Fatalf("freshness has %d rows", len(fr))
	}
	for _, f := range fr {
		if f.Rows != srv.Count(f.Entity) || f.Deleted != 0 || f.Quarantined != 0 || f.LastOK == nil ||
			f.Complete == nil || !*f.Complete || f.Status == nil || *f.Status != "success" {
			t.Errorf("freshness %+v (want %d rows)", f, srv.Count(f.Entity))
		}
	}
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestFreshnessListsEveryEntity: reporting.freshness is rewritten by several
// migrations, each with its own list of entities; the last one must name
// every entity the worker syncs, with its product.
func TestFreshnessListsEveryEntity(t *testing.T) {
	t.Parallel()
	_, db := newWriter(t)
	got := map[string]string{}
	rows, err := db.Query(`SELECT entity, product FROM reporting.freshness`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, p string
		if err := rows.Scan(&e, &p); err != nil {
			t.Fatal(err)
		}
		got[e] = p
	}
	for _, e := range synctype.Entities() {
		if got[e.Name] != string(e.Product) {
			t.Errorf("reporting.freshness: %s has product %q, want %q", e.Name, got[e.Name], e.Product)
		}
	}
	if len(got) != len(synctype.Entities()) {
		t.Errorf("reporting.freshness lists %d entities, the worker syncs %d: %v", len(got), len(synctype.Entities()), got)
	}
}
