package plutoratest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func FuzzParseSloppyForm(f *testing.F) {
	for _, seed := range []string{
		"client_id=a&client_secret=b&grant_type=password&username=u%40x.com&password=p&",
		"&=&&username=u@x.com&", "a=%zz&b=%", "=x&y", "a+b=c+d&a=second", "\x00=\xff", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got := ParseSloppyForm(body)
		for k := range got {
			if k == "" {
				t.Fatalf("empty key from %q", body)
			}
		}
		// Sloppiness never changes the meaning: extra empty pairs and a
		// trailing & parse the same.
		again := ParseSloppyForm("&=&" + body + "&&")
		if len(again) != len(got) {
			t.Fatalf("%q: %v vs %v", body, got, again)
		}
		for k, v := range got {
			if again[k] != v {
				t.Fatalf("%q: key %q: %q vs %q", body, k, v, again[k])
			}
		}
		// A well-formed encoding of the parsed form parses back to it.
		vals := url.Values{}
		for k, v := range got {
			vals.Set(k, v)
		}
		back := ParseSloppyForm(vals.Encode())
		for k, v := range got {
			if strings.TrimSpace(k) != k || strings.TrimSpace(v) != v {
				continue // pairs are trimmed before decoding
			}
			if back[k] != v {
				t.Fatalf("round trip of %q: key %q: %q vs %q", body, k, back[k], v)
			}
		}
	})
}

func FuzzParseGetFilter(f *testing.F) {
	for _, seed := range []string{
		"`lastModifiedDate` >= `2019-01-01`", "`id` Equals `x` OR `changeStatus` = `Draft` AND `name` ~ `a`",
		"`lastModifiedDate` GreaterThan `01/02/2024`", "`name` HasValue", "`name` IsWithin `a,b`",
		"`id` = `x", "(`id` = `x`)", "`x` ?? `y`", "``", "`id` = `a` AND", "`lastModifiedDate` < `2024-13-45`",
	} {
		f.Add(seed)
	}
	spec := specByName(Changes)
	s, err := NewServer(Options{Sizes: Sizes{Changes: 20, Releases: 3, Environments: 2, Hosts: 2, Systems: 2, Defects: 2}})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	st := s.stores[Changes]
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := parseGetFilter(spec, expr)
		if err != nil {
			var fe *FilterError
			if !errors.As(err, &fe) || fe.Pos < 0 || fe.Pos > len(expr) || !strings.HasPrefix(err.Error(), "filter: at byte ") {
				t.Fatalf("%q: error %v is not a positioned filter error", expr, err)
			}
			return
		}
		if strings.TrimSpace(expr) != "" && flt.empty() {
			t.Fatalf("%q parsed to an empty filter", expr)
		}
		for _, group := range flt.or {
			for _, c := range group {
				if _, ok := spec.hasField(c.field); !ok {
					t.Fatalf("%q: condition on unknown field %q", expr, c.field)
				}
			}
		}
		// Evaluating never panics, and matches no more than exist.
		recs, total := st.selectPage(query{filter: flt}, 0, 100)
		if total > 20 || len(recs) > total {
			t.Fatalf("%q: %d of %d", expr, len(recs), total)
		}
	})
}

func FuzzSearchBody(f *testing.F) {
	for _, seed := range []string{
		`{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC","value":"2019-01-01T00:00:00.000Z","operator":"GreaterOrEqual"}],"recordsPerPage":100,"pageNum":0}`,
		`{"SearchFilters":[{"Property":"changeStatus","Operator":"IsWithin","Value":["Draft","Approved"]}]}`,
		`{"searchFilters":[{"property":"id","value":null}]}`, `{"searchFilters":[{"property":"name","value":{"a":1}}]}`,
		`{}`, `[]`, `{"searchFilters":[{}]}`,
	} {
		f.Add(seed)
	}
	spec := specByName(Changes)
	f.Fuzz(func(t *testing.T, raw string) {
		var body searchBody
		if json.Unmarshal([]byte(raw), &body) != nil {
			return
		}
		q, err := compileSearch(spec, body.SearchFilters)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "searchFilters: ") {
				t.Fatalf("%s: error %q does not say searchFilters", raw, err)
			}
			return
		}
		if q.sortField != "" {
			if _, ok := spec.hasField(q.sortField); !ok {
				t.Fatalf("%s: sort by unknown %q", raw, q.sortField)
			}
		}
	})
}

// FuzzAPI sends arbitrary authorized requests through both products'
// handlers: nothing panics, and every answer is a known status with a body
// that is JSON.
func FuzzAPI(f *testing.F) {
	for _, seed := range []struct{ method, target, body string }{
		{"GET", "/changes?pageNum=0&recordsPerPage=5", ""},
		{"GET", "/releases?filter=%60lastModifiedDate%60%20%3E%3D%20%602024-01-01%60&pageNum=1", ""},
		{"POST", "/changes/filter", `{"searchFilters":[{"property":"name","operator":"Contains","value":"a","direction":"DESC"}],"pageNum":2}`},
		{"POST", "/defects/search", `{"SearchFilters":[{"Property":"Status","Operator":"IsWithin","Value":["Open","New"]}]}`},
		{"PATCH", "/defects/x", `{"Name":1}`},
		{"GET", "/lookupfields/ChangeStatus", ""},
		{"GET", "/releases/x/changes?pageNum=99999999999999999", ""},
		{"GET", "/defects/GetByDisplayId/P-D-1001", ""},
	} {
		f.Add(seed.method, seed.target, seed.body)
	}
	s, err := NewServer(Options{Budget: 1 << 40, Sizes: Sizes{Changes: 30, Releases: 5, Environments: 3, Hosts: 6, Systems: 4, Defects: 30}})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	toks := map[*Product]string{s.Plutora: token(f, s.Plutora), s.Test: token(f, s.Test)}
	known := map[int]bool{200: true, 400: true, 404: true, 405: true}
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if !strings.HasPrefix(target, "/") || strings.HasPrefix(strings.ToLower(target), "/oauth") {
			return
		}
		for p, tok := range toks {
			req, err := http.NewRequest(method, "http://sandbox"+target, strings.NewReader(body))
			if err != nil {
				return
			}
			req.Header.Set("Authorization", "bearer "+tok)
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, req)
			if !known[rec.Code] {
				t.Fatalf("%s %s %s on %s: status %d", method, target, body, p.Name, rec.Code)
			}
			if !json.Valid(rec.Body.Bytes()) && method != http.MethodHead {
				t.Fatalf("%s %s on %s: body is not JSON: %.100s", method, target, p.Name, rec.Body.Bytes())
			}
		}
	})
}
