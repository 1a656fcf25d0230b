package plutoratest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"
)

// decodeAll decodes every live record of entity.
func decodeAll(t *testing.T, s *Server, entity string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, raw := range s.Records(entity) {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: %v", entity, id, err)
		}
		out[id] = m
	}
	return out
}

// checkBookingStates compares every booking's state with a brute-force
// computation over all bookings: Conflicting exactly where two bookings of
// one environment overlap.
func checkBookingStates(t *testing.T, bookings map[string]map[string]any) map[string]int {
	t.Helper()
	span := func(b map[string]any) (time.Time, time.Time) {
		s, err1 := parseAPITime(b["startDate"].(string))
		e, err2 := parseAPITime(b["endDate"].(string))
		if err1 != nil || err2 != nil || !s.Before(e) {
			t.Fatalf("booking %v: period %v to %v", b["id"], b["startDate"], b["endDate"])
		}
		return s, e
	}
	states := map[string]int{}
	for id, b := range bookings {
		s, e := span(b)
		want := "Available"
		if b["status"] == "Approved" {
			want = "In Use"
		}
		for oid, o := range bookings {
			if oid == id || o["environmentId"] != b["environmentId"] {
				continue
			}
			if os, oe := span(o); s.Before(oe) && os.Before(e) {
				want = "Conflicting"
				break
			}
		}
		if b["state"] != want {
			t.Fatalf("booking %s: state %v, want %s", id, b["state"], want)
		}
		states[want]++
	}
	return states
}

// checkLinks fails unless every reference of the core objects is live:
// bookings to environments, releases, phases of that release and TEBRs
// naming that environment; schedule items to their release and work item;
// TECRs and TEBRs to environments.
func checkLinks(t *testing.T, s *Server) {
	t.Helper()
	d := map[string]map[string]map[string]any{}
	for _, e := range []string{Environments, Releases, Changes, Bookings, TECRs, TEBRs, Phases, Gates, Activities, Criteria} {
		d[e] = decodeAll(t, s, e)
		if len(d[e]) == 0 {
			t.Fatalf("no %s left", e)
		}
	}
	for id, b := range d[Bookings] {
		ph := d[Phases][fmt.Sprint(b["phaseId"])]
		switch {
		case d[Environments][fmt.Sprint(b["environmentId"])] == nil:
			t.Fatalf("booking %s: environment %v is gone", id, b["environmentId"])
		case d[Releases][fmt.Sprint(b["releaseId"])] == nil:
			t.Fatalf("booking %s: release %v is gone", id, b["releaseId"])
		case ph == nil || ph["releaseId"] != b["releaseId"]:
			t.Fatalf("booking %s: phase %v is not a live phase of release %v", id, b["phaseId"], b["releaseId"])
		}
		if tb, ok := b["tebrId"].(string); ok {
			tebr := d[TEBRs][tb]
			if tebr == nil || !slices.Contains(tebr["environmentIds"].([]any), b["environmentId"]) {
				t.Fatalf("booking %s: TEBR %s is gone or does not name environment %v", id, tb, b["environmentId"])
			}
		}
	}
	for _, kind := range []string{Phases, Gates, Activities, Criteria} {
		for id, it := range d[kind] {
			if d[Releases][fmt.Sprint(it["releaseId"])] == nil {
				t.Fatalf("%s %s: release %v is gone", kind, id, it["releaseId"])
			}
		}
	}
	for kind, of := range map[string]string{Activities: Phases, Criteria: Gates} {
		for id, it := range d[kind] {
			if w := d[of][fmt.Sprint(it["assignedWorkItemID"])]; w == nil || w["releaseId"] != it["releaseId"] {
				t.Fatalf("%s %s: assignedWorkItemID %v is not a live %s of its release", kind, id, it["assignedWorkItemID"], of)
			}
		}
	}
	for _, kind := range []string{TECRs, TEBRs} {
		for id, r := range d[kind] {
			for _, e := range r["environmentIds"].([]any) {
				if d[Environments][e.(string)] == nil {
					t.Fatalf("%s %s: environment %v is gone", kind, id, e)
				}
			}
		}
	}
}

// TestBookingsConflictExactlyWhereTheyOverlap: the state of every booking
// is what a brute-force comparison of all bookings gives, at start and
// after churn has added, moved and deleted bookings (and deleted releases
// and environments, whose bookings go with them).
func TestBookingsConflictExactlyWhereTheyOverlap(t *testing.T) {
	s := newTestServer(t, Options{Seed: 8, Sizes: Sizes{Changes: 50, Releases: 200, Environments: 40, Hosts: 10, Systems: 10, Defects: 10, Bookings: 400}})
	states := checkBookingStates(t, decodeAll(t, s, Bookings))
	if states["Conflicting"] == 0 || states["In Use"] == 0 || states["Available"] == 0 {
		t.Fatalf("states %v: want each of Conflicting, In Use and Available", states)
	}
	tick, rounds := make(chan time.Time), make(chan int)
	stop := s.StartChurn(ChurnOptions{Entities: []string{Bookings, Releases, Environments, Phases, TEBRs}, Tick: tick, Rounds: rounds, Inserts: 3, Updates: 3, Deletes: 1})
	for range 10 {
		tick <- time.Now()
		<-rounds
	}
	stop()
	after := decodeAll(t, s, Bookings)
	states = checkBookingStates(t, after)
	if states["Conflicting"] == 0 {
		t.Fatalf("states after churn %v: no conflict left", states)
	}
	checkLinks(t, s)
}

