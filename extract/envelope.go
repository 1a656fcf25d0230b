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
// case-insensitively, and the last of duplicate keys wins, as with encoding/json. Anything
// else is an error saying what is wrong.
//
// A page is ~150 KB, so this costs one validating pass (json.Valid) and one structural
// pass; the records are slices of body, not copies.
func parseEnvelope(body []byte) (envelope, error) {
	body = bytes.Trim(body, " \t\r\n")
	if len(body) == 0 {
		return envelope{}, errors.New("empty body")
	}
	if body[0] != '{' {
		return envelope{}, fmt.Errorf("not a page envelope: body starts with %q", truncate(body, 16))
	}
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v) // for the position and cause
		return envelope{}, fmt.Errorf("not a page envelope: %w", err)
	}
	var rs, data, total []byte
	sc := scanner{b: body, i: 1}
	for {
		sc.space()
		if sc.peek() == '}' {
			break
		}
		key := sc.key()
		sc.space()
		sc.i++ // ':'
		sc.space()
		start := sc.i
		sc.skipValue()
		switch {
		case strings.EqualFold(key, "resultSet"):
			rs = body[start:sc.i]
		case strings.EqualFold(key, "data"):
			data = body[start:sc.i]
		case strings.EqualFold(key, "totalCount"):
			total = body[start:sc.i]
		}
		sc.space()
		if sc.peek() == ',' {
			sc.i++
		}
	}
	if rs == nil {
		rs = data // resultSet wins when an answer has both
	}
	return buildEnvelope(rs, total)
}

func buildEnvelope(list, total []byte) (envelope, error) {
	if list == nil {
		return envelope{}, errors.New("not a page envelope: neither resultSet nor Data")
	}
	if total == nil {
		return envelope{}, errors.New("page envelope without totalCount")
	}
	var out envelope
	if err := json.Unmarshal(total, &out.total); err != nil || out.total < 0 {
		return envelope{}, fmt.Errorf("totalCount %q is not a count", truncate(total, 32))
	}
	switch list[0] {
	case 'n':
		return out, nil // null: no records
	case '[':
	default:
		return envelope{}, fmt.Errorf("records are not an array: %q", truncate(list, 16))
	}
	sc := scanner{b: list, i: 1}
	for {
		sc.space()
		if sc.peek() == ']' {
			return out, nil
		}
		start := sc.i
		sc.skipValue()
		rec := list[start:sc.i]
		if rec[0] == 'n' {
			return envelope{}, fmt.Errorf("record %d is null", len(out.records))
		}
		out.records = append(out.records, json.RawMessage(rec[:len(rec):len(rec)]))
		sc.space()
		if sc.peek() == ',' {
			sc.i++
		}
	}
}

// scanner walks JSON already known to be valid.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) peek() byte { return s.b[s.i] }

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// key reads an object key (a string) and returns it unquoted.
func (s *scanner) key() string {
	start := s.i
	s.skipString()
	raw := s.b[start:s.i]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var k string
	_ = json.Unmarshal(raw, &k)
	return k
}

func (s *scanner) skipString() {
	s.i++ // opening quote
	for s.b[s.i] != '"' {
		if s.b[s.i] == '\\' {
			s.i++
		}
		s.i++
	}
	s.i++
}

// skipValue moves past one value.
func (s *scanner) skipValue() {
	depth := 0
	for {
		switch c := s.b[s.i]; c {
		case '"':
			s.skipString()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i++
				return
			}
		default:
			if depth == 0 { // a literal or number: runs to a delimiter
				for s.i < len(s.b) && !isDelim(s.b[s.i]) {
					s.i++
				}
				return
			}
		}
		s.i++
	}
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
