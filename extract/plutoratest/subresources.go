package plutoratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The sub-resources of a record (docs/plutora-api.md, "Endpoints"): GET
// /{entity}/{id}/{name} answers a bare array of what the record holds or
// implies; an unknown id answers 404.

// subresource returns how to serve GET /{entity}/{id}/{name} (lowercase
// segments), or nil when the sandbox has no such sub-resource.
func (p *Product) subresource(r *http.Request, entity, id, name string) func() *resp {
	switch {
	case entity == Releases && (name == Phases || name == Gates || name == Activities || name == Criteria):
		return func() *resp { return p.releaseSchedule(id, name) }
	case entity == TECRs && name == "linkedchanges":
		return func() *resp { return p.linkedChanges(r, id) }
	case entity == TEBRs && name == Bookings:
		return func() *resp { return p.tebrBookings(r, id) }
	case name == "additionalinformation" && (entity == Releases || entity == Changes || entity == Systems):
		return func() *resp { return p.recordMember(entity, id, "additionalInformation") }
	case entity == Changes && name == Systems:
		return func() *resp { return p.recordMember(entity, id, "systems") }
	case entity == Releases && name == Systems:
		return func() *resp { return p.releaseDrawn(id, p.releaseSystems) }
	case entity == Releases && name == "stakeholders":
		return func() *resp { return p.releaseDrawn(id, p.releaseStakeholders) }
	}
	return nil
}

// noRecord is the 404 of an unknown id of entity.
func noRecord(entity, id string) *resp {
	return messageResp(http.StatusNotFound, fmt.Sprintf("No %s record was found with id '%s'.", strings.TrimSuffix(entity, "s"), id))
}

// recordMember serves a member of the record as it is: its array, [] when
// the record has it null or not at all.
func (p *Product) recordMember(entity, id, key string) *resp {
	st := p.srv.stores[entity]
	rec, ok := st.get(id)
	if !ok {
		return noRecord(entity, id)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(st.raw(rec), &m) != nil || len(m[key]) == 0 || string(m[key]) == "null" {
		return okJSON([]byte("[]"))
	}
	return okJSON(m[key])
}

// releaseDrawn serves what is drawn per generated release (none for a
// release put by SetRecord).
func (p *Product) releaseDrawn(id string, draw func(w *jw, idx int)) *resp {
	rec, ok := p.srv.stores[Releases].get(id)
	if !ok {
		return noRecord(Releases, id)
	}
	w := &jw{}
	if rec.idx < 0 {
		return okJSON([]byte("[]"))
	}
	draw(w, rec.idx)
	return okJSON(w.b)
}

// releaseSystems writes the systems of the idx-th release (shape assumed:
// the items of a change's systems[]): up to three.
func (p *Product) releaseSystems(w *jw, idx int) {
	g := p.srv.gen
	w.open('[')
	if g.sizes.Systems > 0 {
		r := g.rng("releasesystems", idx, 0)
		for k, n := 0, r.IntN(4); k < n; k++ {
			j := r.IntN(g.sizes.Systems)
			w.open('{').ks("systemId", g.id(Systems, j)).ks("name", g.systemName(j)).ks("systemRoleType", g.lookup(r, "SystemRoleType").Value).close('}')
		}
	}
	w.close(']')
}

// releaseStakeholders writes the stakeholders of the idx-th release (shape
// assumed: the items of a change's stakeholders[]): up to three.
func (p *Product) releaseStakeholders(w *jw, idx int) {
	g := p.srv.gen
	r := g.rng("releasestakeholders", idx, 0)
	g.stakeholders(w, r, r.IntN(4))
}

// releaseSchedule serves GET /releases/{id}/{phases,gates,activities,criterias}:
// the release's live schedule items, in id order.
func (p *Product) releaseSchedule(id, kind string) *resp {
	rec, ok := p.srv.stores[Releases].get(id)
	if !ok {
		return noRecord(Releases, id)
	}
	st := p.srv.stores[kind]
	return p.listResp(st, st.children(rec.id), 0, 0, 0, "bare", nil)
}

// linkedChanges serves GET /TECRs/{id}/LinkedChanges: the live changes the
// TECR links, as GET /changes/{id} answers them.
func (p *Product) linkedChanges(r *http.Request, id string) *resp {
	rec, ok := p.srv.stores[TECRs].get(id)
	if !ok {
		return noRecord(TECRs, id)
	}
	changes := p.srv.stores[Changes]
	var recs []*record
	for _, c := range rec.links().changes {
		if ch, ok := changes.get(c); ok {
			recs = append(recs, ch)
		}
	}
	return p.recordsList(r, changes, recs)
}

// tebrBookings serves GET /TEBRs/{id}/Bookings: the live bookings made for
// the TEBR, in id order.
func (p *Product) tebrBookings(r *http.Request, id string) *resp {
	rec, ok := p.srv.stores[TEBRs].get(id)
	if !ok {
		return noRecord(TEBRs, id)
	}
	st := p.srv.stores[Bookings]
	st.mu.RLock()
	var recs []*record
	for _, b := range st.order {
		if b.links().tebr == rec.id {
			recs = append(recs, b)
		}
	}
	st.mu.RUnlock()
	return p.recordsList(r, st, recs)
}