// TestCoreReferencesStayLiveUnderChurn churns every entity, environments
// and changes too, then checks every reference of the core objects; TECRs'
// linked changes are live changes.
func TestCoreReferencesStayLiveUnderChurn(t *testing.T) {
	s := newTestServer(t, Options{Seed: 9, Sizes: Sizes{Changes: 200, Releases: 100, Environments: 60, Hosts: 30, Systems: 10, Defects: 10}})
	tick, rounds := make(chan time.Time), make(chan int)
	all := []string{Changes, Releases, Environments, Hosts, Bookings, TECRs, TEBRs, Phases, Gates, Activities, Criteria}
	before := map[string]int{}
	for _, e := range all {
		before[e] = s.Count(e)
	}
	stop := s.StartChurn(ChurnOptions{Entities: all, Tick: tick, Rounds: rounds, Inserts: 1, Updates: 2, Deletes: 2})
	for range 12 {
		tick <- time.Now()
		<-rounds
	}
	stop()
	checkLinks(t, s)
	for _, e := range all {
		if s.Count(e) == before[e] && e != Hosts {
			t.Errorf("%s: %d records before and after churn: did it touch them?", e, before[e])
		}
	}
	tok := token(t, s.Plutora)
	changes := s.Records(Changes)
	linked := 0
	for _, id := range s.IDs(TECRs) {
		var got []map[string]any
		res := call(t, nil, "GET", s.Plutora.URL+"/TECRs/"+id+"/LinkedChanges", tok, nil)
		if err := json.Unmarshal(res.body, &got); err != nil || res.status != 200 {
			t.Fatalf("LinkedChanges of %s: %d %v", id, res.status, err)
		}
		for _, ch := range got {
			if changes[fmt.Sprint(ch["id"])] == nil {
				t.Fatalf("TECR %s links change %v, which is gone", id, ch["id"])
			}
			linked++
		}
	}
	if linked == 0 {
		t.Fatal("no TECR links a change")
	}
}

// TestDeleteCascades: deleting a release takes its schedule and bookings;
// deleting an environment its bookings, and it leaves the TECRs and TEBRs
// that named it, which are edited (lastModifiedDate moves).
func TestDeleteCascades(t *testing.T) {
	now := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Seed: 10, Now: func() time.Time { return now }})
	rel := decodeAll(t, s, Bookings)[s.IDs(Bookings)[0]]["releaseId"].(string)
	env := decodeAll(t, s, TECRs)[s.IDs(TECRs)[0]]["environmentIds"].([]any)[0].(string)
	if err := s.Delete(Releases, rel); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{Phases, Gates, Activities, Criteria} {
		for id, it := range decodeAll(t, s, kind) {
			if it["releaseId"] == rel {
				t.Fatalf("%s %s of the deleted release is still served", kind, id)
			}
		}
	}
	var named []string
	for id, r := range decodeAll(t, s, TECRs) {
		if slices.Contains(r["environmentIds"].([]any), any(env)) {
			named = append(named, id)
		}
	}
	onEnv := 0
	for _, b := range decodeAll(t, s, Bookings) {
		if b["environmentId"] == env {
			onEnv++
		}
	}
	if len(named) == 0 || onEnv == 0 {
		t.Fatalf("environment %s: %d TECRs name it, %d bookings book it; want some of each", env, len(named), onEnv)
	}
	if err := s.Delete(Environments, env); err != nil {
		t.Fatal(err)
	}
	for id, b := range decodeAll(t, s, Bookings) {
		if b["releaseId"] == rel || b["environmentId"] == env {
			t.Fatalf("booking %s of the deleted release or environment is still served", id)
		}
	}
	tecrs := decodeAll(t, s, TECRs)
	for _, id := range named {
		r := tecrs[id]
		if mod, err := parseAPITime(fmt.Sprint(r["lastModifiedDate"])); slices.Contains(r["environmentIds"].([]any), any(env)) || err != nil || !mod.Equal(now) {
			t.Fatalf("TECR %s after its environment went: environmentIds %v, lastModifiedDate %v", id, r["environmentIds"], r["lastModifiedDate"])
		}
	}
	checkLinks(t, s)
}

