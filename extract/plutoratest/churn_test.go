package plutoratest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestChurnDriftsOffsetPaging pages changes while churn deletes records on
// pages already read: the records that slide back onto read pages are
// missed, and totalCount moves, as on the real API.
func TestChurnDriftsOffsetPaging(t *testing.T) {
	s := newTestServer(t, Options{Seed: 4})
	tok := token(t, s.Plutora)
	tick := make(chan time.Time)
	rounds := make(chan int)
	stop := s.StartChurn(ChurnOptions{Entities: []string{Changes}, Deletes: 3, Tick: tick, Rounds: rounds})
	defer stop()
	first := s.Count(Changes)
	seen := map[string]bool{}
	page := func(n int) envelope {
		e := decodeEnvelope(t, call(t, nil, "GET", fmt.Sprintf("%s/changes?pageNum=%d&recordsPerPage=50", s.Plutora.URL, n), tok, nil))
		for _, raw := range e.ResultSet {
			seen[idOf(t, raw)] = true
		}
		return e
	}
	page(0)
	page(1)
	tick <- time.Now()
	if r := <-rounds; r != 1 {
		t.Fatalf("round %d", r)
	}
	last := envelope{}
	for n := 2; ; n++ {
		e := page(n)
		if len(e.ResultSet) == 0 {
			last = e
			break
		}
	}
	if last.TotalCount != first-3 {
		t.Fatalf("totalCount after churn %d, want %d", last.TotalCount, first-3)
	}
	missed := 0
	for id := range s.Records(Changes) {
		if !seen[id] {
			missed++
		}
	}
	if missed != 3 {
		t.Fatalf("missed %d live records, want 3 (deletes on read pages shift later records back)", missed)
	}
}

func TestChurnChangesData(t *testing.T) {
	s := newTestServer(t, Options{Seed: 4})
	tick := make(chan time.Time)
	rounds := make(chan int)
	stop := s.StartChurn(ChurnOptions{Tick: tick, Rounds: rounds, Inserts: 2, Updates: 3})
	before := s.Records(Releases)
	for i := 1; i <= 3; i++ {
		tick <- time.Now()
		<-rounds
	}
	stop()
	stop() // idempotent
	after := s.Records(Releases)
	if len(after) != len(before)+6 {
		t.Fatalf("releases %d → %d, want +6", len(before), len(after))
	}
	changed := 0
	for id, raw := range before {
		if string(after[id]) != string(raw) {
			changed++
		}
	}
	if changed == 0 || changed > 9 {
		t.Fatalf("%d releases changed, want 1..9", changed)
	}
}

func TestChurnTicker(t *testing.T) {
	s := newTestServer(t, Options{})
	rounds := make(chan int)
	stop := s.StartChurn(ChurnOptions{Interval: time.Millisecond, Rounds: rounds, Entities: []string{Hosts}})
	select {
	case <-rounds:
	case <-time.After(30 * time.Second):
		t.Fatal("no churn round in 30s")
	}
	stop()
}

// TestConcurrentPagingUnderChurn pages every entity from several goroutines
// while churn runs (run it with -race): every answer is a whole, valid page.
func TestConcurrentPagingUnderChurn(t *testing.T) {
	s := newTestServer(t, Options{Seed: 12})
	tok, ttok := token(t, s.Plutora), token(t, s.Test)
	stop := s.StartChurn(ChurnOptions{Interval: time.Millisecond, Entities: []string{Changes, Releases, Hosts, Defects, Environments, Systems}})
	defer stop()
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := 0; i < 15; i++ {
				var r apiResult
				var err error
				switch (g + i) % 3 {
				case 0:
					r, err = try(nil, "GET", fmt.Sprintf("%s/hosts?pageNum=%d&recordsPerPage=20", s.Plutora.URL, i%4), tok, nil)
				case 1:
					r, err = try(nil, "POST", s.Plutora.URL+"/changes/filter", tok, fmt.Sprintf(`{"searchFilters":[{"property":"lastModifiedDate","operator":"GreaterOrEqual","value":"2024-01-01","direction":"ASC"}],"pageNum":%d}`, i%3))
				default:
					r, err = try(nil, "POST", s.Test.URL+"/defects/Search", ttok, fmt.Sprintf(`{"pageNum":%d,"recordsPerPage":50}`, i%5))
				}
				if err != nil {
					errs <- err
					return
				}
				if r.status != 200 || !json.Valid(r.body) {
					errs <- fmt.Errorf("goroutine %d request %d: %d %.80s", g, i, r.status, r.body)
					return
				}
			}
			errs <- nil
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeletedSaysWhen: the server keeps when each record was deleted, by
// its own clock, whoever deleted it: Delete, the churn, or a deletion of
// the record it depended on (a release's phases go with it).
func TestDeletedSaysWhen(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Seed: 8, Now: func() time.Time { return at }})
	change, release := s.IDs(Changes)[3], s.IDs(Releases)[0]
	var phases []string
	for id, raw := range s.Records(Phases) {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err == nil && m["releaseId"] == release {
			phases = append(phases, id)
		}
	}
	if err := s.Delete(Changes, change); err != nil {
		t.Fatal(err)
	}
	at = at.Add(time.Minute)
	if err := s.Delete(Releases, release); err != nil {
		t.Fatal(err)
	}
	at = at.Add(time.Minute)
	tick, rounds := make(chan time.Time), make(chan int)
	stop := s.StartChurn(ChurnOptions{Entities: []string{Changes}, Inserts: 1, Deletes: 2, Tick: tick, Rounds: rounds})
	tick <- at
	<-rounds
	stop()
	got := s.Deleted(Changes)
	if len(got) != 3 || !got[change].Equal(at.Add(-2*time.Minute)) {
		t.Errorf("deleted changes %v, want %s at 10:00 and two at 10:02", got, change)
	}
	for id, when := range got {
		if id != change && !when.Equal(at) {
			t.Errorf("change %s deleted by the churn at %v, want %v", id, when, at)
		}
	}
	if len(phases) == 0 {
		t.Fatal("the release has no phases")
	}
	for _, id := range phases {
		if when, ok := s.Deleted(Phases)[id]; !ok || !when.Equal(at.Add(-time.Minute)) {
			t.Errorf("phase %s of the deleted release: deleted %v (%v), want at 10:01", id, when, ok)
		}
	}
}
