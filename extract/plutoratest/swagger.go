package plutoratest

import (
	"encoding/json"
	"slices"
	"strings"
)

type obj = map[string]any

// The OpenAPI document of each product, served at /swagger/docs/v1 (where
// Swashbuckle, which serves the real API's page, keeps it) and read by the
// Swagger UI page (swaggerui.go). It lists every path the product serves.

// openAPI returns the OpenAPI 3 document of what this product implements.
func (p *Product) openAPI() []byte {
	d := &apiDoc{paths: obj{}}
	product := "Plutora"
	if p.Name == "plutoratest" {
		product = "Plutora Test"
		p.testPaths(d)
	} else {
		p.plutoraPaths(d)
	}
	d.add("/me", "get", obj{"summary": "the user's e-mail, as a bare JSON string: a cheap check of a token", "responses": d.ok("e-mail", obj{"type": "string"})})
	d.token()
	doc := obj{
		"openapi": "3.0.3",
		"info": obj{"title": product + " API (plutora-sync sandbox)", "version": "1.0", "description": "What the plutora-sync sandbox implements, " +
			"as the real API answers it. To try an endpoint: POST /oauth/token (below) with the credentials `plutora-sync sim` printed, " +
			"then Authorize and paste `bearer ` followed by the access_token."},
		// Relative: the page calls the API on the host it was loaded from.
		"servers": []any{obj{"url": "/"}},
		"paths":   d.paths,
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "apiKey", "in": "header", "name": "Authorization",
				"description": "The header Authorization: paste `bearer <access_token>` (bearer or Bearer)."}},
			"schemas": p.schemas(),
		},
	}
	b, _ := json.Marshal(doc)
	return b
}

// apiDoc collects the paths of an OpenAPI document.
type apiDoc struct{ paths obj }

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func jsonContent(schema any) obj { return obj{"application/json": obj{"schema": schema}} }

func arrayOf(name string) obj { return obj{"type": "array", "items": ref(name)} }

