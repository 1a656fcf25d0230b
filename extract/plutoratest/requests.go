package plutoratest

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// TECRs and TEBRs, test environment change and booking requests
// (docs/plutora-api.md, "Core objects"): endpoints known, members assumed,
// built like a change: a number, a title, an HTML description, status,
// type and priority, the organization, who raised it and who it is
// assigned to, the environments it is about, and lastModifiedDate for
// POST …/filter. A TECR links changes (GET /TECRs/{id}/LinkedChanges); a
// TEBR asks for a period, and its bookings (GET /TEBRs/{id}/Bookings) book
// its environments.

var requestFields = []string{"id", "number", "title", "description", "status", "type", "priority",
	"organizationId", "organization", "raisedById", "raisedBy", "assignedToId", "assignedTo",
	"environmentIds", "requiredDate", "createdDate", "lastModifiedDate", "lastModifiedBy"}

var (
	tecrStatuses    = []string{"Draft", "Submitted", "Approved", "In Progress", "Completed", "Rejected", "Cancelled"}
	tecrTypes       = []string{"Configuration", "Deployment", "Data Refresh", "Access", "Decommission"}
	tebrStatuses    = []string{"Draft", "Submitted", "Approved", "Rejected", "Cancelled"}
	tebrTypes       = []string{"New Booking", "Extension", "Release"}
	requestPriority = []string{"Low", "Medium", "High", "Critical"}
)

func (g *generator) tecr(rec *record) []byte {
	r := g.rng(TECRs, rec.idx, rec.version)
	w := &jw{b: make([]byte, 0, 1024)}
	g.request(w, r, rec, fmt.Sprintf("TECR-%d", 1000+rec.idx), tecrStatuses, tecrTypes)
	return w.close('}').b
}

func (g *generator) tebr(rec *record) []byte {
	r := g.rng(TEBRs, rec.idx, rec.version)
	w := &jw{b: make([]byte, 0, 1024)}
	g.request(w, r, rec, fmt.Sprintf("TEBR-%d", 1000+rec.idx), tebrStatuses, tebrTypes)
	start := epoch.Add(time.Duration(r.IntN(545)-365) * day)
	w.ks("startDate", dayForm(start)).ks("endDate", dayForm(start.Add(time.Duration(7+r.IntN(50))*day)))
	return w.close('}').b
}

// request writes the members TECRs and TEBRs share, leaving the object
// open.
func (g *generator) request(w *jw, r *rand.Rand, rec *record, number string, statuses, types []string) {
	w.open('{').ks("id", rec.id).ks("number", number).ks("title", g.sentence(r))
	html, _ := g.html(r)
	w.ks("description", html).ks("status", pick(r, statuses)).ks("type", pick(r, types)).ks("priority", pick(r, requestPriority))
	g.ref(w, r, "organizationId", "organization", g.orgs, required)
	raiser := g.person(r)
	w.ks("raisedById", raiser.id).ks("raisedBy", raiser.name)
	if r.IntN(5) == 0 {
		w.kn("assignedToId").kn("assignedTo")
	} else {
		p := g.person(r)
		w.ks("assignedToId", p.id).ks("assignedTo", p.name)
	}
	w.k("environmentIds").open('[')
	for _, e := range rec.links().environments {
		w.s(e)
	}
	w.close(']')
	w.ks("requiredDate", g.date(r)).ks("createdDate", g.date(r))
	g.modifiedField(w, rec, "lastModifiedDate")
	w.ks("lastModifiedBy", g.person(r).email)
}
