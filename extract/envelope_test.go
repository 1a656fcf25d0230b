package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseEnvelope(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		records    int
		total      int
		err        string
	}{
		{"plutora", `{"resultSet":[{"id":"a"},{"id":"b"}],"returnCount":2,"totalCount":7,"pageNum":0,"recordsPerPage":100}`, 2, 7, ""},
		{"plutora test pascal", `{"Data":[{"Id":"a"}],"TotalCount":1}`, 1, 1, ""},
		{"empty page", `{"resultSet":[],"returnCount":0,"totalCount":5}`, 0, 5, ""},
		{"null records", `{"resultSet":null,"totalCount":0}`, 0, 0, ""},
		{"bare array", `[{"id":"a"}]`, 0, 0, "not a page envelope: body starts with"},
		{"html", `<html><body>Server Error</body></html>`, 0, 0, "not a page envelope"},
		{"empty", ``, 0, 0, "empty body"},
		{"truncated", `{"resultSet":[{"id":"a"},{"id`, 0, 0, "not a page envelope"},
		{"no list", `{"totalCount":3}`, 0, 0, "neither resultSet nor Data"},
		{"no total", `{"resultSet":[]}`, 0, 0, "without totalCount"},
		{"string total", `{"resultSet":[],"totalCount":"3"}`, 0, 0, "is not a count"},
		{"negative total", `{"resultSet":[],"totalCount":-1}`, 0, 0, "is not a count"},
		{"object list", `{"resultSet":{},"totalCount":1}`, 0, 0, "not an array"},
		{"null record", `{"resultSet":[null],"totalCount":1}`, 0, 0, "record 0 is null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := parseEnvelope([]byte(tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(e.records) != tc.records || e.total != tc.total {
				t.Errorf("got %d records, total %d; want %d, %d", len(e.records), e.total, tc.records, tc.total)
			}
		})
	}
}

// parseEnvelopeRef is the obvious implementation with encoding/json, for differential
// fuzzing of the fast one.
func parseEnvelopeRef(body []byte) (envelope, error) {
	var e struct {
		ResultSet  json.RawMessage `json:"resultSet"`
		Data       json.RawMessage `json:"data"`
		TotalCount json.RawMessage `json:"totalCount"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return envelope{}, err
	}
	if bytes.TrimSpace(body)[0] != '{' {
		return envelope{}, errors.New("not an object")
	}
	list := e.ResultSet
	if len(list) == 0 {
		list = e.Data
	}
	if len(list) == 0 || len(e.TotalCount) == 0 {
		return envelope{}, errors.New("missing")
	}
	var out envelope
	if err := json.Unmarshal(e.TotalCount, &out.total); err != nil || out.total < 0 {
		return envelope{}, errors.New("total")
	}
	if string(list) != "null" {
		if err := json.Unmarshal(list, &out.records); err != nil {
			return envelope{}, err
		}
	}
	for _, r := range out.records {
		if string(r) == "null" {
			return envelope{}, errors.New("null record")
		}
	}
	return out, nil
}

func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"resultSet":[{"id":"a"}],"returnCount":1,"totalCount":1}`,
		`{"Data":[{"Id":"a"}],"TotalCount":1}`, `[]`, `{}`, `null`, `{"resultSet":null,"totalCount":0}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := parseEnvelope(body)
		ref, rerr := parseEnvelopeRef(body)
		if (err == nil) != (rerr == nil) {
			if !utf8.Valid(body) || bytes.ContainsRune(body, '\\') {
				return // key matching of odd keys may differ from encoding/json's
			}
			t.Fatalf("parseEnvelope err %v, reference err %v", err, rerr)
		}
		if err != nil {
			return
		}
		if e.total != ref.total || len(e.records) != len(ref.records) {
			t.Fatalf("got total %d, %d records; reference %d, %d", e.total, len(e.records), ref.total, len(ref.records))
		}
		for i := range e.records {
			if !bytes.Equal(e.records[i], ref.records[i]) {
				t.Fatalf("record %d: %q, reference %q", i, e.records[i], ref.records[i])
			}
		}
		if e.total < 0 {
			t.Fatalf("negative total %d accepted", e.total)
		}
		for i, r := range e.records {
			if len(r) == 0 {
				t.Fatalf("record %d empty", i)
			}
		}
	})
}

// FuzzScannerMatchesJSONValid: the one-pass scanner accepts exactly what json.Valid does.
func FuzzScannerMatchesJSONValid(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+10`, `01`, `1.`, `.5`, `1e`, `-`, `true`, `tru`, `nul`, `null x`,
		`{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":[{"b":"\u00e9\n"}]}`, `"\u12"`, `"\x"`, "\"a\x01\"", `[[[[`,
		`{"resultSet":[{"id":"a"}],"totalCount":1}`, " {\"a\":\t1 } ", `"\/"`, `1E5`, `-01`, `[-]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sc := scanner{b: b}
		sc.ws()
		ok := sc.value()
		sc.ws()
		ok = ok && sc.i == len(b)
		if want := json.Valid(b); ok != want {
			t.Fatalf("scanner says %v, json.Valid %v for %q", ok, want, b)
		}
	})
}

func TestScannerDepthLimit(t *testing.T) {
	for _, n := range []int{maxDepth, maxDepth + 1} {
		b := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
		sc := scanner{b: b}
		if got, want := sc.value(), json.Valid(b); got != want {
			t.Errorf("depth %d: scanner %v, json.Valid %v", n, got, want)
		}
	}
}