// add documents method on path, grouped by the path's first segment as
// Swashbuckle groups by controller; every operation but the token's needs
// the bearer token.
func (d *apiDoc) add(path, method string, op obj) {
	if d.paths[path] == nil {
		d.paths[path] = obj{}
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	op["tags"] = []any{strings.ToUpper(first[:1]) + first[1:]}
	if _, ok := op["security"]; !ok {
		op["security"] = []any{obj{"bearer": []any{}}}
	}
	d.paths[path].(obj)[method] = op
}

// ok are the answers of an API call that succeeds with schema.
func (d *apiDoc) ok(desc string, schema any) obj {
	return obj{
		"200": obj{"description": desc, "content": jsonContent(schema)},
		"401": obj{"description": "missing, expired or invalid token, or a source address outside the IP whitelist", "content": jsonContent(ref("Message"))},
		"429": obj{"description": "over the request budget; see Retry-After", "content": jsonContent(ref("Message"))},
	}
}

// okOr404 are ok's answers and 404 for an unknown id.
func (d *apiDoc) okOr404(desc string, schema any) obj {
	rs := d.ok(desc, schema)
	rs["404"] = obj{"description": "no record with this id", "content": jsonContent(ref("Message"))}
	return rs
}

// okOr500 are ok's answers and the real API's 500 for a filter naming a
// field that does not exist.
func (d *apiDoc) okOr500(desc string, schema any) obj {
	rs := d.ok(desc, schema)
	rs["500"] = obj{"description": "a filter naming a field that does not exist", "content": jsonContent(ref("Message"))}
	return rs
}

func pathParam(name, example string) obj {
	p := obj{"name": name, "in": "path", "required": true, "schema": obj{"type": "string"}}
	if example != "" {
		p["example"] = example
	}
	return p
}

var (
	pageParams = []any{
		obj{"name": "pageNum", "in": "query", "description": "0-based page; without it the answer is a bare array of every record", "schema": obj{"type": "integer", "minimum": 0}},
		obj{"name": "recordsPerPage", "in": "query", "description": "at most 100", "schema": obj{"type": "integer", "maximum": 100}},
	}
	listParams = append(slices.Clone(pageParams),
		obj{"name": "filter", "in": "query", "description": "e.g. `lastModifiedDate` >= `2019-01-01`; operators Equals (=), NotEquals (!=), Contains (~), NotContains (!~), GreaterThan (>), GreaterOrEqual (>=), LessThan (<), LessOrEquals (<=), IsWithin, HasValue, HasNoValue; AND, OR", "schema": obj{"type": "string"}})
	searchRequest = obj{"required": true, "content": jsonContent(ref("SearchRequest"))}
)

// token documents POST /oauth/token, the password grant.
func (d *apiDoc) token() {
	form := obj{"type": "object", "required": []any{"grant_type", "client_id", "client_secret"}, "properties": obj{
		"grant_type": obj{"type": "string", "enum": []any{"password", "refresh_token"}, "default": "password"},
		"client_id":  obj{"type": "string"}, "client_secret": obj{"type": "string"},
		"username": obj{"type": "string", "description": "the user's login e-mail"}, "password": obj{"type": "string"},
		"refresh_token": obj{"type": "string", "description": "for grant_type refresh_token"},
	}}
	d.add("/oauth/token", "post", obj{"summary": "a token by the password grant (on the real API, at the region's oauth host)", "security": []any{},
		"requestBody": obj{"required": true, "content": obj{"application/x-www-form-urlencoded": obj{"schema": form}}},
		"responses": obj{
			"200": obj{"description": "the token", "content": jsonContent(ref("Token"))},
			"400": obj{"description": "bad credentials or grant", "content": jsonContent(obj{"type": "object", "properties": obj{"error": obj{}, "error_description": obj{}}})},
		}})
}

// testPaths documents Plutora Test's paths.
func (p *Product) testPaths(d *apiDoc) {
	envelope := "PagedDefectsPascal"
	if p.srv.opts.DefectEnvelope == "camel" {
		envelope = "PagedDefectsCamel"
	}
	id := p.exampleID(Defects)
	d.add("/defects", "get", obj{"summary": "list defects", "parameters": listParams, "responses": d.okOr500("a page", ref(envelope))})
	d.add("/defects/Search", "post", obj{"summary": "search defects (default 25 a page)", "requestBody": searchRequest, "responses": d.okOr500("a page", ref(envelope))})
	d.add("/defects/{id}", "get", obj{"summary": "a defect", "parameters": []any{pathParam("id", id)}, "responses": d.okOr404("the defect", ref("Defect"))})
	d.add("/defects/{id}", "patch", obj{"summary": "change fields of a defect", "parameters": []any{pathParam("id", id)},
		"requestBody": obj{"content": jsonContent(obj{"type": "object", "example": obj{"Name": "…", "Description": "…"}})},
		"responses":   d.okOr404("the changed defect", ref("Defect"))})
	d.add("/defects/GetByDisplayId/{displayId}", "get", obj{"summary": "a defect by display id (P-D-1415)", "parameters": []any{pathParam("displayId", displayID(0))}, "responses": d.okOr404("the defect", ref("Defect"))})
}

// plutoraPaths documents Plutora's paths.
func (p *Product) plutoraPaths(d *apiDoc) {
	for _, e := range []string{Changes, Releases, Environments, Hosts, Systems} {
		schema := strings.ToUpper(e[:1]) + e[1:len(e)-1]
		id := pathParam("id", p.exampleID(e))
		d.add("/"+e, "get", obj{"summary": "list " + e + " (summaries of environments, systems and releases under -lists real)", "parameters": listParams, "responses": d.okOr500("a page (with pageNum) or a bare array", obj{"oneOf": []any{pagedSchema(ref(schema)), arrayOf(schema)}})})
		d.add("/"+e+"/{id}", "get", obj{"summary": "one of " + e, "parameters": []any{id}, "responses": d.okOr404("the record", ref(schema))})
		switch e {
		case Changes, Releases:
			d.add("/"+e+"/filter", "post", obj{"summary": "search " + e, "requestBody": searchRequest, "responses": d.okOr500("a page", pagedSchema(ref(schema)))})
			d.add("/"+e+"/{id}/systems", "get", obj{"summary": "the systems of one of " + e, "parameters": []any{id}, "responses": d.okOr404("systems", arrayOf("SystemRef"))})
		}
		switch e {
		case Changes, Releases, Systems:
			d.add("/"+e+"/{id}/additionalInformation", "get", obj{"summary": "the custom fields of one of " + e, "parameters": []any{id}, "responses": d.okOr404("custom fields", arrayOf("CustomField"))})
		}
		if e == Releases {
			d.add("/releases/{id}/changes", "get", obj{"summary": "the changes delivered in a release", "parameters": append([]any{id}, pageParams...), "responses": d.okOr404("changes", arrayOf("Change"))})
			d.add("/releases/{id}/stakeholders", "get", obj{"summary": "the stakeholders of a release", "parameters": []any{id}, "responses": d.okOr404("stakeholders", arrayOf("Stakeholder"))})
		}
	}
	p.corePaths(d)
	d.add("/organizations", "get", obj{"summary": "the organizations", "responses": d.ok("organizations", arrayOf("Organization"))})
	d.add("/organizations/tree", "get", obj{"summary": "the organizations nested: each with its children", "responses": d.ok("the tree", arrayOf("OrganizationNode"))})
	d.add("/users", "get", obj{"summary": "the users: a page with pageNum, else a bare array of every user", "parameters": pageParams, "responses": d.ok("a page or a bare array", obj{"oneOf": []any{pagedSchema(ref("User")), arrayOf("User")}})})
	d.add("/environmentgroups", "get", obj{"summary": "the environment groups and their members", "responses": d.ok("groups", arrayOf("EnvironmentGroup"))})
	d.add("/layers/{id}", "get", obj{"summary": "one stack-layer component of a host", "parameters": []any{pathParam("id", p.exampleLayer())}, "responses": d.okOr404("the layer", ref("Layer"))})
	d.add("/lookupfields", "get", obj{"summary": "the lookup types", "responses": d.ok("types", arrayOf("LookupType"))})
	d.add("/lookupfields/{type}", "get", obj{"summary": "a lookup list", "parameters": []any{obj{"name": "type", "in": "path", "required": true, "schema": obj{"type": "string", "enum": p.srv.gen.lookups.types()}}},
		"responses": d.okOr404("items", arrayOf("LookupItem"))})
}

// corePaths documents bookings, TECRs, TEBRs and a release's schedule.
func (p *Product) corePaths(d *apiDoc) {
	d.add("/Bookings", "get", obj{"summary": "environment bookings, always a page (page 0 without pageNum); state Conflicting where bookings of one environment overlap",
		"parameters": listParams, "responses": d.okOr500("a page", pagedSchema(ref("Booking")))})
	for _, e := range []struct{ path, entity, schema, sub, subSchema, subSummary string }{
		{"/TECRs", TECRs, "TECR", "LinkedChanges", "Change", "the changes the TECR links"},
		{"/TEBRs", TEBRs, "TEBR", "Bookings", "Booking", "the bookings made for the TEBR"},
	} {
		id := pathParam("id", p.exampleID(e.entity))
		d.add(e.path, "get", obj{"summary": "list " + e.schema + "s", "parameters": listParams, "responses": d.okOr500("a page (with pageNum) or a bare array", obj{"oneOf": []any{pagedSchema(ref(e.schema)), arrayOf(e.schema)}})})
		d.add(e.path+"/{id}", "get", obj{"summary": "one " + e.schema, "parameters": []any{id}, "responses": d.okOr404("the record", ref(e.schema))})
		d.add(e.path+"/filter", "post", obj{"summary": "search " + e.schema + "s", "requestBody": searchRequest, "responses": d.okOr500("a page", pagedSchema(ref(e.schema)))})
		d.add(e.path+"/{id}/"+e.sub, "get", obj{"summary": e.subSummary, "parameters": append([]any{id}, pageParams...), "responses": d.okOr404(e.subSummary, arrayOf(e.subSchema))})
	}
	rel := pathParam("id", p.exampleID(Releases))
	for _, c := range []struct{ kind, schema, summary string }{
		{Phases, "Phase", "the phases of a release"}, {Gates, "Gate", "the gates of a release"},
		{Activities, "Activity", "the activities of a release; assignedWorkItemID is the phase"},
		{Criteria, "Criterion", "the gate criteria of a release; assignedWorkItemID is the gate"},
	} {
		d.add("/releases/{id}/"+c.kind, "get", obj{"summary": c.summary, "parameters": []any{rel}, "responses": d.okOr404(c.kind, arrayOf(c.schema))})
	}
	d.add("/workitemnames/phases", "get", obj{"summary": "the names of phases", "responses": d.ok("names", arrayOf("WorkItemName"))})
	d.add("/workitemnames/gates", "get", obj{"summary": "the names of gates", "responses": d.ok("names", arrayOf("WorkItemName"))})
}

// exampleID is a live id of entity for the page's examples ("" if none).
func (p *Product) exampleID(entity string) string {
	st := p.srv.stores[entity]
	st.mu.RLock()
	defer st.mu.RUnlock()
	if len(st.order) == 0 {
		return ""
	}
	return st.order[0].id
}

// exampleLayer is the id of a live layer, for the page's example.
func (p *Product) exampleLayer() string {
	st := p.srv.stores[Hosts]
	st.mu.RLock()
	recs := st.order[:min(len(st.order), 50)]
	st.mu.RUnlock()
	for _, rec := range recs {
		var h struct{ Layers []struct{ ID string } }
		if json.Unmarshal(st.raw(rec), &h) == nil && len(h.Layers) > 0 {
			return h.Layers[0].ID
		}
	}
	return ""
}

func pagedSchema(item obj) obj {
	return obj{"type": "object", "properties": obj{
		"resultSet": obj{"type": "array", "items": item}, "returnCount": obj{"type": "integer"},
		"totalCount": obj{"type": "integer"}, "pageNum": obj{"type": "integer"}, "recordsPerPage": obj{"type": "integer"},
	}}
}

// schemas describes each record by the fields of a generated example.
func (p *Product) schemas() obj {
	out := obj{
		"Message":    obj{"type": "object", "properties": obj{"message": obj{"type": "string"}}},
		"LookupItem": obj{"type": "object", "properties": obj{"id": obj{"type": "string", "format": "uuid"}, "value": obj{"type": "string"}, "sortOrder": obj{"type": "integer"}, "type": obj{"type": "string"}}},
		"SearchRequest": obj{"type": "object", "properties": obj{
			"searchFilters": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
				"property":  obj{"type": "string"},
				"direction": obj{"type": "string", "enum": []any{"ASC", "DESC"}},
				"value":     obj{},
				"operator":  obj{"type": "string", "enum": []any{"Equals", "NotEquals", "Contains", "NotContains", "LessThan", "LessOrEqual", "GreaterOrEqual", "GreaterThan", "IsWithin", "NotWithin"}},
			}}},
			"recordsPerPage": obj{"type": "integer", "maximum": 100},
			"pageNum":        obj{"type": "integer", "minimum": 0},
		}, "example": obj{"searchFilters": []any{obj{"property": "lastModifiedDate", "direction": "ASC", "value": "2019-01-01T00:00:00.000Z", "operator": "GreaterOrEqual"}}, "recordsPerPage": 100, "pageNum": 0}},
	}
	props := func(names ...string) obj {
		ps := obj{}
		for _, n := range names {
			ps[n] = obj{}
		}
		return obj{"type": "object", "properties": ps}
	}
	out["Token"] = props("access_token", "token_type", "expires_in", "refresh_token")
	if p.Name == "plutora" {
		out["Organization"] = props("id", "name", "type")
		out["OrganizationNode"] = props("id", "name", "type", "children")
		out["User"] = props("id", "userName", "firstName", "lastName", "email")
		out["LookupType"] = props("name", "description")
		out["EnvironmentGroup"] = props("id", "name", "description", "color", "environmentIDs")
		out["Layer"] = props(nestedLayerFields...)
		out["SystemRef"] = props("systemId", "name", "systemRoleType")
		out["Stakeholder"] = props("userId", "user", "groupId", "group", "stakeholderRoleIds", "stakeholderRoles", "responsible", "accountable", "informed", "consulted")
		out["WorkItemName"] = props("id", "name", "type", "sortOrder")
		out["CustomField"] = props("id", "name", "type", "dataType", "text", "number", "decimal", "date", "time", "dateTime", "listItem", "multiListItem")
	}
	for _, spec := range specs {
		if spec.test != (p.Name == "plutoratest") {
			continue
		}
		st := p.srv.stores[spec.name]
		rec := &record{id: zeroGUID, idx: 0, modStr: "2025-06-20T17:29:55.883", displayID: displayID(0)}
		if spec.linked() && p.srv.gen.sizes.of(spec.name) > 0 {
			rec.parent, rec.ln = spec.linksOf(p.srv.gen, 0)
		}
		var example any
		_ = json.Unmarshal(st.raw(rec), &example)
		out[spec.schemaName()] = obj{"type": "object", "example": example}
	}
	if p.Name == "plutoratest" {
		out["PagedDefectsPascal"] = obj{"type": "object", "properties": obj{
			"Data": obj{"type": "array", "items": obj{"$ref": "#/components/schemas/Defect"}}, "TotalCount": obj{"type": "integer"},
			"ReturnCount": obj{"type": "integer"}, "PageNum": obj{"type": "integer"}, "RecordsPerPage": obj{"type": "integer"},
		}}
		out["PagedDefectsCamel"] = pagedSchema(obj{"$ref": "#/components/schemas/Defect"})
	}
	return out
}
