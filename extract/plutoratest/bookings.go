package plutoratest

import (
	"bytes"
	"encoding/json"
	"time"
)

// Environment bookings: GET /Bookings, always paged (docs/plutora-api.md,
// "Core objects"). A booking books one environment (never a group:
// isEnvironmentGroup is false) for a phase of a release, sometimes on
// behalf of a TEBR, from startDate (inclusive) to endDate (exclusive).
// Its state is computed at each read from the live bookings of its
// environment: Conflicting when another overlaps it, else In Use when
// Approved and Available when Pending. A booking added, moved or deleted
// changes its neighbours' state without moving their timeStamp.

var bookingFields = []string{"id", "environmentId", "isEnvironmentGroup", "releaseId", "phaseId", "tebrId",
	"startDate", "endDate", "status", "state", "statusUpdaterId", "timeStamp"}

// Booking states and statuses.
const (
	stateConflicting = "Conflicting"
	stateInUse       = "In Use"
	stateAvailable   = "Available"
	statusApproved   = "Approved"
	statusPending    = "Pending"
)

// bookingDraw is what a generated booking's version draws: its period and
// status. Periods start at midnight within the year before the epoch or
// the six months after it and last 3 to 30 days.
type bookingDraw struct {
	start, end time.Time
	approved   bool
	updater    person
}

func (g *generator) drawBooking(idx, version int) bookingDraw {
	r := g.rng(Bookings, idx, version)
	start := epoch.Add(time.Duration(r.IntN(545)-365) * day)
	return bookingDraw{
		start:    start,
		end:      start.Add(time.Duration(3+r.IntN(28)) * day),
		approved: r.IntN(3) > 0,
		updater:  g.person(r),
	}
}

func (g *generator) booking(rec *record) []byte {
	d := g.drawBooking(rec.idx, rec.version)
	ln := rec.links()
	w := &jw{b: make([]byte, 0, 400)}
	w.open('{').ks("id", rec.id).ks("environmentId", rec.parent).kb("isEnvironmentGroup", false)
	w.ks("releaseId", ln.release).ks("phaseId", ln.phase)
	if ln.tebr != "" {
		w.ks("tebrId", ln.tebr)
	} else {
		w.kn("tebrId")
	}
	w.ks("startDate", dayForm(d.start)).ks("endDate", dayForm(d.end))
	status := statusPending
	if d.approved {
		status = statusApproved
	}
	// The state is a placeholder that withState fills at each read.
	w.ks("status", status).kn("state")
	if d.approved {
		w.ks("statusUpdaterId", d.updater.id)
	} else {
		w.kn("statusUpdaterId")
	}
	g.modifiedField(w, rec, "timeStamp")
	return w.close('}').b
}

// withState fills a generated booking's state from the live bookings of
// its environment.
func (s *Server) withState(rec *record, base []byte) []byte {
	st := s.stores[Bookings]
	start, end, approved, ok := s.bookingSpan(st, rec)
	state := stateAvailable
	if ok && approved {
		state = stateInUse
	}
	if ok {
		for _, o := range st.siblings(rec.parent) {
			if o.id == rec.id {
				continue
			}
			if os, oe, _, ok := s.bookingSpan(st, o); ok && start.Before(oe) && os.Before(end) {
				state = stateConflicting
				break
			}
		}
	}
	return bytes.Replace(base, []byte(`"state":null`), []byte(`"state":"`+state+`"`), 1)
}

// bookingSpan is a booking's period and whether it is approved: drawn for
// a generated booking, read from a record put by SetRecord.
func (s *Server) bookingSpan(st *store, rec *record) (start, end time.Time, approved, ok bool) {
	if rec.exactBytes == nil {
		d := s.gen.drawBooking(rec.idx, rec.version)
		return d.start, d.end, d.approved, true
	}
	var b struct{ StartDate, EndDate, Status string }
	if json.Unmarshal(rec.exactBytes, &b) != nil {
		return
	}
	var err1, err2 error
	start, err1 = parseAPITime(b.StartDate)
	end, err2 = parseAPITime(b.EndDate)
	return start, end, b.Status == statusApproved, err1 == nil && err2 == nil
}
