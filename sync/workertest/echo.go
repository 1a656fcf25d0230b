package workertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
)

// Credentials are the pieces of a token request a hostile token server may
// write back.
type Credentials struct{ ClientSecret, Password, Username string }

func (c Credentials) all() []string { return []string{c.ClientSecret, c.Password, c.Username} }

// An Echo is one way a hostile token server writes back the form it was
// posted, in its error_description.
type Echo struct {
	Name string
	// Text returns the error_description for the posted body, which
	// carries c.
	Text func(body string, c Credentials) string
	// Base64 says Text writes base64: Leaks must also look for runs of it.
	Base64 bool
}

// Echoes are the ways a token server has been seen, or could be expected,
// to echo a form: as posted, in lower-case hex as .NET's
// HttpUtility.UrlEncode writes it, with %20 for spaces, escaped twice, JSON-
// and HTML-escaped, base64 of the body, split into a start and an end, and
// the values alone.
func Echoes() []Echo {
	return []Echo{
		{Name: "raw", Text: func(_ string, c Credentials) string {
			return "client_secret=" + c.ClientSecret + "&password=" + c.Password + "&username=" + c.Username
		}},
		{Name: "as posted", Text: func(body string, _ Credentials) string { return "bad request: " + body }},
		{Name: "lower-case hex", Text: func(body string, _ Credentials) string { return "bad request: " + LowerHex(body) }},
		{Name: ".NET UrlEncode", Text: func(_ string, c Credentials) string {
			return "bad request: client_id=plutora-worker&client_secret=" + DotnetURLEncode(c.ClientSecret) +
				"&grant_type=password&password=" + DotnetURLEncode(c.Password) + "&username=" + DotnetURLEncode(c.Username)
		}},
		{Name: "%20 for spaces", Text: func(body string, _ Credentials) string { return strings.ReplaceAll(body, "+", "%20") }},
		{Name: "escaped twice", Text: func(body string, _ Credentials) string { return "body=" + url.QueryEscape(body) }},
		{Name: "JSON-escaped", Text: func(_ string, c Credentials) string {
			return JSONEscape(`{"client_secret":"` + c.ClientSecret + `","password":"` + c.Password + `"}`)
		}},
		{Name: "JSON \\u escapes", Text: func(_ string, c Credentials) string {
			return strings.NewReplacer("+", `\u002b`, "@", `\u0040`).Replace(JSONEscape(c.ClientSecret + " " + c.Password))
		}},
		{Name: "HTML-escaped", Text: func(_ string, c Credentials) string {
			return html.EscapeString("got " + c.ClientSecret + " and " + c.Password + " for " + c.Username)
		}},
		{Name: "HTML numeric", Text: func(_ string, c Credentials) string {
			return strings.NewReplacer("@", "&#64;", "+", "&#x2B;", "ä", "&#228;").Replace(c.ClientSecret + "|" + c.Username)
		}},
		{Name: "base64 of the body", Base64: true, Text: func(body string, _ Credentials) string {
			return "body " + base64.StdEncoding.EncodeToString([]byte(body))
		}},
		{Name: "base64url, shifted", Base64: true, Text: func(body string, _ Credentials) string {
			return base64.RawURLEncoding.EncodeToString([]byte("x" + body))
		}},
		{Name: "split", Text: func(_ string, c Credentials) string {
			return split(c.ClientSecret) + "; " + split(c.Password) + "; " + split(c.Username)
		}},
		{Name: "split, .NET-escaped", Text: func(_ string, c Credentials) string { return split(DotnetURLEncode(c.ClientSecret)) }},
		{Name: "values alone", Text: func(_ string, c Credentials) string {
			return "tried " + c.Username + " / " + c.Password + " / " + c.ClientSecret
		}},
	}
}

// DotnetURLEncode encodes s as .NET's HttpUtility.UrlEncode does: lower-case
// hex, "+" for a space, and -_.!*() left alone.
func DotnetURLEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('+')
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-_.!*()", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// LowerHex writes the hex digits of s's percent escapes in lower case.
func LowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			copy(b[i+1:i+3], strings.ToLower(string(b[i+1:i+3])))
		}
	}
	return string(b)
}

// JSONEscape is s as it reads inside a JSON string.
func JSONEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// split tells the start and the end of s apart, as a server that "helps"
// might.
func split(s string) string {
	r := []rune(s)
	return fmt.Sprintf("starts %q … ends %q", string(r[:len(r)/2]), string(r[len(r)/2:]))
}

// Leaks returns the pieces of c that text shows: runs of 4 bytes of a
// credential as posted, percent-encoded (upper- or lower-case hex, or as
// .NET does), JSON- or HTML-escaped; and, for an echo in base64, runs of 8
// bytes of each base64 word of echoed. Runs of digits alone are left out.
// Choose credentials that share no
// 4-byte run with the rest of the text (nor with "[redacted]").
func Leaks(text string, c Credentials, e Echo, echoed string) []string {
	var out []string
	look := func(s string, n int) {
		for i := 0; i+n <= len(s); i++ {
			// Four digits ("0026" of "\u0026") are in any timestamp.
			if strings.Trim(s[i:i+n], "0123456789") == "" {
				continue
			}
			if strings.Contains(text, s[i:i+n]) {
				out = append(out, s[i:i+n])
			}
		}
	}
	for _, sec := range c.all() {
		for _, form := range []string{sec, url.QueryEscape(sec), LowerHex(url.QueryEscape(sec)), DotnetURLEncode(sec),
			JSONEscape(sec), html.EscapeString(sec)} {
			look(form, 4)
		}
	}
	if e.Base64 {
		for _, w := range strings.Fields(echoed) {
			if len(w) >= 16 {
				look(w, 8)
			}
		}
	}
	return out
}
