package redact

import (
	"bytes"
	"encoding/base64"
	"html"
	"strings"
	"unicode/utf8"
)

// A server that has seen the credentials (the token endpoint receives the
// client secret, the user name and the password in its form) may echo them
// in any encoding, or in pieces ("starts with …, ends with …"). EchoText
// hides more than Replace: it looks for pieces, not whole secrets, in the
// text as it is and as it reads once or twice unescaped, so that no list of
// encodings has to be complete.

const (
	// pieceLen is the shortest piece of a secret hidden by EchoText: every
	// stretch of the text that holds pieceLen consecutive bytes of a secret
	// is hidden, so at most pieceLen-1 bytes of it can show.
	pieceLen = 4
	// maxEchoInput is how much of a server's text EchoText reads; what
	// follows is cut off unread (its result is cut to MaxServerText anyway).
	maxEchoInput = 8 * MaxServerText
	// minBase64 is the shortest run of base64 letters that is decoded.
	minBase64 = 8
)

// formKeys are the form fields whose values EchoText hides whatever they
// hold (a secret the worker does not know it sent, a value changed by the
// server), wherever a key is followed by "=" or ":".
var formKeys = []string{"client_secret", "password", "username"}

// EchoText is text from a server that has seen the credentials, made fit for
// an error message. Hidden, each stretch as one Mask: every stretch that
// holds pieceLen or more consecutive bytes of a secret (with "+" and space
// taken as one); the value after every client_secret, password and username
// key; and every run of base64 that decodes to text holding either. Each is
// looked for in the text as it is and after one and two rounds of
// unescaping (percent escapes in either case, JSON, Go and HTML escapes).
// The result is then as ServerText makes it.
func (s *Secrets) EchoText(text string) string {
	b := []byte(text)
	if len(b) > maxEchoInput {
		b = b[:maxEchoInput]
	}
	var p map[[pieceLen]byte]bool
	if s != nil {
		p = s.pieces
	}
	mark := hidden(b, p, true)
	var out strings.Builder
	for i := 0; i < len(b); {
		if !mark[i] {
			out.WriteByte(b[i])
			i++
			continue
		}
		out.WriteString(Mask)
		for i < len(b) && mark[i] {
			i++
		}
	}
	return s.ServerText(out.String())
}

// piecesOf returns every pieceLen-byte piece of the secrets (normalized).
func piecesOf(secrets []string) map[[pieceLen]byte]bool {
	out := map[[pieceLen]byte]bool{}
	for _, sec := range secrets {
		n := normalize([]byte(sec))
		for i := 0; i+pieceLen <= len(n); i++ {
			out[[pieceLen]byte(n[i:i+pieceLen])] = true
		}
	}
	return out
}

// normalize returns b with "+" read as a space, as a form reads it.
func normalize(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("+"), []byte(" "))
}

// hidden marks the bytes of b to hide.
func hidden(b []byte, pieces map[[pieceLen]byte]bool, withBase64 bool) []bool {
	mark := make([]bool, len(b))
	v0 := identity(b)
	v1 := unescape(v0)
	views := []view{v0, v1, unescape(v1)}
	for _, v := range views {
		markPieces(v, pieces, mark)
		markKeys(v, mark)
	}
	if withBase64 {
		for _, v := range views[:2] {
			markBase64(v, pieces, mark)
		}
	}
	// Hide whole runes: a piece may start or end inside one.
	for i := range mark {
		if mark[i] && !utf8.RuneStart(b[i]) {
			for j := i - 1; j >= 0 && !mark[j]; j-- {
				mark[j] = true
				if utf8.RuneStart(b[j]) {
					break
				}
			}
		}
		if i > 0 && mark[i-1] && !mark[i] && !utf8.RuneStart(b[i]) {
			mark[i] = true
		}
	}
	return mark
}

// A view is a text as read after some unescaping: each of its bytes comes
// from the bytes [start, end) of the original text.
type view struct {
	b          []byte
	start, end []int
}

func identity(b []byte) view {
	v := view{b: b, start: make([]int, len(b)), end: make([]int, len(b))}
	for i := range b {
		v.start[i], v.end[i] = i, i+1
	}
	return v
}

// hide marks the original bytes behind v.b[i:j].
func (v view) hide(mark []bool, i, j int) {
	for k := v.start[i]; k < v.end[j-1]; k++ {
		mark[k] = true
	}
}

func markPieces(v view, pieces map[[pieceLen]byte]bool, mark []bool) {
	if len(pieces) == 0 {
		return
	}
	n := normalize(v.b)
	for i := 0; i+pieceLen <= len(n); i++ {
		if pieces[[pieceLen]byte(n[i:i+pieceLen])] {
			v.hide(mark, i, i+pieceLen)
		}
	}
}

