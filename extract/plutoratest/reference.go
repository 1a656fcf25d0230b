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

// nestedLayerFields are the members of a layer (docs/plutora-api.md, "Records").
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
	var serve func() *resp
	switch len(segs) {
	case 1:
		serve = p.referenceList(r, segs[0])
	case 2:
		serve = p.referenceItem(segs, orig)
	case 3:
		serve = p.subresource(r, segs[0], segs[1], segs[2])
	}
	if serve == nil {
		return nil, false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return methodNotAllowed(r), true
	}
	return serve(), true
}

// referenceList serves /{name}, or is nil when name is not a reference list.
func (p *Product) referenceList(r *http.Request, name string) func() *resp {
	g := p.srv.gen
	switch name {
	case "organizations":
		return func() *resp { return okJSON(organizationsJSON(g.orgs)) }
	case "users":
		return func() *resp { return p.users(r) }
	case "lookupfields":
		return func() *resp { return okJSON(g.lookups.typesJSON()) }
	case "environmentgroups":
		return func() *resp { return okJSON(p.environmentGroups()) }
	}
	return nil
}

// referenceItem serves /{list}/{item} of the reference endpoints, or is nil
// for another path (orig: the path's segments as sent, not lowered).
func (p *Product) referenceItem(segs, orig []string) func() *resp {
	g := p.srv.gen
	switch {
	case segs[0] == "organizations" && segs[1] == "tree":
		return func() *resp { return okJSON(organizationsTree(g.orgs)) }
	case segs[0] == "lookupfields":
		return func() *resp {
			if b, found := g.lookups.json(orig[1]); found {
				return okJSON(b)
			}
			return messageResp(http.StatusNotFound, fmt.Sprintf("Lookup field type '%s' was not found.", orig[1]))
		}
	case segs[0] == "layers":
		return func() *resp { return p.layer(segs[1]) }
	case segs[0] == "workitemnames" && (segs[1] == Phases || segs[1] == Gates):
		return func() *resp { return okJSON(g.workItemNamesJSON(segs[1])) }
	}
	return nil
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

// organizationsTree is GET /organizations/tree: the organizations nested,
// each with its children (the member's name is assumed): every company at
// the root, its departments below it.
func organizationsTree(orgs []lookupItem) []byte {
	w := &jw{}
	node := func(o lookupItem) *jw {
		return w.open('{').ks("id", o.ID).ks("name", o.Value).ks("type", o.Type).k("children").open('[')
	}
	w.open('[')
	for _, company := range orgs {
		if company.Type != "Company" {
			continue
		}
		node(company)
		for _, o := range orgs {
			if o.Type == "Department" {
				node(o).close(']').close('}')
			}
		}
		w.close(']').close('}')
	}
	return w.close(']').b
}

// users serves GET /users: with pageNum the envelope, echoing pageNum and
// recordsPerPage; without it a bare array of every user, like the other
// legacy lists (docs/plutora-api.md, "Endpoints").
func (p *Product) users(r *http.Request) *resp {
	people := p.srv.gen.people
	pageStr, paged := queryParam(r, "pageNum")
	if !paged {
		return okJSON(usersJSON(people))
	}
	perStr, _ := queryParam(r, "recordsPerPage")
	page, per, field, err := paging(pageStr, perStr, 100)
	if err != nil {
		return p.badRequest(field, err)
	}
	var items []person
	if from := int64(page) * int64(per); from < int64(len(people)) {
		items = people[from:min(int(from)+per, len(people))]
	}
	w := &jw{}
	w.open('{').k("resultSet").raw(usersJSON(items)).ki("returnCount", int64(len(items))).ki("totalCount", int64(len(people)))
	w.ki("pageNum", int64(page)).ki("recordsPerPage", int64(per)).close('}')
	return okJSON(w.b)
}

// usersJSON is people as GET /users lists them: {id, userName, firstName,
// lastName, email}. userName, firstName and lastName are the members
// Plutora's own scripts read; userName is the login e-mail, and email is
// assumed.
func usersJSON(people []person) []byte {
	w := &jw{}
	w.open('[')
	for _, u := range people {
		w.open('{').ks("id", u.id).ks("userName", u.email).ks("firstName", u.first).ks("lastName", u.last).ks("email", u.email).close('}')
	}
	return w.close(']').b
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
