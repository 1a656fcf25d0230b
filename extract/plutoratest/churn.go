package plutoratest

import (
	"math/rand/v2"
	"time"
)

// ChurnOptions drive StartChurn.
type ChurnOptions struct {
	// Entities to churn; default changes, releases, hosts, defects and the
	// linked entities: bookings, tecrs, tebrs, and a release's phases,
	// gates, activities and criterias (links.go keeps their references
	// live: deleting a release deletes its schedule and bookings, …).
	Entities []string
	// Interval between rounds (default 10ms). Each round inserts, updates
	// and deletes the given numbers of records (defaults 1, 2, 1) in every
	// entity.
	Interval                  time.Duration
	Inserts, Updates, Deletes int
	// Seed drives which records are hit (default Options.Seed).
	Seed int64
	// Tick, when set, replaces the ticker: a round runs for each value
	// received, and Rounds (if set) is sent the number of the round
	// finished. Tests use it to churn in lockstep with their own paging.
	Tick   <-chan time.Time
	Rounds chan<- int
}

// StartChurn changes data while clients page: every round inserts records
// (anywhere in the paging order), updates records (bumping
// lastModifiedDate) and deletes records, preferring records on pages a
// client has already read so that offset paging really drifts. stop ends
// it and waits for the round in progress.
func (s *Server) StartChurn(o ChurnOptions) (stop func()) {
	if len(o.Entities) == 0 {
		o.Entities = []string{Changes, Releases, Hosts, Defects, Bookings, TECRs, TEBRs, Phases, Gates, Activities, Criteria}
	}
	if o.Interval <= 0 {
		o.Interval = 10 * time.Millisecond
	}
	if o.Inserts == 0 && o.Updates == 0 && o.Deletes == 0 {
		o.Inserts, o.Updates, o.Deletes = 1, 2, 1
	}
	if o.Seed == 0 {
		o.Seed = s.opts.Seed
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0xc4a2))
	// The linked entities draw from their own stream, so that the records
	// churn hits among the others are those it hit before they existed.
	rLinked := rand.New(rand.NewPCG(uint64(o.Seed), 0x1eed))
	done := make(chan struct{})
	finished := make(chan struct{})
	tick := o.Tick
	var ticker *time.Ticker
	if tick == nil {
		ticker = time.NewTicker(o.Interval)
		tick = ticker.C
	}
	go func() {
		defer close(finished)
		if ticker != nil {
			defer ticker.Stop()
		}
		for round := 1; ; round++ {
			select {
			case <-done:
				return
			case <-tick:
			}
			for _, e := range o.Entities {
				if st, err := s.store(e); err == nil && st.spec.linked() {
					s.churnRound(st, rLinked, o)
				} else if err == nil {
					s.churnRound(st, r, o)
				}
			}
			if o.Rounds != nil {
				select {
				case o.Rounds <- round:
				case <-done:
					return
				}
			}
		}
	}()
	var once bool
	stopFn := func() {
		s.churnMu.Lock()
		first := !once
		once = true
		s.churnMu.Unlock()
		if first {
			close(done)
		}
		<-finished
	}
	s.churnMu.Lock()
	s.churns = append(s.churns, stopFn)
	s.churnMu.Unlock()
	return stopFn
}

func (s *Server) churnRound(st *store, r *rand.Rand, o ChurnOptions) {
	for k := 0; k < o.Inserts; k++ {
		s.insert(st.spec.name)
	}
	for k := 0; k < o.Updates; k++ {
		if id, ok := st.pick(r, false); ok {
			_ = st.update(id, s.opts.Now())
		}
	}
	for k := 0; k < o.Deletes; k++ {
		if id, ok := st.pick(r, true); ok {
			_ = s.delete(st.spec.name, id)
		}
	}
}

// pick chooses a live record at random; with read set, one on a page a
// client has already read when there is one.
func (st *store) pick(r *rand.Rand, read bool) (string, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	n := len(st.order)
	if n == 0 {
		return "", false
	}
	if read {
		if m := min(int(st.maxServed.Load()), n); m > 0 {
			base := st.order
			if st.servedByMod.Load() && st.byMod != nil {
				base = st.byMod
			}
			return base[r.IntN(m)].id, true
		}
	}
	return st.order[r.IntN(n)].id, true
}
