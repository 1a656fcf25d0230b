package statuspage

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorized reports whether r may see the page: always when no token is
// configured, else when it carries the token as a bearer token or as the
// basic-auth password. Comparing hashes in constant time tells nothing of
// the token's length or content.
func (p *Page) authorized(r *http.Request) bool {
	if p.o.Token == "" {
		return true
	}
	var got string
	if _, pw, ok := r.BasicAuth(); ok {
		got = pw
	} else if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		got = strings.TrimSpace(h[7:])
	}
	if got == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(p.o.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