// TestScheduleChangesWithoutTheRelease: churning a release's schedule
// changes what /releases/{id}/phases answers but no release's
// lastModifiedDate (a known fact of the real API).
func TestScheduleChangesWithoutTheRelease(t *testing.T) {
	s := newTestServer(t, Options{Seed: 12})
	tick, rounds := make(chan time.Time), make(chan int)
	releases := s.Records(Releases)
	phases := s.Records(Phases)
	stop := s.StartChurn(ChurnOptions{Entities: []string{Phases, Gates, Activities, Criteria}, Tick: tick, Rounds: rounds, Inserts: 2, Updates: 3, Deletes: 2})
	for range 5 {
		tick <- time.Now()
		<-rounds
	}
	stop()
	changed := 0
	for id, raw := range s.Records(Phases) {
		if string(phases[id]) != string(raw) {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("churn changed no phase")
	}
	if after := s.Records(Releases); fmt.Sprint(after) != fmt.Sprint(releases) {
		t.Fatal("churning the schedule changed a release record")
	}
	checkLinks(t, s)
}

// TestCoreEndpoints: paging of /Bookings (always an envelope), the legacy
// bare list of TECRs, unknown ids and releases (404), schedule items are
// no top-level list, and faults hit the new routes like the others.
func TestCoreEndpoints(t *testing.T) {
	s := newTestServer(t, Options{Seed: 13})
	tok := token(t, s.Plutora)
	get := func(path string) apiResult { return call(t, nil, "GET", s.Plutora.URL+path, tok, nil) }
	seen := map[string]bool{}
	var total int
	for page := 0; ; page++ {
		e := decodeEnvelope(t, get(fmt.Sprintf("/bookings?pageNum=%d&recordsPerPage=30", page)))
		total = e.TotalCount
		for _, raw := range e.ResultSet {
			seen[idOf(t, raw)] = true
		}
		if len(e.ResultSet) == 0 {
			break
		}
	}
	if total != s.Count(Bookings) || len(seen) != total {
		t.Fatalf("paged bookings: %d distinct of totalCount %d, %d live", len(seen), total, s.Count(Bookings))
	}
	if e := decodeEnvelope(t, get("/BOOKINGS")); len(e.ResultSet) != min(100, total) || e.PageNum != 0 {
		t.Fatalf("GET /Bookings without pageNum: %d items on page %d, want the first page", len(e.ResultSet), e.PageNum)
	}
	var bare []json.RawMessage
	if res := get("/tecrs"); json.Unmarshal(res.body, &bare) != nil || len(bare) != s.Count(TECRs) {
		t.Fatalf("GET /TECRs without pageNum: %d %.80s, want a bare array of %d", res.status, res.body, s.Count(TECRs))
	}
	unknown := "0badc0de-0000-4000-8000-000000000000"
	for _, p := range []string{"/TECRs/" + unknown, "/TEBRs/" + unknown, "/TECRs/" + unknown + "/LinkedChanges",
		"/TEBRs/" + unknown + "/Bookings", "/releases/" + unknown + "/phases", "/releases/" + unknown + "/criterias",
		"/phases", "/activities/" + s.IDs(Activities)[0], "/bookings/filter", "/Bookings/" + s.IDs(Bookings)[0]} {
		if res := get(p); res.status != 404 {
			t.Errorf("GET %s: %d, want 404", p, res.status)
		}
	}
	s.Plutora.SetFaults(Faults{ServerErrors: 1})
	for _, p := range []string{"/Bookings", "/TEBRs", "/releases/" + s.IDs(Releases)[0] + "/gates", "/workitemnames/phases"} {
		if res := get(p); res.status < 500 {
			t.Errorf("GET %s under ServerErrors 1: %d, want a 5xx", p, res.status)
		}
	}
}

// TestCoreReadsDuringChurn reads bookings (their state reads their
// neighbours), filters them and a TEBR's bookings while churn changes
// them, for the race detector and against a lock taken twice.
func TestCoreReadsDuringChurn(t *testing.T) {
	s := newTestServer(t, Options{Seed: 14})
	tok := token(t, s.Plutora)
	rounds := make(chan int)
	stop := s.StartChurn(ChurnOptions{Entities: []string{Bookings, Releases, Environments, Phases}, Interval: time.Millisecond, Rounds: rounds})
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			default:
			}
			paths := []string{
				fmt.Sprintf("/Bookings?pageNum=%d&recordsPerPage=20", n%5),
				"/Bookings?filter=" + url.QueryEscape("`state` = `Conflicting`"),
				"/TEBRs/" + s.IDs(TEBRs)[0] + "/Bookings",
			}
			for _, p := range paths {
				if res, err := try(nil, "GET", s.Plutora.URL+p, tok, nil); err != nil || res.status != 200 {
					errs <- fmt.Errorf("GET %s: %v %d %.100s", p, err, res.status, res.body)
					return
				}
			}
		}
	}()
	for r := range rounds {
		if r == 40 {
			break
		}
	}
	close(done)
	err := <-errs
	stop()
	if err != nil {
		t.Fatal(err)
	}
	checkLinks(t, s)
	checkBookingStates(t, decodeAll(t, s, Bookings))
}