// markKeys hides the value after each form key followed by "=" or ":"
// (quotes, spaces and backslashes around them allowed, as in JSON).
func markKeys(v view, mark []bool) {
	lower := asciiLower(v.b)
	skip := func(i int) int {
		for i < len(v.b) && strings.IndexByte(`"'\ `, v.b[i]) >= 0 {
			i++
		}
		return i
	}
	for _, key := range formKeys {
		for from := 0; ; {
			at := bytes.Index(lower[from:], []byte(key))
			if at < 0 {
				break
			}
			i := skip(from + at + len(key))
			from += at + len(key)
			if i >= len(v.b) || (v.b[i] != '=' && v.b[i] != ':') {
				continue
			}
			i = skip(i + 1)
			j := i
			for j < len(v.b) && strings.IndexByte("&\"',;}<>\\ \t\r\n", v.b[j]) < 0 {
				j++
			}
			if j > i {
				v.hide(mark, i, j)
			}
		}
	}
}

// markBase64 hides each run of base64 letters that decodes (at any of the
// four alignments, in either alphabet) to text that holds a piece or a key.
func markBase64(v view, pieces map[[pieceLen]byte]bool, mark []bool) {
	isLetter := func(c byte) bool {
		return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("+/-_", c) >= 0
	}
	for i := 0; i < len(v.b); {
		if !isLetter(v.b[i]) {
			i++
			continue
		}
		j := i
		for j < len(v.b) && isLetter(v.b[j]) {
			j++
		}
		if j-i >= minBase64 && decodesToSecret(string(v.b[i:j]), pieces) {
			end := j
			for end < len(v.b) && v.b[end] == '=' {
				end++
			}
			v.hide(mark, i, end)
		}
		i = j
	}
}

func decodesToSecret(run string, pieces map[[pieceLen]byte]bool) bool {
	for off := range 4 {
		seg := run[off:]
		if len(seg)%4 == 1 {
			seg = seg[:len(seg)-1]
		}
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			d, err := enc.DecodeString(seg)
			if err != nil {
				continue
			}
			for _, m := range hidden(d, pieces, false) {
				if m {
					return true
				}
			}
		}
	}
	return false
}

// unescape reads v once: percent escapes (%XX in either case, %uXXXX), JSON
// and Go backslash escapes, and HTML character references each become the
// bytes they stand for; every other byte stays.
func unescape(v view) view {
	out := view{b: make([]byte, 0, len(v.b))}
	for i := 0; i < len(v.b); {
		dec, n := unescapeAt(v.b, i)
		if n == 0 {
			dec, n = v.b[i:i+1], 1
		}
		for range dec {
			out.start = append(out.start, v.start[i])
			out.end = append(out.end, v.end[i+n-1])
		}
		out.b = append(out.b, dec...)
		i += n
	}
	return out
}

// unescapeAt decodes the escape at b[i], returning its bytes and its length
// in b, or 0 when none starts there.
func unescapeAt(b []byte, i int) ([]byte, int) {
	switch b[i] {
	case '%':
		if r, ok := hexAt(b, i+1, 2); ok {
			return []byte{byte(r)}, 3
		}
		if i+1 < len(b) && (b[i+1] == 'u' || b[i+1] == 'U') {
			if r, ok := hexAt(b, i+2, 4); ok {
				return utf8.AppendRune(nil, rune(r)), 6
			}
		}
	case '\\':
		return backslashAt(b, i)
	case '&':
		end := bytes.IndexByte(b[i:min(len(b), i+12)], ';')
		if end > 1 {
			ref := string(b[i : i+end+1])
			if u := html.UnescapeString(ref); u != ref {
				return []byte(u), end + 1
			}
		}
	}
	return nil, 0
}

func backslashAt(b []byte, i int) ([]byte, int) {
	if i+1 >= len(b) {
		return nil, 0
	}
	if j := strings.IndexByte(`"\/'bfnrtav`, b[i+1]); j >= 0 {
		return []byte{"\"\\/'\b\f\n\r\t\a\v"[j]}, 2
	}
	switch b[i+1] {
	case 'x':
		if r, ok := hexAt(b, i+2, 2); ok {
			return []byte{byte(r)}, 4
		}
	case 'u':
		r, ok := hexAt(b, i+2, 4)
		if !ok {
			return nil, 0
		}
		// A UTF-16 surrogate pair, as JSON writes a rune beyond U+FFFF.
		if 0xD800 <= r && r < 0xDC00 && i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
			if lo, ok := hexAt(b, i+8, 4); ok && 0xDC00 <= lo && lo < 0xE000 {
				return utf8.AppendRune(nil, 0x10000+(r-0xD800)<<10+(lo-0xDC00)), 12
			}
		}
		return utf8.AppendRune(nil, r), 6
	case 'U':
		if r, ok := hexAt(b, i+2, 8); ok {
			return utf8.AppendRune(nil, r), 10
		}
	}
	return nil, 0
}

// hexAt reads n hex digits (either case) at b[i].
func hexAt(b []byte, i, n int) (rune, bool) {
	if i+n > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+n] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// asciiLower lowers A to Z only, so that offsets do not move.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
