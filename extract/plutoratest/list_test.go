package plutoratest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestGetListPaging(t *testing.T) {
	s := newTestServer(t, Options{Seed: 7, Lists: ListsFull}) // full records: the items equal Records()
	tok := token(t, s.Plutora)
	for _, entity := range []string{Changes, Releases, Environments, Hosts, Systems} {
		t.Run(entity, func(t *testing.T) {
			want := s.Records(entity)
			var ids []string
			for page := 0; ; page++ {
				e := decodeEnvelope(t, call(t, nil, "GET", fmt.Sprintf("%s/%s?pageNum=%d&recordsPerPage=30", s.Plutora.URL, entity, page), tok, nil))
				if e.TotalCount != len(want) || e.PageNum != page || e.RecordsPerPage != 30 || e.ReturnCount != len(e.ResultSet) {
					t.Fatalf("page %d envelope: total %d ret %d page %d per %d (want total %d)", page, e.TotalCount, e.ReturnCount, e.PageNum, e.RecordsPerPage, len(want))
				}
				if len(e.ResultSet) == 0 {
					break
				}
				for _, raw := range e.ResultSet {
					id := idOf(t, raw)
					if string(want[id]) != string(raw) {
						t.Fatalf("record %s differs from Records()", id)
					}
					ids = append(ids, id)
				}
			}
			if len(ids) != len(want) || !sort.StringsAreSorted(ids) {
				t.Fatalf("paged %d ids (sorted %v), want %d", len(ids), sort.StringsAreSorted(ids), len(want))
			}
			// Without pageNum: the bare array of everything; releases in
			// their short list form.
			r := call(t, nil, "GET", s.Plutora.URL+"/"+entity, tok, nil)
			var bare []map[string]any
			if err := json.Unmarshal(r.body, &bare); err != nil || len(bare) != len(want) {
				t.Fatalf("bare array: %v, %d records, want %d", err, len(bare), len(want))
			}
			for _, item := range bare {
				var full map[string]any
				_ = json.Unmarshal(want[item["id"].(string)], &full)
				if entity == Releases {
					if len(item) != len(releaseListFields) || item["identifier"] != full["identifier"] || item["plutoraReleaseType"] != full["plutoraReleaseType"] {
						t.Fatalf("release list item %v", item)
					}
				} else if len(item) != len(full) {
					t.Fatalf("bare item has %d fields, the record %d", len(item), len(full))
				}
			}
		})
	}
}

