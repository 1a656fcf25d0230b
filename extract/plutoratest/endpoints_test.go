package plutoratest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestReleaseChanges(t *testing.T) {
	s := newTestServer(t, Options{Seed: 8})
	tok := token(t, s.Plutora)
	want := map[string]map[string]bool{}
	for id, raw := range s.Records(Changes) {
		var c struct{ DeliveryReleases []struct{ ReleaseID string } }
		_ = json.Unmarshal(raw, &c)
		for _, dr := range c.DeliveryReleases {
			if want[dr.ReleaseID] == nil {
				want[dr.ReleaseID] = map[string]bool{}
			}
			want[dr.ReleaseID][id] = true
		}
	}
	checked := 0
	for rel, ids := range want {
		r := call(t, nil, "GET", s.Plutora.URL+"/Releases/"+rel+"/Changes", tok, nil)
		var got []json.RawMessage
		if err := json.Unmarshal(r.body, &got); err != nil || len(got) != len(ids) {
			t.Fatalf("release %s: %v, %d changes, want %d", rel, err, len(got), len(ids))
		}
		for _, g := range got {
			if !ids[idOf(t, g)] {
				t.Fatalf("release %s: change %s is not in it", rel, idOf(t, g))
			}
		}
		e := decodeEnvelope(t, call(t, nil, "GET", s.Plutora.URL+"/releases/"+rel+"/changes?pageNum=0&recordsPerPage=1", tok, nil))
		if e.TotalCount != len(ids) || len(e.ResultSet) != 1 {
			t.Fatalf("paged: %+v", e)
		}
		if checked++; checked == 5 {
			break
		}
	}
	if r := call(t, nil, "GET", s.Plutora.URL+"/releases/nope/changes", tok, nil); r.status != 404 {
		t.Fatalf("unknown release: %d", r.status)
	}
}

func TestDefectEndpoints(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 2, 2, 2, 2, 2, 0, time.UTC)}
	s := newTestServer(t, Options{Now: clk.now})
	tok := token(t, s.Test)
	var id, display string
	for i, raw := range s.Records(Defects) {
		var d struct{ DisplayId string }
		_ = json.Unmarshal(raw, &d)
		id, display = i, d.DisplayId
		break
	}
	r := call(t, nil, "GET", s.Test.URL+"/defects/getbydisplayid/"+strings.ToLower(display), tok, nil)
	if r.status != 200 || idOf(t, r.body) != id {
		t.Fatalf("GetByDisplayId: %d %s", r.status, r.body)
	}
	if r := call(t, nil, "GET", s.Test.URL+"/defects/GetByDisplayId/P-D-0", tok, nil); r.status != 404 {
		t.Fatalf("unknown display id: %d", r.status)
	}
	r = call(t, nil, "PATCH", s.Test.URL+"/Defects/"+id, tok, `{"name":"Renamed","Description":"<p>new</p>","Id":"ignored"}`)
	if r.status != 200 {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	got := call(t, nil, "GET", s.Test.URL+"/defects/"+id, tok, nil)
	var d struct {
		Id, Name, Description, LastModifiedDate string
	}
	if err := json.Unmarshal(got.body, &d); err != nil || d.Id != id || d.Name != "Renamed" || d.Description != "<p>new</p>" || !modifiedAt(d.LastModifiedDate, clk.t) {
		t.Fatalf("after PATCH: %v %+v", err, d)
	}
	if !strings.HasPrefix(string(got.body), `{"Id":"`+id+`","DisplayId":`) {
		t.Fatalf("PATCH changed the member order: %.60s", got.body)
	}
	if string(got.body) != string(r.body) || string(s.Records(Defects)[id]) != string(got.body) {
		t.Fatal("PATCH answer, detail and Records differ")
	}
	if r := call(t, nil, "PATCH", s.Test.URL+"/defects/"+id, tok, `[1]`); r.status != 400 {
		t.Fatalf("PATCH with an array: %d", r.status)
	}
	if r := call(t, nil, "PATCH", s.Test.URL+"/defects/nope", tok, `{}`); r.status != 404 {
		t.Fatalf("PATCH unknown: %d", r.status)
	}
	// The patched defect is found by an incremental search.
	body := `{"searchFilters":[{"property":"LastModifiedDate","operator":"GreaterOrEqual","value":"2026-02-01","direction":"ASC"}],"recordsPerPage":100,"pageNum":0}`
	var e struct {
		Data       []json.RawMessage
		TotalCount int
	}
	_ = json.Unmarshal(call(t, nil, "POST", s.Test.URL+"/defects/Search", tok, body).body, &e)
	if e.TotalCount != 1 || idOf(t, e.Data[0]) != id {
		t.Fatalf("search after PATCH: %d", e.TotalCount)
	}
	// Status Equals on the nested Status.Value.
	var st struct{ Status struct{ Value string } }
	_ = json.Unmarshal(got.body, &st)
	n := 0
	for _, raw := range s.Records(Defects) {
		var x struct{ Status struct{ Value string } }
		_ = json.Unmarshal(raw, &x)
		if x.Status.Value == st.Status.Value {
			n++
		}
	}
	_ = json.Unmarshal(call(t, nil, "POST", s.Test.URL+"/defects/Search", tok, `{"searchFilters":[{"property":"Status","operator":"Equals","value":"`+st.Status.Value+`"}],"recordsPerPage":1}`).body, &e)
	if e.TotalCount != n {
		t.Fatalf("Status Equals: %d, want %d", e.TotalCount, n)
	}
}

