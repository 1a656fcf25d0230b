package plutoratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The reference endpoints: organizations, users, lookup fields,
// environment groups, layers and the systems of a release or change. Their
// ids are the ones the records carry, so every reference resolves (but the
// few all-zero GUIDs, see generator.ref).

var organizationNames = []struct{ name, typ string }{
	{"Acme Financial Group", "Company"},
	{"Retail Banking", "Department"}, {"Wealth", "Department"}, {"Group Technology", "Department"},
	{"Payments", "Department"}, {"Digital", "Department"},
}

func newOrganizations(seed uint64) []lookupItem {
	out := make([]lookupItem, len(organizationNames))
	for i, o := range organizationNames {
		out[i] = lookupItem{ID: guid(seed, "organization", uint64(i), 0), Value: o.name, SortOrder: i, Type: o.typ}
	}
	return out
}

// nestedLayerFields are the members of a layer (plutora-api.md §4).
var nestedLayerFields = []string{"id", "componentName", "version", "hostID", "environmentID", "stackLayerID", "stackLayer", "stackLayerType"}

var environmentGroups = []struct{ name, desc, color string }{
	{"Payments path", "Environments of the payments release train", "#1f77b4"},
	{"Digital channels", "Web and mobile test environments", "#2ca02c"},
	{"Core banking", "Ledger and batch environments", "#d62728"},
	{"Regulatory", "Environments kept for audits", "#9467bd"},
}

func okJSON(b []byte) *resp {
	return &resp{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: b}
}

// routeReference serves the reference endpoints; ok is false for a path
// that is not one of them.
func (p *Product) routeReference(r *http.Request, segs, orig []string) (rs *resp, ok bool) {
	g := p.srv.gen
	var serve func() *resp
	switch {
	case len(segs) == 1 && segs[0] == "organizations":
		serve = func() *resp { return okJSON(organizationsJSON(g.orgs)) }
	case len(segs) == 1 && segs[0] == "users":
		serve = func() *resp { return p.users(r) }
	case len(segs) == 1 && segs[0] == "lookupfields":
		serve = func() *resp { return okJSON(g.lookups.typesJSON()) }
	case len(segs) == 2 && segs[0] == "lookupfields":
		serve = func() *resp {
			if b, found := g.lookups.json(orig[1]); found {
				return okJSON(b)
			}
			return messageResp(http.StatusNotFound, fmt.Sprintf("Lookup field type '%s' was not found.", orig[1]))
		}
	case len(segs) == 1 && segs[0] == "environmentgroups":
		serve = func() *resp { return okJSON(p.environmentGroups()) }
	case len(segs) == 2 && segs[0] == "layers":
		serve = func() *resp { return p.layer(segs[1]) }
	case len(segs) == 3 && segs[0] == Releases && segs[2] == Systems:
		serve = func() *resp { return p.releaseSystems(segs[1]) }
	case len(segs) == 3 && segs[0] == Changes && segs[2] == Systems:
		serve = func() *resp { return p.changeSystems(segs[1]) }
	default:
		return nil, false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return methodNotAllowed(r), true
	}
	return serve(), true
}

// organizationsJSON is GET /organizations: [{id, name, type}].
func organizationsJSON(orgs []lookupItem) []byte {
	w := &jw{}
	w.open('[')
	for _, o := range orgs {
		w.open('{').ks("id", o.ID).ks("name", o.Value).ks("type", o.Type).close('}')
	}
	return w.close(']').b
}