func TestGetListCapAndPastEnd(t *testing.T) {
	s := newTestServer(t, Options{})
	tok := token(t, s.Plutora)
	// Query parameter names in any case.
	if e := decodeEnvelope(t, call(t, nil, "GET", s.Plutora.URL+"/systems?PageNum=1&RECORDSPERPAGE=10", tok, nil)); e.PageNum != 1 || len(e.ResultSet) != 5 {
		t.Fatalf("parameter case: %+v", e)
	}
	e := decodeEnvelope(t, call(t, nil, "GET", s.Plutora.URL+"/changes?pageNum=0&recordsPerPage=500", tok, nil))
	if len(e.ResultSet) != 100 || e.RecordsPerPage != 100 {
		t.Fatalf("cap: %d records, recordsPerPage %d", len(e.ResultSet), e.RecordsPerPage)
	}
	e = decodeEnvelope(t, call(t, nil, "GET", s.Plutora.URL+"/changes?pageNum=99&recordsPerPage=100", tok, nil))
	if len(e.ResultSet) != 0 || e.ReturnCount != 0 || e.TotalCount != smallSizes.Changes {
		t.Fatalf("past the end: %+v", e)
	}
	if !strings.Contains(string(call(t, nil, "GET", s.Plutora.URL+"/changes?pageNum=99", tok, nil).body), `"resultSet":[]`) {
		t.Fatal("past the end: resultSet is not []")
	}
	for _, q := range []string{"pageNum=9223372036854775807", "pageNum=92233720368547758&recordsPerPage=100"} {
		if e := decodeEnvelope(t, call(t, nil, "GET", s.Plutora.URL+"/changes?"+q, tok, nil)); len(e.ResultSet) != 0 {
			t.Fatalf("%s: %d records", q, len(e.ResultSet))
		}
	}
	if e := decodeEnvelope(t, call(t, nil, "POST", s.Plutora.URL+"/changes/filter", tok, `{"pageNum":92233720368547758,"recordsPerPage":100}`)); len(e.ResultSet) != 0 {
		t.Fatalf("huge POST pageNum: %d records", len(e.ResultSet))
	}
	for _, q := range []string{"pageNum=x", "pageNum=-1", "pageNum=0&recordsPerPage=y"} {
		r := call(t, nil, "GET", s.Plutora.URL+"/changes?"+q, tok, nil)
		if r.status != 400 || !strings.Contains(string(r.body), "pageNum") && !strings.Contains(string(r.body), "recordsPerPage") {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}

type modRecord struct {
	ID  string `json:"id"`
	Mod string `json:"lastModifiedDate"`
}

func TestPostFilterIncremental(t *testing.T) {
	s := newTestServer(t, Options{Seed: 3})
	tok := token(t, s.Plutora)
	since := "2024-03-01T00:00:00.000Z"
	sinceT, _ := time.Parse(time.RFC3339, since)
	for _, entity := range []string{Changes, Releases} {
		for _, casing := range []string{"camel", "pascal"} {
			t.Run(entity+"/"+casing, func(t *testing.T) {
				want := map[string]bool{}
				for id, raw := range s.Records(entity) {
					var m modRecord
					_ = json.Unmarshal(raw, &m)
					if mt, err := parseAPITime(m.Mod); err == nil && !mt.Before(sinceT) {
						want[id] = true
					}
				}
				var prev time.Time
				got := 0
				for page := 0; ; page++ {
					body := fmt.Sprintf(`{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC","value":%q,"operator":"GreaterOrEqual"}],"recordsPerPage":40,"pageNum":%d}`, since, page)
					if casing == "pascal" {
						body = fmt.Sprintf(`{"SearchFilters":[{"Property":"LastModifiedDate","Direction":"asc","Value":%q,"Operator":"greaterorequal"}],"RecordsPerPage":40,"PageNum":%d}`, since, page)
					}
					e := decodeEnvelope(t, call(t, nil, "POST", s.Plutora.URL+"/"+entity+"/filter", tok, body))
					if e.TotalCount != len(want) {
						t.Fatalf("totalCount %d, want %d", e.TotalCount, len(want))
					}
					if len(e.ResultSet) == 0 {
						break
					}
					for _, raw := range e.ResultSet {
						var m modRecord
						_ = json.Unmarshal(raw, &m)
						mt, err := parseAPITime(m.Mod)
						if err != nil || !want[m.ID] || mt.Before(prev) {
							t.Fatalf("record %s modified %s: err %v, wanted %v, before previous %v", m.ID, m.Mod, err, want[m.ID], prev)
						}
						prev = mt
						got++
					}
				}
				if got != len(want) {
					t.Fatalf("got %d records, want %d", got, len(want))
				}
			})
		}
	}
}

func TestPostFilterOperators(t *testing.T) {
	// UnknownField400: every bad filter below answers 400 naming it (the
	// real API's 500 for an unknown field is TestErrorVariants').
	s := newTestServer(t, Options{Seed: 5, Errors: ErrorVariants{UnknownField400: true}})
	tok := token(t, s.Plutora)
	recs := s.Records(Changes)
	var anyID, anyStatus string
	statusCount := map[string]int{}
	for id, raw := range recs {
		var m struct{ ChangeStatus *string }
		_ = json.Unmarshal(raw, &m)
		if m.ChangeStatus != nil {
			statusCount[*m.ChangeStatus]++
			anyID, anyStatus = id, *m.ChangeStatus
		}
	}
	count := func(filters string, dir string) (int, []json.RawMessage) {
		e := decodeEnvelope(t, call(t, nil, "POST", s.Plutora.URL+"/changes/filter", tok, `{"searchFilters":`+filters+`,"recordsPerPage":100,"pageNum":0}`))
		return e.TotalCount, e.ResultSet
	}
	if n, rs := count(`[{"property":"id","operator":"Equals","value":"`+anyID+`"}]`, ""); n != 1 || idOf(t, rs[0]) != anyID {
		t.Fatalf("Equals id: %d", n)
	}
	if n, _ := count(`[{"property":"changeStatus","operator":"Equals","value":"`+anyStatus+`"}]`, ""); n != statusCount[anyStatus] {
		t.Fatalf("Equals changeStatus %q: %d, want %d", anyStatus, n, statusCount[anyStatus])
	}
	within := 0
	var names []string
	for st, c := range statusCount {
		if len(names) < 2 {
			names = append(names, st)
			within += c
		}
	}
	if n, _ := count(`[{"property":"changeStatus","operator":"IsWithin","value":["`+names[0]+`","`+names[1]+`"]}]`, ""); n != within {
		t.Fatalf("IsWithin: %d, want %d", n, within)
	}
	if n, _ := count(`[{"property":"changeStatus","operator":"IsWithin","value":"`+names[0]+`,`+names[1]+`"}]`, ""); n != within {
		t.Fatalf("IsWithin as a comma list: %d, want %d", n, within)
	}
	// DESC sort by lastModifiedDate.
	_, rs := count(`[{"property":"lastModifiedDate","direction":"DESC","value":"2020-01-01","operator":"GreaterThan"}]`, "")
	var prev time.Time
	for i, raw := range rs {
		var m modRecord
		_ = json.Unmarshal(raw, &m)
		mt, _ := parseAPITime(m.Mod)
		if i > 0 && mt.After(prev) {
			t.Fatalf("DESC out of order at %d", i)
		}
		prev = mt
	}
	for _, bad := range []string{
		`[{"property":"nope","operator":"Equals","value":"x"}]`,
		`[{"property":"lastModifiedDate","operator":"Like","value":"x"}]`,
		`[{"property":"lastModifiedDate","operator":"GreaterThan","value":"yesterday"}]`,
		`[{"property":"lastModifiedDate","operator":"GreaterThan","value":"2020-01-01","direction":"UP"}]`,
	} {
		r := call(t, nil, "POST", s.Plutora.URL+"/changes/filter", tok, `{"searchFilters":`+bad+`}`)
		if r.status != 400 || !strings.Contains(string(r.body), "searchFilters") {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
}

func TestGetFilter(t *testing.T) {
	s := newTestServer(t, Options{Seed: 9, Errors: ErrorVariants{UnknownField400: true}})
	tok := token(t, s.Plutora)
	recs := s.Records(Releases)
	cut := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	want := 0
	var oneID string
	for id, raw := range recs {
		var m modRecord
		_ = json.Unmarshal(raw, &m)
		if mt, _ := parseAPITime(m.Mod); !mt.Before(cut) {
			want++
		}
		oneID = id
	}
	get := func(f string) apiResult {
		return call(t, nil, "GET", s.Plutora.URL+"/releases?pageNum=0&recordsPerPage=100&filter="+url.QueryEscape(f), tok, nil)
	}
	for _, f := range []string{"`lastModifiedDate` >= `2024-01-01`", "`LASTMODIFIEDDATE` greaterorequal `2024/01/01`", "`lastModifiedDate` GreaterOrEqual `01/01/2024`", "`lastModifiedDate` >= `2024-01-01T00:00:00Z`"} {
		if e := decodeEnvelope(t, get(f)); e.TotalCount != want {
			t.Errorf("%s: %d, want %d", f, e.TotalCount, want)
		}
	}
	if e := decodeEnvelope(t, get("`id` = `"+oneID+"` OR `id` Equals `00000000-0000-0000-0000-000000000000`")); e.TotalCount != 1 {
		t.Errorf("id Equals OR: %d", e.TotalCount)
	}
	if e := decodeEnvelope(t, get("`id` = `"+oneID+"` AND `lastModifiedDate` < `1990-01-01`")); e.TotalCount != 0 {
		t.Errorf("AND: %d", e.TotalCount)
	}
	for _, bad := range []string{"`lastModifiedDate` >= 2024-01-01", "`nope` = `x`", "`id` Like `x`", "`id` = `x", "(`id` = `x`)", "`id` = `x` XOR `id` = `y`"} {
		r := get(bad)
		if r.status != 400 || !strings.Contains(string(r.body), "filter") {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
}

func TestDefectsSearchEnvelopes(t *testing.T) {
	for _, env := range []string{"pascal", "camel"} {
		t.Run(env, func(t *testing.T) {
			s := newTestServer(t, Options{DefectEnvelope: env})
			tok := token(t, s.Test)
			seen := map[string]bool{}
			for page := 0; ; page++ {
				r := call(t, nil, "POST", s.Test.URL+"/DEFECTS/search", tok, fmt.Sprintf(`{"searchFilters":[{"property":"LastModifiedDate","operator":"GreaterOrEqual","value":"2000-01-01","direction":"ASC"}],"recordsPerPage":100,"pageNum":%d}`, page))
				var data []json.RawMessage
				var total int
				if env == "pascal" {
					var e struct {
						Data       []json.RawMessage
						TotalCount int
					}
					if err := json.Unmarshal(r.body, &e); err != nil || !strings.HasPrefix(string(r.body), `{"Data":[`) {
						t.Fatalf("pascal: %v %.80s", err, r.body)
					}
					data, total = e.Data, e.TotalCount
				} else {
					e := decodeEnvelope(t, r)
					data, total = e.ResultSet, e.TotalCount
				}
				if total != smallSizes.Defects {
					t.Fatalf("total %d", total)
				}
				if len(data) == 0 {
					break
				}
				for _, d := range data {
					seen[idOf(t, d)] = true
				}
			}
			if len(seen) != smallSizes.Defects {
				t.Fatalf("saw %d defects", len(seen))
			}
			// The default page size is 25.
			r := call(t, nil, "POST", s.Test.URL+"/defects/Search", tok, `{}`)
			if n := strings.Count(string(r.body), `"DisplayId"`); n != 25 {
				t.Fatalf("default page: %d defects", n)
			}
		})
	}
}

func TestPostFilterChunkedBody(t *testing.T) {
	s := newTestServer(t, Options{})
	tok := token(t, s.Plutora)
	body := `{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC","value":"2000-01-01","operator":"GreaterOrEqual"}],"recordsPerPage":7,"pageNum":1}`
	req, _ := http.NewRequest("POST", s.Plutora.URL+"/RELEASES/FILTER", io.MultiReader(strings.NewReader(body[:20]), strings.NewReader(body[20:])))
	req.ContentLength = -1 // unknown length: sent chunked
	req.Header.Set("Authorization", "bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	e := decodeEnvelope(t, apiResult{res.StatusCode, res.Header, b})
	if e.PageNum != 1 || len(e.ResultSet) != 7 || e.TotalCount != smallSizes.Releases {
		t.Fatalf("chunked body: %+v", e)
	}
}