// TestSwagger: /swagger redirects to the page, the page and its assets
// answer without a token, and every documented GET path answers 200 with
// the example values the page fills in.
func TestSwagger(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []*Product{s.Plutora, s.Test} {
		if r := call(t, noRedirect, "GET", p.URL+"/Swagger", "", nil); r.status != http.StatusFound || r.header.Get("Location") != "/swagger/ui/index" {
			t.Fatalf("%s /swagger: %d, Location %q", p.Name, r.status, r.header.Get("Location"))
		}
		for path, want := range map[string]string{
			"/swagger/ui/index":                `<script src="swagger-ui-bundle.js"`,
			"/swagger/ui/init.js":              `url: "/swagger/docs/v1"`,
			"/swagger/ui/swagger-ui.css":       ".swagger-ui",
			"/swagger/ui/swagger-ui-bundle.js": "SwaggerUIBundle",
		} {
			if r := call(t, nil, "GET", p.URL+path, "", nil); r.status != 200 || !strings.Contains(string(r.body), want) {
				t.Errorf("%s %s: %d %.80s, want %q in it", p.Name, path, r.status, r.body, want)
			}
		}
		if r := call(t, nil, "GET", p.URL+"/swagger/ui/swagger-initializer.js", "", nil); r.status != 404 {
			t.Errorf("%s: the distribution's own initializer (the pet store) answers %d", p.Name, r.status)
		}
		tok := token(t, p)
		r := call(t, nil, "GET", p.URL+"/swagger/docs/v1", "", nil)
		var doc struct {
			OpenAPI string `json:"openapi"`
			Paths   map[string]map[string]struct {
				Parameters []struct {
					Name, In string
					Example  string
					Schema   struct{ Enum []string }
				}
				Security []map[string]any
			}
		}
		if err := json.Unmarshal(r.body, &doc); err != nil || r.status != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
			t.Fatalf("%s /swagger/docs/v1: %d %v", p.Name, r.status, err)
		}
		if len(doc.Paths) < 5 || doc.Paths["/oauth/token"]["post"].Security == nil || len(doc.Paths["/oauth/token"]["post"].Security) != 0 {
			t.Fatalf("%s: %d paths; /oauth/token must need no token", p.Name, len(doc.Paths))
		}
		for path, ops := range doc.Paths {
			op, ok := ops["get"]
			if !ok {
				continue
			}
			u := path
			for _, prm := range op.Parameters {
				v := prm.Example
				if len(prm.Schema.Enum) > 0 {
					v = prm.Schema.Enum[0]
				}
				if prm.In == "path" {
					u = strings.ReplaceAll(u, "{"+prm.Name+"}", v)
				}
			}
			if r := call(t, nil, "GET", p.URL+u, tok, nil); r.status != 200 || strings.Contains(u, "{") {
				t.Errorf("%s GET %s (%s): %d %.100s", p.Name, path, u, r.status, r.body)
			}
		}
	}
}

func modifiedAt(s string, want time.Time) bool {
	got, err := parseAPITime(s)
	return err == nil && got.Equal(want)
}
