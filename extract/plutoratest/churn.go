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
	c := s.newChurner(o.withDefaults(s.opts.Seed))
	go c.run()
	s.churnMu.Lock()
	s.churns = append(s.churns, c.stop)
	s.churnMu.Unlock()
	return c.stop
}

// withDefaults fills the options left zero; seed is the server's.
func (o ChurnOptions) withDefaults(seed int64) ChurnOptions {
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
		o.Seed = seed
	}
	return o
}

// churner is one StartChurn's rounds, from its start to its stop.
type churner struct {
	s *Server
	o ChurnOptions
	// r picks the records of the entities; the linked entities draw from
	// rLinked, a stream of their own, so that the records churn hits among
	// the others are those it hit before they existed.
	r, rLinked *rand.Rand
	tick       <-chan time.Time
	ticker     *time.Ticker  // nil when o.Tick drives the rounds
	done       chan struct{} // closed by stop
	finished   chan struct{} // closed when run returns
	stopped    bool          // under s.churnMu: done is closed
}

func (s *Server) newChurner(o ChurnOptions) *churner {
	c := &churner{s: s, o: o,
		r:       rand.New(rand.NewPCG(uint64(o.Seed), 0xc4a2)),
		rLinked: rand.New(rand.NewPCG(uint64(o.Seed), 0x1eed)),
		tick:    o.Tick, done: make(chan struct{}), finished: make(chan struct{})}
	if c.tick == nil {
		c.ticker = time.NewTicker(o.Interval)
		c.tick = c.ticker.C
	}
	return c
}

// run makes a round at each tick until stopped, and tells o.Rounds of each.
func (c *churner) run() {
	defer close(c.finished)
	if c.ticker != nil {
		defer c.ticker.Stop()
	}
	for round := 1; ; round++ {
		select {
		case <-c.done:
			return
		case <-c.tick:
		}
		c.round()
		if c.o.Rounds != nil {
			select {
			case c.o.Rounds <- round:
			case <-c.done:
				return
			}
		}
	}
}

// round churns every entity once.
func (c *churner) round() {
	for _, e := range c.o.Entities {
		if st, err := c.s.store(e); err == nil && st.spec.linked() {
			c.s.churnRound(st, c.rLinked, c.o)
		} else if err == nil {
			c.s.churnRound(st, c.r, c.o)
		}
	}
}

// stop ends the churn and waits for the round in progress; it may be called
// more than once.
func (c *churner) stop() {
	c.s.churnMu.Lock()
	first := !c.stopped
	c.stopped = true
	c.s.churnMu.Unlock()
	if first {
		close(c.done)
	}
	<-c.finished
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
