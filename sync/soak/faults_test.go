package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	gosync "sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// event is one scheduled fault, at an offset from the start of the fault
// phase. The whole timeline is drawn from the seed before the phase starts.
type event struct {
	at    time.Duration
	kind  string
	arg   int           // product (0 plutora, 1 plutoratest), entity index, …
	kind2 string        // bad record kind
	dur   time.Duration // for faults that last
}

// plan draws the timeline of a fault phase of length d.
func plan(rng *rand.Rand, d time.Duration, kinds []string) []event {
	var evs []event
	every := func(kind string, lo, hi time.Duration, mk func(at time.Duration) event) {
		for at := lo / 2; ; {
			at += lo + time.Duration(rng.Int64N(int64(hi-lo)))
			if at >= d {
				return
			}
			e := mk(at)
			e.kind = kind
			evs = append(evs, e)
			at += e.dur
		}
	}
	s := time.Second
	every("kill", 4*s, 10*s, func(at time.Duration) event { return event{at: at} })
	every("terminate", 2*s, 6*s, func(at time.Duration) event { return event{at: at, arg: rng.IntN(3)} })
	every("db down", 10*s, 25*s, func(at time.Duration) event {
		return event{at: at, dur: 1500*time.Millisecond + time.Duration(rng.Int64N(int64(3*s)))}
	})
	every("revoke tokens", 3*s, 9*s, func(at time.Duration) event { return event{at: at, arg: rng.IntN(2)} })
	for p := range 2 {
		every("whitelist denies", 8*s, 20*s, func(at time.Duration) event {
			return event{at: at, arg: p, dur: 2*s + time.Duration(rng.Int64N(int64(3*s)))}
		})
	}
	for e := range entities {
		every("churn", 3*s, 8*s, func(at time.Duration) event {
			return event{at: at, arg: e, dur: 3*s + time.Duration(rng.Int64N(int64(6*s)))}
		})
	}
	every("bad record", 1*s, 4*s, func(at time.Duration) event {
		return event{at: at, arg: rng.IntN(len(entities)), kind2: kinds[rng.IntN(len(kinds))]}
	})
	every("metacharacter record", 3*s, 8*s, func(at time.Duration) event { return event{at: at, arg: rng.IntN(len(entities))} })
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at < evs[j].at })
	return evs
}

// faultRunner applies a timeline.
type faultRunner struct {
	t       testing.TB
	sb      *plutoratest.Server
	fronts  [2]*frontAPI
	db      *sqlx.DB // direct, not through the proxy
	proxy   *pgProxy
	sup     *supervisor
	rng     *rand.Rand // record contents
	appName string
	churn   map[string]time.Duration // entity → churn interval
	scrape  func()

	mu      gosync.Mutex
	counts  map[string]int
	bad     []badRecord
	badIDs  map[string]bool
	pending gosync.WaitGroup
}

func (r *faultRunner) count(kind string, n int) {
	r.mu.Lock()
	r.counts[kind] += n
	r.mu.Unlock()
}

// run applies evs from start until they are done or ctx ends; faults that
// last are undone at their end.
func (r *faultRunner) run(ctx context.Context, start time.Time, evs []event) {
	for _, e := range evs {
		tm := time.NewTimer(time.Until(start.Add(e.at)))
		select {
		case <-ctx.Done():
			tm.Stop()
			return
		case <-tm.C:
		}
		r.apply(ctx, e)
	}
}

func (r *faultRunner) products() [2]*plutoratest.Product {
	return [2]*plutoratest.Product{r.sb.Plutora, r.sb.Test}
}

// later runs undo after d in the background (or at once when ctx ends).
func (r *faultRunner) later(ctx context.Context, d time.Duration, undo func()) {
	r.pending.Go(func() {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
		case <-ctx.Done():
		}
		undo()
	})
}

func (r *faultRunner) apply(ctx context.Context, e event) {
	switch e.kind {
	case "kill":
		r.scrape()
		r.sup.Kill()
		r.count("SIGKILL", 1)
	case "terminate":
		r.terminate(ctx, e.arg == 0)
	case "db down":
		r.proxy.Down()
		r.count("database refusing connections", 1)
		r.later(ctx, e.dur, func() {
			if err := r.proxy.Up(); err != nil {
				r.t.Error(err)
			}
		})
	case "revoke tokens":
		r.products()[e.arg].RevokeTokens()
		r.count("tokens revoked", 1)
	case "whitelist denies":
		p := r.products()[e.arg]
		p.SetWhitelist("192.0.2.0/24") // not the worker's loopback address
		r.count("whitelist denying", 1)
		r.later(ctx, e.dur, func() { p.SetWhitelist() })
	case "churn":
		name := entities[e.arg]
		stop := r.sb.StartChurn(plutoratest.ChurnOptions{Entities: []string{name}, Interval: r.churn[name],
			Seed: int64(r.rng.Uint64() >> 1)})
		r.count("churn bursts", 1)
		r.later(ctx, e.dur, stop)
	case "bad record":
		entity := entities[e.arg]
		id, raw, err := makeBad(r.sb, entity, e.kind2, r.rng, time.Now())
		if err == nil {
			err = r.sb.SetRecord(entity, id, raw)
		}
		if err != nil {
			r.t.Errorf("make a bad %s (%s): %v", entity, e.kind2, err)
			return
		}
		r.mu.Lock()
		r.bad = append(r.bad, badRecord{entity: entity, id: id, kind: e.kind2})
		r.badIDs[id] = true
		r.mu.Unlock()
		r.count("bad records ("+e.kind2+")", 1)
	case "metacharacter record":
		entity := entities[e.arg]
		id, raw, err := makeMeta(r.sb, entity, r.rng, time.Now())
		if err == nil {
			err = r.sb.SetRecord(entity, id, raw)
		}
		if err != nil {
			r.t.Errorf("make a metacharacter %s: %v", entity, err)
			return
		}
		r.count("metacharacter records", 1)
	default:
		r.t.Errorf("unknown event %q", e.kind)
	}
}

// terminate ends the worker's database sessions: with midPage, the session
// writing a page, caught while its statement runs (else all of them).
func (r *faultRunner) terminate(ctx context.Context, midPage bool) {
	if midPage {
		deadline := time.Now().Add(3 * time.Second)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for time.Now().Before(deadline) {
			var n int
			err := r.db.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND application_name = $1 AND state = 'active'
				AND query LIKE 'WITH page AS%'`, r.appName).Scan(&n)
			if err != nil {
				if ctx.Err() == nil {
					r.t.Errorf("terminate a page write: %v", err)
				}
				return
			}
			if n > 0 {
				r.count("connections terminated mid-page", n)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}
	var n int
	if err := r.db.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, r.appName).Scan(&n); err != nil {
		if ctx.Err() == nil {
			r.t.Errorf("terminate the worker's sessions: %v", err)
		}
		return
	}
	r.count("connections terminated (all of the worker's)", n)
}

// wait waits for the faults that last to be undone.
func (r *faultRunner) wait() { r.pending.Wait() }

func (r *faultRunner) summary() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for k, v := range r.counts {
		out = append(out, fmt.Sprintf("%-45s %d", k, v))
	}
	sort.Strings(out)
	return out
}
