package plutoratest

import (
	"math/rand/v2"
	"slices"
	"time"
)

// The linked entities: bookings, TECRs, TEBRs and a release's schedule
// (phases, gates, activities, criteria) refer to other records, and those
// references stay live (docs/plutora-api.md, "Core objects"):
//
//   - a record is created referring to live records only;
//   - deleting a record deletes what depends on it: a release its schedule
//     and its bookings, a phase its activities and bookings, a gate its
//     criteria, an environment its bookings, a TEBR its bookings;
//   - deleting an environment edits the TECRs and TEBRs that name it (the
//     environment leaves their environmentIds, lastModifiedDate moves);
//   - deleting a change removes it from the TECRs' linked changes at once,
//     without moving their lastModifiedDate (like a release's schedule,
//     child data changes without the parent's date).
//
// A booking's state is computed at each read (bookings.go).

// links are what a record of a linked entity refers to besides its parent
// (the record's parent: a booking's environment, a schedule item's release).
type links struct {
	release, phase, tebr string // a booking's release, phase of it and TEBR ("" when none)
	workItem             string // an activity's phase, a criterion's gate
	// slot is a phase's or gate's place in its release's schedule (an index
	// of phaseNames or gateNames); an activity's or criterion's, that of its
	// work item.
	slot         int
	environments []string // a TECR's or TEBR's
	changes      []string // a TECR's linked changes
}

// links returns rec's links; none for a record put by SetRecord.
func (rec *record) links() *links {
	if rec.ln == nil {
		return &links{}
	}
	return rec.ln
}

// The links of the initial data: pure functions of the index, so a seed
// always yields the same data, and every reference is to a generated
// record.

func (g *generator) phaseLinks(idx int) (string, *links) {
	return g.id(Releases, idx/phasesPerRelease), &links{slot: idx % phasesPerRelease}
}

func (g *generator) gateLinks(idx int) (string, *links) {
	return g.id(Releases, idx/gatesPerRelease), &links{slot: idx % gatesPerRelease}
}

func (g *generator) activityLinks(idx int) (string, *links) {
	p := idx / activitiesPerPhase
	return g.id(Releases, p/phasesPerRelease), &links{workItem: g.id(Phases, p), slot: p % phasesPerRelease}
}

func (g *generator) criterionLinks(idx int) (string, *links) {
	k := idx / criteriaPerGate
	return g.id(Releases, k/gatesPerRelease), &links{workItem: g.id(Gates, k), slot: k % gatesPerRelease}
}

