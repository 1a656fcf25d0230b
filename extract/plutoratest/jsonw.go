package plutoratest

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// jw appends JSON to a byte slice with keys in a fixed order, without
// reflection: records are generated far more often than they are read by a
// person, and ordered output is what the real API sends.
type jw struct {
	b     []byte
	comma bool
}

func (w *jw) sep() {
	if w.comma {
		w.b = append(w.b, ',')
	}
}

func (w *jw) open(c byte) *jw {
	w.sep()
	w.b = append(w.b, c)
	w.comma = false
	return w
}

func (w *jw) close(c byte) *jw {
	w.b = append(w.b, c)
	w.comma = true
	return w
}

func (w *jw) k(key string) *jw {
	w.sep()
	w.b = appendJSONString(w.b, key)
	w.b = append(w.b, ':')
	w.comma = false
	return w
}

func (w *jw) s(v string) *jw {
	w.sep()
	w.b = appendJSONString(w.b, v)
	w.comma = true
	return w
}

func (w *jw) null() *jw {
	w.sep()
	w.b = append(w.b, "null"...)
	w.comma = true
	return w
}

func (w *jw) i(v int64) *jw {
	w.sep()
	w.b = strconv.AppendInt(w.b, v, 10)
	w.comma = true
	return w
}

func (w *jw) f(v float64) *jw {
	w.sep()
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
	w.comma = true
	return w
}

func (w *jw) bl(v bool) *jw {
	w.sep()
	w.b = strconv.AppendBool(w.b, v)
	w.comma = true
	return w
}

func (w *jw) raw(v []byte) *jw {
	w.sep()
	w.b = append(w.b, v...)
	w.comma = true
	return w
}

// ks writes "key":"value".
func (w *jw) ks(key, v string) *jw       { return w.k(key).s(v) }
func (w *jw) kn(key string) *jw          { return w.k(key).null() }
func (w *jw) ki(key string, v int64) *jw { return w.k(key).i(v) }
func (w *jw) kb(key string, v bool) *jw  { return w.k(key).bl(v) }

// appendJSONString quotes s as a JSON string. Unlike encoding/json it leaves
// <, > and & alone, as the real API (ASP.NET) does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Date forms the API serves: zone-less (UTC implied) with milliseconds and
// trailing zeros trimmed, or with an offset and 100 ns precision.
const (
	layoutZoneless = "2006-01-02T15:04:05.999"
	layoutOffset   = "2006-01-02T15:04:05.0000000-07:00"
)

// formatAPITime renders t in one of the two forms and returns the time as a
// client parsing the string would see it.
func formatAPITime(t time.Time, offsetForm bool) (string, time.Time) {
	t = t.UTC()
	if offsetForm {
		t = t.Truncate(100 * time.Nanosecond)
		s := t.Format(layoutOffset)
		// Go writes Z-less "+00:00" with -07:00 for UTC, as .NET does.
		return s, t
	}
	t = t.Truncate(time.Millisecond)
	return t.Format(layoutZoneless), t
}