// users serves GET /users: always the envelope, echoing pageNum and
// recordsPerPage (0 and 100 when absent). Items are {id, name, email}.
func (p *Product) users(r *http.Request) *resp {
	pageStr, ok := queryParam(r, "pageNum")
	if !ok {
		pageStr = "0"
	}
	perStr, _ := queryParam(r, "recordsPerPage")
	page, per, field, err := paging(pageStr, perStr, 100)
	if err != nil {
		return p.badRequest(field, err)
	}
	people := p.srv.gen.people
	w := &jw{}
	w.open('{').k("resultSet").open('[')
	n := 0
	if from := int64(page) * int64(per); from < int64(len(people)) {
		for _, u := range people[from:min(int(from)+per, len(people))] {
			w.open('{').ks("id", u.id).ks("name", u.name).ks("email", u.email).close('}')
			n++
		}
	}
	w.close(']').ki("returnCount", int64(n)).ki("totalCount", int64(len(people)))
	w.ki("pageNum", int64(page)).ki("recordsPerPage", int64(per)).close('}')
	return okJSON(w.b)
}

// environmentGroups is GET /environmentgroups: group k holds the live
// generated environments whose index is k modulo 5 (one in five is in no
// group).
func (p *Product) environmentGroups() []byte {
	st := p.srv.stores[Environments]
	st.mu.RLock()
	members := make([][]string, len(environmentGroups))
	for _, rec := range st.order {
		if k := rec.idx % 5; rec.idx >= 0 && k < len(environmentGroups) {
			members[k] = append(members[k], rec.id)
		}
	}
	st.mu.RUnlock()
	w := &jw{}
	w.open('[')
	for k, eg := range environmentGroups {
		w.open('{').ks("id", guid(p.srv.gen.seed, "environmentgroup", uint64(k), 0)).ks("name", eg.name)
		w.ks("description", eg.desc).ks("color", eg.color).k("environmentIDs").open('[')
		for _, id := range members[k] {
			w.s(id)
		}
		w.close(']').close('}')
	}
	return w.close(']').b
}

// layer serves GET /layers/{id}: the layer as its host carries it.
func (p *Product) layer(id string) *resp {
	st := p.srv.stores[Hosts]
	st.mu.RLock()
	hosts := append([]*record(nil), st.order...)
	st.mu.RUnlock()
	needle := []byte(`"id":"` + id + `"`)
	for _, rec := range hosts {
		raw := st.raw(rec)
		if !strings.Contains(string(raw), string(needle)) {
			continue
		}
		var h struct{ Layers []json.RawMessage }
		if json.Unmarshal(raw, &h) != nil {
			continue
		}
		for _, l := range h.Layers {
			var x struct{ ID string }
			if json.Unmarshal(l, &x) == nil && x.ID == id {
				return okJSON(l)
			}
		}
	}
	return messageResp(http.StatusNotFound, fmt.Sprintf("No layer record was found with id '%s'.", id))
}

// releaseSystems serves GET /releases/{id}/systems (shape assumed: the
// items of a change's systems[]): up to three systems drawn per release.
func (p *Product) releaseSystems(id string) *resp {
	rec, ok := p.srv.stores[Releases].get(id)
	if !ok {
		return messageResp(http.StatusNotFound, fmt.Sprintf("No release record was found with id '%s'.", id))
	}
	g := p.srv.gen
	w := &jw{}
	w.open('[')
	if rec.idx >= 0 && g.sizes.Systems > 0 {
		r := g.rng("releasesystems", rec.idx, 0)
		for k, n := 0, r.IntN(4); k < n; k++ {
			j := r.IntN(g.sizes.Systems)
			w.open('{').ks("systemId", g.id(Systems, j)).ks("name", g.systemName(j)).ks("systemRoleType", g.lookup(r, "SystemRoleType").Value).close('}')
		}
	}
	return okJSON(w.close(']').b)
}

// changeSystems serves GET /changes/{id}/systems: the change's systems[].
func (p *Product) changeSystems(id string) *resp {
	st := p.srv.stores[Changes]
	rec, ok := st.get(id)
	if !ok {
		return messageResp(http.StatusNotFound, fmt.Sprintf("No change record was found with id '%s'.", id))
	}
	var c struct{ Systems json.RawMessage }
	if json.Unmarshal(st.raw(rec), &c) != nil || len(c.Systems) == 0 || string(c.Systems) == "null" {
		return okJSON([]byte("[]"))
	}
	return okJSON(c.Systems)
}