// someOf draws between lo and hi distinct indexes below n.
func someOf(r *rand.Rand, n, lo, hi int) []int {
	if n == 0 {
		return nil
	}
	want := min(lo+r.IntN(hi-lo+1), n)
	var out []int
	for len(out) < want {
		if i := r.IntN(n); !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// environmentsOf are the environments the idx-th generated TECR or TEBR
// names: one to three.
func (g *generator) environmentsOf(entity string, idx int) []string {
	r := g.rng(entity+"/environments", idx, 0)
	var out []string
	for _, e := range someOf(r, g.sizes.Environments, 1, 3) {
		out = append(out, g.id(Environments, e))
	}
	return out
}

func (g *generator) tecrLinks(idx int) (string, *links) {
	ln := &links{environments: g.environmentsOf(TECRs, idx)}
	r := g.rng(TECRs+"/changes", idx, 0)
	for _, c := range someOf(r, g.sizes.Changes, 0, 3) {
		ln.changes = append(ln.changes, g.id(Changes, c))
	}
	return "", ln
}

func (g *generator) tebrLinks(idx int) (string, *links) {
	return "", &links{environments: g.environmentsOf(TEBRs, idx)}
}

// bookingLinks: one booking in three comes from a TEBR and books one of
// its environments; the others book any environment. The phase is one of
// the release's.
func (g *generator) bookingLinks(idx int) (string, *links) {
	r := g.rng(Bookings+"/links", idx, 0)
	ln := &links{}
	env := ""
	if n := g.sizes.TEBRs; n > 0 && r.IntN(3) == 0 {
		t := r.IntN(n)
		if envs := g.environmentsOf(TEBRs, t); len(envs) > 0 {
			ln.tebr, env = g.id(TEBRs, t), pick(r, envs)
		}
	}
	if env == "" {
		env = g.id(Environments, r.IntN(g.sizes.Environments))
	}
	rel := r.IntN(g.sizes.Releases)
	ln.release = g.id(Releases, rel)
	ln.phase = g.id(Phases, rel*phasesPerRelease+r.IntN(phasesPerRelease))
	return env, ln
}

// insert adds a generated record of entity and returns its id; ok is false
// when a linked record finds nothing live to refer to. A new release comes
// with its schedule.
func (s *Server) insert(entity string) (string, bool) {
	st := s.stores[entity]
	if !st.spec.linked() && entity != Releases {
		return st.insert(s.opts.Now()), true
	}
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	now := s.opts.Now()
	if entity == Releases {
		id := st.insert(now)
		s.addSchedule(id, now)
		return id, true
	}
	parent, ln, ok := s.pickLinks(entity)
	if !ok {
		return "", false
	}
	return st.insertLinked(now, parent, ln), true
}

// addSchedule gives a new release the schedule a generated one has.
func (s *Server) addSchedule(release string, now time.Time) {
	for k := 0; k < phasesPerRelease; k++ {
		ph := s.stores[Phases].insertLinked(now, release, &links{slot: k})
		for range activitiesPerPhase {
			s.stores[Activities].insertLinked(now, release, &links{workItem: ph, slot: k})
		}
	}
	for k := 0; k < gatesPerRelease; k++ {
		gt := s.stores[Gates].insertLinked(now, release, &links{slot: k})
		for range criteriaPerGate {
			s.stores[Criteria].insertLinked(now, release, &links{workItem: gt, slot: k})
		}
	}
}

// pickLinks chooses, among live records, what a new record of entity
// refers to. Callers hold linkMu.
func (s *Server) pickLinks(entity string) (parent string, ln *links, ok bool) {
	r := s.linkRng
	switch entity {
	case Phases:
		rel, ok := s.stores[Releases].pick(r, false)
		return rel, &links{slot: r.IntN(len(phaseNames))}, ok
	case Gates:
		rel, ok := s.stores[Releases].pick(r, false)
		return rel, &links{slot: r.IntN(len(gateNames))}, ok
	case Activities, Criteria:
		kind := Phases
		if entity == Criteria {
			kind = Gates
		}
		item, ok := s.pickLinked(kind)
		if !ok {
			return "", nil, false
		}
		return item.parent, &links{workItem: item.id, slot: item.ln.slot}, true
	case TECRs:
		return "", &links{environments: s.pickSome(Environments, 1, 3), changes: s.pickSome(Changes, 0, 3)}, true
	case TEBRs:
		return "", &links{environments: s.pickSome(Environments, 1, 3)}, true
	case Bookings:
		return s.pickBooking()
	}
	return "", nil, false
}

// pickBooking books a live environment (one of a live TEBR's, one time in
// three) for a live phase of a live release.
func (s *Server) pickBooking() (string, *links, bool) {
	r := s.linkRng
	phase, ok := s.pickLinked(Phases)
	if !ok {
		return "", nil, false
	}
	ln := &links{release: phase.parent, phase: phase.id}
	env := ""
	if r.IntN(3) == 0 {
		if t, ok := s.pickLinked(TEBRs); ok && len(t.ln.environments) > 0 {
			ln.tebr, env = t.id, pick(r, t.ln.environments)
		}
	}
	if env == "" {
		if env, ok = s.stores[Environments].pick(r, false); !ok {
			return "", nil, false
		}
	}
	return env, ln, true
}

// pickLinked picks a live generated record of entity (one with links).
func (s *Server) pickLinked(entity string) (*record, bool) {
	st := s.stores[entity]
	for range 8 {
		id, ok := st.pick(s.linkRng, false)
		if !ok {
			return nil, false
		}
		if rec, ok := st.get(id); ok && rec.ln != nil {
			return rec, true
		}
	}
	return nil, false
}

// pickSome picks lo to hi distinct live ids of entity.
func (s *Server) pickSome(entity string, lo, hi int) []string {
	var out []string
	for range lo + s.linkRng.IntN(hi-lo+1) {
		if id, ok := s.stores[entity].pick(s.linkRng, false); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// delete removes a record and what depends on it.
func (s *Server) delete(entity, id string) error {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	return s.deleteLocked(entity, id)
}

func (s *Server) deleteLocked(entity, id string) error {
	if err := s.stores[entity].delete(id, s.opts.Now()); err != nil {
		return err
	}
	drop := func(dep string, match func(*record) bool) {
		for _, d := range s.stores[dep].idsWhere(match) {
			_ = s.deleteLocked(dep, d)
		}
	}
	switch entity {
	case Releases: // its phases take its bookings with them
		for _, dep := range []string{Phases, Gates, Activities, Criteria} {
			drop(dep, func(r *record) bool { return r.parent == id })
		}
	case Phases:
		drop(Activities, func(r *record) bool { return r.links().workItem == id })
		drop(Bookings, func(r *record) bool { return r.links().phase == id })
	case Gates:
		drop(Criteria, func(r *record) bool { return r.links().workItem == id })
	case TEBRs:
		drop(Bookings, func(r *record) bool { return r.links().tebr == id })
	case Environments:
		drop(Bookings, func(r *record) bool { return r.parent == id })
		now := s.opts.Now()
		for _, dep := range []string{TECRs, TEBRs} {
			st := s.stores[dep]
			for _, d := range st.idsWhere(func(r *record) bool { return slices.Contains(r.links().environments, id) }) {
				st.relink(d, now, func(ln *links) *links {
					c := *ln
					c.environments = slices.DeleteFunc(slices.Clone(ln.environments), func(e string) bool { return e == id })
					return &c
				})
			}
		}
	}
	return nil
}
