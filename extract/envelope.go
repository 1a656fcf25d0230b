package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// envelope is a decoded page answer: the raw records and the total.
type envelope struct {
	records []json.RawMessage
	total   int
}

// parseEnvelope accepts the Plutora envelope ({"resultSet":[…],"totalCount":N,…}) and
// the PascalCase one of Plutora Test ({"Data":[…],"TotalCount":N,…}); keys match
// case-insensitively, resultSet wins over Data, and the last of duplicate keys wins, as
// with encoding/json. Anything else is an error saying what is wrong.
//
// A page is 100–500 KB, so this validates and splits it in one pass (the same grammar as
// json.Valid, differentially fuzzed against encoding/json); the records are slices of
// body, not copies.
func parseEnvelope(body []byte) (envelope, error) {
	body = bytes.Trim(body, " \t\r\n")
	if len(body) == 0 {
		return envelope{}, errors.New("empty body")
	}
	if body[0] != '{' {
		return envelope{}, fmt.Errorf("not a page envelope: body starts with %q", truncate(body, 16))
	}
	var rs, data list
	var total []byte
	sc := scanner{b: body}
	ok := sc.members(func(key string) bool {
		switch {
		case strings.EqualFold(key, "resultSet"):
			return rs.read(&sc)
		case strings.EqualFold(key, "data"):
			return data.read(&sc)
		case strings.EqualFold(key, "totalCount"):
			start := sc.i
			if !sc.value() {
				return false
			}
			total = body[start:sc.i]
			return true
		}
		return sc.value()
	})
	if sc.ws(); !ok || sc.i != len(body) {
		var v any
		err := json.Unmarshal(body, &v) // for the position and cause
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return envelope{}, fmt.Errorf("not a page envelope: %w", err)
	}
	if !rs.present {
		rs = data
	}
	return buildEnvelope(rs, total)
}

// list is the records array of an envelope as read.
type list struct {
	present, array bool
	first          []byte // the start of the value, for messages
	records        []json.RawMessage
}

// read reads the value at sc: an array of records, or anything else (kept for the error).
func (l *list) read(sc *scanner) bool {
	*l = list{present: true, first: sc.b[sc.i:min(sc.i+16, len(sc.b))]}
	if sc.i >= len(sc.b) || sc.b[sc.i] != '[' {
		return sc.value()
	}
	l.array = true
	return sc.elements(func(rec []byte) {
		l.records = append(l.records, json.RawMessage(rec[:len(rec):len(rec)]))
	})
}

func buildEnvelope(l list, total []byte) (envelope, error) {
	if !l.present {
		return envelope{}, errors.New("not a page envelope: neither resultSet nor Data")
	}
	if total == nil {
		return envelope{}, errors.New("page envelope without totalCount")
	}
	var out envelope
	if err := json.Unmarshal(total, &out.total); err != nil || out.total < 0 {
		return envelope{}, fmt.Errorf("totalCount %q is not a count", truncate(total, 32))
	}
	if !l.array {
		if bytes.HasPrefix(l.first, []byte("null")) {
			return out, nil // no records
		}
		return envelope{}, fmt.Errorf("records are not an array: %q", l.first)
	}
	for i, r := range l.records {
		if r[0] == 'n' {
			return envelope{}, fmt.Errorf("record %d is null", i)
		}
	}
	out.records = l.records
	return out, nil
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// scanner validates JSON as it walks it.
type scanner struct {
	b     []byte
	i     int
	depth int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value reads one value at s.i and leaves s.i after it.
func (s *scanner) value() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		return s.members(func(string) bool { return s.value() })
	case c == '[':
		return s.elements(nil)
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.num()
	}
	return false
}

func (s *scanner) lit(want string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(want)) {
		return false
	}
	s.i += len(want)
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && isDigit(s.b[s.i]) {
		s.i++
	}
	return s.i > start
}

// num reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) num() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i >= len(s.b):
		return false
	case s.b[s.i] == '0':
		s.i++
	case !s.digits():
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// str reads a string: no control characters, only JSON's escapes.
func (s *scanner) str() bool {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return true
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+5 >= len(s.b) {
					return false
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isDigit(h) && (h|0x20 < 'a' || h|0x20 > 'f') {
						return false
					}
				}
				s.i += 6
			default:
				return false
			}
		case c < 0x20:
			return false
		default:
			s.i++
		}
	}
	return false
}

// members reads an object, calling member with each key and s.i at its value; member
// must read the value.
func (s *scanner) members(member func(key string) bool) bool {
	if s.depth++; s.depth > maxDepth {
		return false
	}
	s.i++ // {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return true
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return false
		}
		start := s.i
		if !s.str() {
			return false
		}
		key := s.b[start+1 : s.i-1]
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		if !member(unquote(key)) {
			return false
		}
		if more, ok := s.sep('}'); !more {
			return ok
		}
	}
}

// sep reads what follows a member or an element: ',' (more follow) or
// the closing byte (the object or array ends, ok). Anything else is not JSON.
func (s *scanner) sep(closing byte) (more, ok bool) {
	s.ws()
	if s.i >= len(s.b) {
		return false, false
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		s.ws()
		return true, true
	case closing:
		s.i++
		s.depth--
		return false, true
	}
	return false, false
}

// elements reads an array, calling elem (if not nil) with each element.
func (s *scanner) elements(elem func([]byte)) bool {
	if s.depth++; s.depth > maxDepth {
		return false
	}
	s.i++ // [
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return true
	}
	for {
		start := s.i
		if !s.value() {
			return false
		}
		if elem != nil {
			elem(s.b[start:s.i])
		}
		if more, ok := s.sep(']'); !more {
			return ok
		}
	}
}

// unquote returns a key's text (escapes resolved when there are any).
func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var k string
	_ = json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &k)
	return k
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
