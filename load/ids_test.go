package load

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
)

func TestTopLevelString(t *testing.T) {
	const id = "7a1c1f9e-0000-4000-8000-000000000001"
	tests := []struct {
		rec  string
		want string // "" = not sure
	}{
		{`{"id":"` + id + `"}`, id},
		{` { "name" : "x", "id" : "` + id + `" , "n": 1 } `, id},
		{`{"systems":[{"id":"nested"}],"id":"` + id + `","more":{"id":"deeper","a":[1,{"id":"x"}]}}`, id},
		{`{"a":"quote \" and id\":\"fake","id":"` + id + `"}`, id},
		{`{"a":true,"b":null,"c":-1.5e3,"id":"` + id + `"}`, id},
		{`{"ID":"` + id + `"}`, ""},                                             // PostgreSQL's r->>'id' is exact
		{`{"id":"` + id + `","id":"7a1c1f9e-0000-4000-8000-000000000002"}`, ""}, // which one? jsonb keeps the last
		{`{"\u0069d":"` + id + `"}`, ""},                                        // an escaped key may spell id
		{`{"id":"7a1c1f9e\u002d0000-4000-8000-000000000001"}`, ""},              // an escaped value
		{`{"id":42}`, ""},
		{`{"id":null}`, ""},
		{`{"name":"nameless"}`, ""},
		{`["` + id + `"]`, ""},
		{`{"id":"` + id + `"`, ""},
		{``, ""},
	}
	for _, tc := range tests {
		got, ok := topLevelString([]byte(tc.rec), "id")
		if tc.want == "" && ok || tc.want != "" && (!ok || string(got) != tc.want) {
			t.Errorf("%s: got %q, %v; want %q", tc.rec, got, ok, tc.want)
		}
	}
}

func TestPageIDs(t *testing.T) {
	const a, b = "7A1C1F9E-0000-4000-8000-000000000001", "{7a1c1f9e-0000-4000-8000-000000000002}"
	ids, sure := pageIDs([]json.RawMessage{json.RawMessage(`{"id":"` + a + `"}`), json.RawMessage(`{"id":"` + b + `"}`)}, "id")
	if !sure || len(ids) != 2 || ids[0] != uuid.MustParse(a) || ids[1] != uuid.MustParse(b) {
		t.Errorf("got %v, %v", ids, sure)
	}
	if _, sure := pageIDs([]json.RawMessage{json.RawMessage(`{"id":"` + a + `"}`), json.RawMessage(`{"id":"CHG-12"}`)}, "id"); sure {
		t.Error("sure of an id that is not a UUID")
	}
}

// FuzzTopLevelString checks the scan against encoding/json: whenever it is
// sure, the record is one JSON object whose key "id" holds that string, or
// it is invalid JSON or UTF-8, which PostgreSQL refuses.
func FuzzTopLevelString(f *testing.F) {
	f.Add(`{"id":"x","a":[{"id":"y"}]}`)
	f.Add(`{"a":"\"id\":\"z\"","id":"x"}`)
	f.Add(`{"id":"x","id":"y"}`)
	f.Fuzz(func(t *testing.T, rec string) {
		got, ok := topLevelString([]byte(rec), "id")
		if !ok || !utf8.ValidString(rec) { // PostgreSQL refuses invalid UTF-8; encoding/json replaces it
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(rec), &m) != nil {
			return
		}
		var want string
		if err := json.Unmarshal(m["id"], &want); err != nil || want != string(got) {
			t.Errorf("%s: scanned %q, encoding/json reads %s", rec, got, m["id"])
		}
		// encoding/json keeps the last of repeated keys, as jsonb does; the
		// scan must not have been sure of a record with two.
		dec := json.NewDecoder(strings.NewReader(rec))
		if n := countKeys(dec, "id"); n != 1 {
			t.Errorf("%s: sure of id with %d id keys", rec, n)
		}
	})
}

// countKeys counts key among the top-level keys of the object dec reads
// (escapes decoded); -1 when it is not one.
func countKeys(dec *json.Decoder, key string) int {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return -1
	}
	n := 0
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return -1
		}
		if k == key {
			n++
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return -1
		}
	}
	return n
}
