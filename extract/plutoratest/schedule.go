package plutoratest

import (
	"math/rand/v2"
	"time"
)

// A release's schedule: GET /releases/{id}/phases, /gates, /activities and
// /criterias, and the names GET /workitemnames/phases and /gates list
// (docs/plutora-api.md, "Core objects"). A generated release has four
// phases of three weeks in a row from its anchor date, each with two
// activities, and three gates, one at the end of each of the first three
// phases, each with two criteria. Phases and gates are named by their slot;
// their status follows their dates against the data set's epoch.

// phaseNames and gateNames are the work item names, in schedule order; a
// generated release uses the first phasesPerRelease and gatesPerRelease.
var (
	phaseNames = []string{"Development", "System Test", "UAT", "Pre-Production", "Production"}
	gateNames  = []string{"Scope Approved", "Test Entry", "Go/No-Go", "Post-Implementation Review"}
)

// Field lists, for filters and the OpenAPI document.
var (
	workItemFields = []string{"id", "releaseId", "workItemNameId", "name", "startDate", "endDate", "status"}
	taskFields     = []string{"id", "releaseId", "assignedWorkItemID", "title", "type", "status", "assignedToId",
		"assignedTo", "startDate", "endDate", "forecastDate", "completion"}
)

const (
	phaseLength = 21 * 24 * time.Hour
	day         = 24 * time.Hour
)

// dayForm is how the schedule writes dates: midnight, no zone.
func dayForm(t time.Time) string { return t.Format("2006-01-02T15:04:05") }

// releaseAnchor is where a release's schedule starts: a midnight from 18
// months before the epoch to 6 months after, drawn from the release's id so
// that every child of a release agrees on it.
func (g *generator) releaseAnchor(releaseID string) time.Time {
	h := mix64(g.seed ^ strHash(releaseID))
	return epoch.Add(time.Duration(int(h%730)-545) * day)
}

// statusByDates is the status of a period against the epoch.
func statusByDates(start, end time.Time) string {
	switch {
	case end.Before(epoch):
		return "Complete"
	case !start.After(epoch):
		return "In Progress"
	}
	return "Not Started"
}

// workItemName is the id of a phase or gate name.
func (g *generator) workItemName(kind string, slot int) string {
	return guid(g.seed, "workitemname/"+kind, uint64(slot), 0)
}

// phasePeriod is the period of a phase in slot of a release; edits (later
// versions) move its end by up to a week either way.
func (g *generator) phasePeriod(release string, slot int, r *rand.Rand, version int) (time.Time, time.Time) {
	start := g.releaseAnchor(release).Add(time.Duration(slot) * phaseLength)
	end := start.Add(phaseLength - day)
	if version > 0 {
		end = end.Add(time.Duration(r.IntN(15)-7) * day)
	}
	return start, end
}

// gatePeriod: a gate spans the last two days of the phase in its slot.
func (g *generator) gatePeriod(release string, slot int, r *rand.Rand, version int) (time.Time, time.Time) {
	_, end := g.phasePeriod(release, slot, r, version)
	return end.Add(-day), end
}

func (g *generator) phase(rec *record) []byte {
	return g.workItem(rec, Phases, phaseNames, g.phasePeriod)
}

func (g *generator) gate(rec *record) []byte {
	return g.workItem(rec, Gates, gateNames, g.gatePeriod)
}

func (g *generator) workItem(rec *record, kind string, names []string,
	period func(release string, slot int, r *rand.Rand, version int) (time.Time, time.Time)) []byte {
	r := g.rng(kind, rec.idx, rec.version)
	slot := rec.links().slot % len(names)
	start, end := period(rec.parent, slot, r, rec.version)
	w := &jw{b: make([]byte, 0, 320)}
	w.open('{').ks("id", rec.id).ks("releaseId", rec.parent).ks("workItemNameId", g.workItemName(kind, slot)).ks("name", names[slot])
	w.ks("startDate", dayForm(start)).ks("endDate", dayForm(end)).ks("status", statusByDates(start, end))
	return w.close('}').b
}

var (
	activityTypes  = []string{"Activity", "Milestone", "Approval"}
	criterionTypes = []string{"Entry", "Exit", "Quality"}
)

func (g *generator) activity(rec *record) []byte {
	return g.task(rec, Activities, activityTypes, g.phasePeriod)
}

func (g *generator) criterion(rec *record) []byte {
	return g.task(rec, Criteria, criterionTypes, g.gatePeriod)
}

// task writes an activity (of a phase) or a criterion (of a gate): it
// starts within its work item's period and lasts three to nine days; its
// forecast is its end moved by -3 to +7 days. Its status follows its
// dates, but one in five past its end is still In Progress (late).
func (g *generator) task(rec *record, kind string, types []string,
	period func(release string, slot int, r *rand.Rand, version int) (time.Time, time.Time)) []byte {
	r := g.rng(kind, rec.idx, rec.version)
	ln := rec.links()
	from, _ := period(rec.parent, ln.slot, r, 0)
	start := from.Add(time.Duration(r.IntN(10)) * day)
	end := start.Add(time.Duration(3+r.IntN(7)) * day)
	forecast := end.Add(time.Duration(r.IntN(11)-3) * day)
	status := statusByDates(start, end)
	if status == "Complete" && r.IntN(5) == 0 {
		status = "In Progress"
	}
	completion := 0
	switch status {
	case "Complete":
		completion = 100
	case "In Progress":
		completion = 10 * (1 + r.IntN(9))
	}
	p := g.person(r)
	w := &jw{b: make([]byte, 0, 512)}
	w.open('{').ks("id", rec.id).ks("releaseId", rec.parent)
	if ln.workItem != "" {
		w.ks("assignedWorkItemID", ln.workItem)
	} else {
		w.kn("assignedWorkItemID")
	}
	w.ks("title", g.sentence(r)).ks("type", pick(r, types)).ks("status", status)
	w.ks("assignedToId", p.id).ks("assignedTo", p.name)
	w.ks("startDate", dayForm(start)).ks("endDate", dayForm(end)).ks("forecastDate", dayForm(forecast))
	w.ki("completion", int64(completion))
	return w.close('}').b
}

// workItemNamesJSON is GET /workitemnames/phases or /gates:
// [{id, name, type, sortOrder}] (shape assumed).
func (g *generator) workItemNamesJSON(kind string) []byte {
	names, typ := phaseNames, "Phase"
	if kind == Gates {
		names, typ = gateNames, "Gate"
	}
	w := &jw{}
	w.open('[')
	for i, n := range names {
		w.open('{').ks("id", g.workItemName(kind, i)).ks("name", n).ks("type", typ).ki("sortOrder", int64(i)).close('}')
	}
	return w.close(']').b
}
