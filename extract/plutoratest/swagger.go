package plutoratest

import (
	"encoding/json"
	"strings"
)

type obj = map[string]any

// openAPI returns the OpenAPI 3 document of what this product implements,
// so that Swagger UI can explore the sandbox as it does the real API.
func (p *Product) openAPI() []byte {
	paths := obj{}
	bearer := []any{obj{"bearer": []any{}}}
	ref := func(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
	jsonContent := func(schema any) obj { return obj{"application/json": obj{"schema": schema}} }
	ok := func(desc string, schema any) obj {
		return obj{
			"200": obj{"description": desc, "content": jsonContent(schema)},
			"401": obj{"description": "missing, expired or invalid token, or a source address outside the IP whitelist", "content": jsonContent(ref("Message"))},
			"429": obj{"description": "over the request budget; see Retry-After", "content": jsonContent(ref("Message"))},
		}
	}
	pathParam := func(name string) obj {
		return obj{"name": name, "in": "path", "required": true, "schema": obj{"type": "string"}}
	}
	listParams := []any{
		obj{"name": "pageNum", "in": "query", "description": "0-based page; without it the answer is a bare array of every record", "schema": obj{"type": "integer", "minimum": 0}},
		obj{"name": "recordsPerPage", "in": "query", "description": "at most 100", "schema": obj{"type": "integer", "maximum": 100}},
		obj{"name": "filter", "in": "query", "description": "e.g. `lastModifiedDate` >= `2019-01-01`; operators Equals (=), NotEquals (!=), Contains (~), NotContains (!~), GreaterThan (>), GreaterOrEqual (>=), LessThan (<), LessOrEquals (<=), IsWithin, HasValue, HasNoValue; AND, OR", "schema": obj{"type": "string"}},
	}
	searchBody := obj{"required": true, "content": jsonContent(ref("SearchRequest"))}
	add := func(path, method string, op obj) {
		if paths[path] == nil {
			paths[path] = obj{}
		}
		op["security"] = bearer
		paths[path].(obj)[method] = op
	}
	add("/me", "get", obj{"summary": "the user's e-mail, as a bare JSON string", "responses": ok("e-mail", obj{"type": "string"})})
	product := "Plutora"
	if p.Name == "plutoratest" {
		product = "Plutora Test"
		envelope := "PagedDefectsPascal"
		if p.srv.opts.DefectEnvelope == "camel" {
			envelope = "PagedDefectsCamel"
		}
		add("/defects", "get", obj{"summary": "list defects", "parameters": listParams, "responses": ok("a page", ref(envelope))})
		add("/defects/Search", "post", obj{"summary": "search defects (default 25 a page)", "requestBody": searchBody, "responses": ok("a page", ref(envelope))})
		add("/defects/{id}", "get", obj{"summary": "a defect", "parameters": []any{pathParam("id")}, "responses": ok("the defect", ref("Defect"))})
		add("/defects/{id}", "patch", obj{"summary": "change fields of a defect", "parameters": []any{pathParam("id")},
			"requestBody": obj{"content": jsonContent(obj{"type": "object", "example": obj{"Name": "…", "Description": "…"}})},
			"responses":   ok("the changed defect", ref("Defect"))})
		add("/defects/GetByDisplayId/{displayId}", "get", obj{"summary": "a defect by display id (P-D-1415)", "parameters": []any{pathParam("displayId")}, "responses": ok("the defect", ref("Defect"))})
	} else {
		for _, e := range []string{Changes, Releases, Environments, Hosts, Systems} {
			schema := strings.ToUpper(e[:1]) + e[1:len(e)-1]
			add("/"+e, "get", obj{"summary": "list " + e + " (summaries of environments, systems and releases under -lists real)", "parameters": listParams, "responses": ok("a page (with pageNum) or a bare array", obj{"oneOf": []any{pagedSchema(ref(schema)), obj{"type": "array", "items": ref(schema)}}})})
			add("/"+e+"/{id}", "get", obj{"summary": "one of " + e, "parameters": []any{pathParam("id")}, "responses": ok("the record", ref(schema))})
		}
		for _, e := range []string{Changes, Releases} {
			schema := strings.ToUpper(e[:1]) + e[1:len(e)-1]
			add("/"+e+"/filter", "post", obj{"summary": "search " + e, "requestBody": searchBody, "responses": ok("a page", pagedSchema(ref(schema)))})
		}
		add("/releases/{id}/changes", "get", obj{"summary": "the changes delivered in a release", "parameters": append([]any{pathParam("id")}, listParams[:2]...), "responses": ok("changes", obj{"type": "array", "items": ref("Change")})})
		add("/releases/{id}/systems", "get", obj{"summary": "the systems of a release", "parameters": []any{pathParam("id")}, "responses": ok("systems", obj{"type": "array", "items": ref("SystemRef")})})
		add("/changes/{id}/systems", "get", obj{"summary": "the systems of a change", "parameters": []any{pathParam("id")}, "responses": ok("systems", obj{"type": "array", "items": ref("SystemRef")})})
		add("/organizations", "get", obj{"summary": "the organizations", "responses": ok("organizations", obj{"type": "array", "items": ref("Organization")})})
		add("/users", "get", obj{"summary": "the users (always the envelope)", "parameters": listParams[:2], "responses": ok("a page", pagedSchema(ref("User")))})
		add("/environmentgroups", "get", obj{"summary": "the environment groups and their members", "responses": ok("groups", obj{"type": "array", "items": ref("EnvironmentGroup")})})
		add("/layers/{id}", "get", obj{"summary": "one stack-layer component of a host", "parameters": []any{pathParam("id")}, "responses": ok("the layer", ref("Layer"))})
		add("/lookupfields", "get", obj{"summary": "the lookup types", "responses": ok("types", obj{"type": "array", "items": ref("LookupType")})})
		add("/lookupfields/{type}", "get", obj{"summary": "a lookup list", "parameters": []any{obj{"name": "type", "in": "path", "required": true, "schema": obj{"type": "string", "enum": p.srv.gen.lookups.types()}}},
			"responses": ok("items", obj{"type": "array", "items": ref("LookupItem")})})
	}
	doc := obj{
		"openapi": "3.0.3",
		"info":    obj{"title": product + " API (plutora-sync sandbox)", "version": "1.0", "description": "What the plutora-sync sandbox implements. Get a token with the password grant at /oauth/token."},
		"servers": []any{obj{"url": p.URL}},
		"paths":   paths,
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "oauth2", "flows": obj{"password": obj{"tokenUrl": p.TokenURL, "scopes": obj{}}}}},
			"schemas":         p.schemas(),
		},
	}
	b, _ := json.Marshal(doc)
	return b
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
	if p.Name == "plutora" {
		out["Organization"] = props("id", "name", "type")
		out["User"] = props("id", "name", "email")
		out["LookupType"] = props("name", "description")
		out["EnvironmentGroup"] = props("id", "name", "description", "color", "environmentIDs")
		out["Layer"] = props(nestedLayerFields...)
		out["SystemRef"] = props("systemId", "name", "systemRoleType")
	}
	for _, spec := range specs {
		if spec.test != (p.Name == "plutoratest") {
			continue
		}
		st := p.srv.stores[spec.name]
		g := st.gen
		rec := &record{id: zeroGUID, idx: 0, modStr: "2025-06-20T17:29:55.883", displayID: displayID(0)}
		var example any
		_ = json.Unmarshal(spec.build(g, rec), &example)
		name := strings.ToUpper(spec.name[:1]) + spec.name[1:len(spec.name)-1]
		out[name] = obj{"type": "object", "example": example}
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
