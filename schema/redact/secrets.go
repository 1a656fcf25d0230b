// Package redact hides secrets in texts that reach a log line, an error, a
// metric or the ledger: the worker's API secrets in every form a server or a
// library may echo them in, and the passwords of database connection strings.
package redact

import (
	"bytes"
	"cmp"
	"encoding/json"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask replaces a secret.
const Mask = "[redacted]"

// MaxServerText is the most of a server's text that enters an error.
const MaxServerText = 300

// minSecret is the shortest secret replaced: shorter ones would mangle every
// message and hide nothing.
const minSecret = 4

// Secrets replaces secrets in texts. The zero value and nil replace nothing.
type Secrets struct {
	r      *strings.Replacer
	pieces map[[pieceLen]byte]bool // for EchoText
}

// NewSecrets returns a Secrets that replaces each secret (of 4 bytes or
// more) in each of its Forms by Mask.
func NewSecrets(secrets ...string) *Secrets {
	var all, kept []string
	for _, s := range secrets {
		if len(s) >= minSecret {
			all = append(all, Forms(s)...)
			kept = append(kept, s)
		}
	}
	// The replacer tries its patterns in argument order at each position:
	// longest first, so that a form is not cut short by another's prefix.
	slices.SortFunc(all, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	all = slices.Compact(all)
	pairs := make([]string, 0, 2*len(all))
	for _, f := range all {
		pairs = append(pairs, f, Mask)
	}
	return &Secrets{r: strings.NewReplacer(pairs...), pieces: piecesOf(kept)}
}

// Forms returns s as it may appear in a text: raw; query-escaped (with "+"
// and with "%20" for a space), as an HTML form or a URL query holds it, and
// path-escaped, each with upper- and lower-case hex digits (.NET's
// HttpUtility.UrlEncode writes "%c3%bc"); JSON-escaped (with and without
// HTML escaping), Go-quoted, without the quotes; HTML-escaped. A server that
// has seen the secrets may echo them otherwise: use EchoText for its text.
func Forms(s string) []string {
	q := url.QueryEscape(s)
	forms := []string{s, q, strings.ReplaceAll(q, "+", "%20"), url.PathEscape(s), inner(strconv.Quote(s)), html.EscapeString(s)}
	for _, f := range forms[1:4] {
		forms = append(forms, lowerHex(f))
	}
	if b, err := json.Marshal(s); err == nil {
		forms = append(forms, inner(string(b)))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		forms = append(forms, inner(strings.TrimSuffix(buf.String(), "\n")))
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

func inner(quoted string) string { return quoted[1 : len(quoted)-1] }

// lowerHex writes the hex digits of every %XX escape of s in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			copy(b[i+1:i+3], asciiLower(b[i+1:i+3]))
		}
	}
	return string(b)
}

// Replace returns text with every form of every secret replaced by Mask.
func (s *Secrets) Replace(text string) string {
	if s == nil || s.r == nil {
		return text
	}
	return s.r.Replace(text)
}

// ServerText is text from a server (an answer's body, an error description)
// made fit for an error message: secrets replaced, then unprintable runes
// turned into spaces, then cut to MaxServerText bytes. Replacing before
// cutting keeps a secret cut in half from showing its first half.
func (s *Secrets) ServerText(text string) string {
	text = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s.Replace(text))
	if text == "" {
		return "(empty)"
	}
	return Cap(text, MaxServerText)
}

// Cap cuts text to at most n bytes, at a rune boundary, marking the cut
// with "…".
func Cap(text string, n int) string {
	if len(text) <= n {
		return text
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "…"
}
