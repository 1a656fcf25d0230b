package load

import (
	"bytes"
	"encoding/json"

	"github.com/google/uuid"
)

// pageIDs returns the ids that PostgreSQL will read from the records
// ((r->>key)::uuid), without decoding the records: a scan of each record's
// top level. sure is false when some record's id cannot be read with
// certainty (not one JSON object, the key missing, repeated, escaped or not
// a string, a value that is not a UUID): a Pipeline then writes the page
// with no other page in flight.
func pageIDs(recs []json.RawMessage, key string) (ids []uuid.UUID, sure bool) {
	ids = make([]uuid.UUID, 0, len(recs))
	for _, rec := range recs {
		v, ok := topLevelString(rec, key)
		if !ok {
			return nil, false
		}
		id, err := uuid.ParseBytes(v)
		if err != nil {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// topLevelString returns the value of key in the JSON object rec when the
// key appears once at its top level, unescaped, and its value is a string
// without escapes. It does not validate the rest of rec; a record that is
// not valid JSON fails in PostgreSQL anyway.
func topLevelString(rec []byte, key string) (val []byte, ok bool) {
	i := skipSpace(rec, 0)
	if i >= len(rec) || rec[i] != '{' {
		return nil, false
	}
	i++
	found := false
	for {
		i = skipSpace(rec, i)
		if i < len(rec) && rec[i] == '}' && !found {
			return nil, false
		}
		if i >= len(rec) || rec[i] != '"' {
			return nil, false
		}
		end, escaped := stringEnd(rec, i)
		if end < 0 || escaped {
			return nil, false // an escaped key may spell key
		}
		name := rec[i+1 : end]
		i = skipSpace(rec, end+1)
		if i >= len(rec) || rec[i] != ':' {
			return nil, false
		}
		i = skipSpace(rec, i+1)
		if string(name) == key {
			if found || i >= len(rec) || rec[i] != '"' {
				return nil, false
			}
			vend, escaped := stringEnd(rec, i)
			if vend < 0 || escaped {
				return nil, false
			}
			val, found = rec[i+1:vend], true
			i = vend + 1
		} else if i = skipValue(rec, i); i < 0 {
			return nil, false
		}
		i = skipSpace(rec, i)
		switch {
		case i < len(rec) && rec[i] == ',':
			i++
		case i < len(rec) && rec[i] == '}':
			return val, found
		default:
			return nil, false
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index of the quote that closes the string opening
// at b[i], and whether the string holds an escape; -1 when it does not end.
func stringEnd(b []byte, i int) (end int, escaped bool) {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1, escaped
		}
		k := bytes.IndexByte(b[i:i+j], '\\')
		if k < 0 {
			return i + j, escaped
		}
		escaped = true
		i += k + 2 // past the backslash and the byte it escapes
		if i > len(b) {
			return -1, true
		}
	}
}

// skipValue returns the index just past the JSON value starting at b[i],
// or -1 when it does not end. A scalar ends at the comma or bracket after
// it, which is where the index points then.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			end, _ := stringEnd(b, i)
			if end < 0 {
				return -1
			}
			i = end + 1
			if depth == 0 {
				return i
			}
		case '{', '[':
			depth++
			i++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			i++
			if depth == 0 {
				return i
			}
		case ',':
			if depth == 0 {
				return i
			}
			i++
		default:
			i++
		}
	}
	if depth == 0 {
		return i
	}
	return -1
}
