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
func (p *Product) subresource(entity, id, name string) func() *resp {
	switch {
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
