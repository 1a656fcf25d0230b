package sync

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// TestCensusGoesRound (issue 29 point 3): in fake time, the adaptive census
// censuses a product's entities in turn, again and again by itself: after
// a census of n requests it waits n × hour / PerHour (a second a request
// here), at least the step, so that a round takes the censuses' requests
// over the share and never less than the floor; a failed census costs its
// wait and the round goes on. Over two hours the census never spends more
// than its share in any hour.
func TestCensusGoesRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		entity := func(name string) synctype.Entity {
			return synctype.Entity{Name: name, Product: synctype.ProductPlutora}
		}
		cost := map[string]int64{"changes": 300, "hosts": 5, "users": 0}
		type run struct {
			at     time.Duration
			entity string
		}
		var runs []run
		var waits []string
		c, err := NewCensus(CensusOptions{
			Entities: []synctype.Entity{entity("changes"), entity("hosts"), entity("users")},
			PerHour:  3600, Step: 20 * time.Second,
			Census: func(_ context.Context, e synctype.Entity, _ time.Time) (synctype.RunResult, error) {
				at := time.Since(start)
				runs = append(runs, run{at, e.Name})
				if at > 2*time.Hour {
					cancel()
				}
				if e.Name == "users" {
					return synctype.RunResult{Entity: e.Name}, errors.New("the API failed") // counts as one request
				}
				return synctype.RunResult{Entity: e.Name, Mode: synctype.ModeCensus, Requests: cost[e.Name]}, nil
			},
			Waited: func(e synctype.Entity, w Wait) { waits = append(waits, e.Name+" "+w.For.String()+" "+w.Reason) },
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Run(ctx, 20*time.Second) // the first census a step after leadership
		// A round: changes (300 s of the share), hosts and users (the step).
		round := []run{{20 * time.Second, "changes"}, {320 * time.Second, "hosts"}, {340 * time.Second, "users"},
			{360 * time.Second, "changes"}, {660 * time.Second, "hosts"}, {680 * time.Second, "users"}}
		if len(runs) < len(round) || !slices.Equal(runs[:len(round)], round) {
			t.Errorf("censuses %v, want them to start %v", runs[:min(len(runs), len(round))], round)
		}
		want := []string{"changes 5m0s budget_share", "hosts 20s adaptive", "users 20s adaptive"}
		if !slices.Equal(waits[:3], want) {
			t.Errorf("waits %q, want %q", waits[:3], want)
		}
		// Two hours: 21 rounds of 340 s, each entity censused in each.
		n := map[string]int{}
		for _, r := range runs {
			n[r.entity]++
		}
		if n["changes"] < 21 || n["changes"] != n["hosts"] || n["hosts"]-n["users"] > 1 {
			t.Errorf("censuses in two hours: %v, want each entity every round", n)
		}
		for i, r := range runs {
			var spent int64
			for _, o := range runs[i:] {
				if o.at-r.at < time.Hour {
					spent += max(cost[o.entity], 1)
				}
			}
			if spent > 3600+cost["changes"] {
				t.Fatalf("%d requests in the hour from %v: over the share of 3600", spent, r.at)
			}
		}
	})
}

func TestNewCensusRejects(t *testing.T) {
	census := func(context.Context, synctype.Entity, time.Time) (synctype.RunResult, error) {
		return synctype.RunResult{}, nil
	}
	one := []synctype.Entity{{Name: "changes"}}
	for _, o := range []CensusOptions{
		{Census: census, PerHour: 1, Step: time.Second},
		{Entities: one, PerHour: 1, Step: time.Second},
		{Entities: one, Census: census, Step: time.Second},
		{Entities: one, Census: census, PerHour: 1},
	} {
		if _, err := NewCensus(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// TestCensusStartsWithTheOldest: a round begun after a restart or a change
// of leader starts with the entity whose last census (the ledger's,
// Censused) is oldest, one never censused first, and passes over those not
// ready: a worker restarted every few minutes censuses the entities listed
// last too. Here hosts was censused 3 hours ago, users 2 and changes 1;
// users becomes ready only after the first turn, and "plans" never was.
func TestCensusStartsWithTheOldest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		now := time.Now()
		entity := func(name string) synctype.Entity {
			return synctype.Entity{Name: name, Product: synctype.ProductPlutora}
		}
		var order []string
		var sinceLast []time.Duration // each census's time since its entity's last, as told to Census
		c, err := NewCensus(CensusOptions{
			Entities: []synctype.Entity{entity("changes"), entity("hosts"), entity("users"), entity("plans")},
			Censused: map[string]time.Time{"changes": now.Add(-time.Hour), "hosts": now.Add(-3 * time.Hour), "users": now.Add(-2 * time.Hour)},
			Ready: func(e synctype.Entity) bool {
				return e.Name != "plans" && (e.Name != "users" || len(order) > 0)
			},
			PerHour: 3600, Step: 20 * time.Second,
			Census: func(_ context.Context, e synctype.Entity, last time.Time) (synctype.RunResult, error) {
				sinceLast = append(sinceLast, time.Since(last))
				if order = append(order, e.Name); len(order) == 6 {
					cancel()
				}
				return synctype.RunResult{Entity: e.Name, Mode: synctype.ModeCensus, Requests: 1}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Run(ctx, 20*time.Second)
		if want := []string{"hosts", "users", "changes", "hosts", "users", "changes"}; !slices.Equal(order, want) {
			t.Errorf("censuses %v, want %v", order, want)
		}
		// hosts first 20 s after the start, 3 hours after its ledger's census;
		// its second a round (three turns of 20 s) after its first.
		if len(sinceLast) < 4 || sinceLast[0] != 3*time.Hour+20*time.Second || sinceLast[3] != time.Minute {
			t.Errorf("times since the last census told to Census %v, want hosts' 3h0m20s first and 1m0s at its second", sinceLast)
		}
	})
}

// TestCensusWaitsWhenNoneIsReady: a turn with no entity ready censuses
// nothing and waits the step.
func TestCensusWaitsWhenNoneIsReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		ready := false
		var at []time.Duration
		c, err := NewCensus(CensusOptions{
			Entities: []synctype.Entity{{Name: "changes", Product: synctype.ProductPlutora}},
			Ready:    func(synctype.Entity) bool { ready = ready || time.Since(start) >= time.Minute; return ready },
			PerHour:  3600, Step: 20 * time.Second,
			Census: func(_ context.Context, e synctype.Entity, _ time.Time) (synctype.RunResult, error) {
				at = append(at, time.Since(start))
				cancel()
				return synctype.RunResult{Entity: e.Name, Mode: synctype.ModeCensus, Requests: 1}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Run(ctx, 20*time.Second)
		if want := []time.Duration{time.Minute}; !slices.Equal(at, want) {
			t.Errorf("censused at %v, want %v (turns at 20 s and 40 s found none ready)", at, want)
		}
	})
}
