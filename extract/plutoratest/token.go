package plutoratest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ParseSloppyForm parses a form-encoded body the way the real token
// endpoint tolerates it: any field order, empty pairs ("&&", "&=", a
// trailing "&"), keys without "=", "+" for space, %-escapes (a broken
// escape is kept literally). A repeated key keeps its first value. Any
// input parses.
func ParseSloppyForm(body string) map[string]string {
	out := map[string]string{}
	for _, pair := range strings.Split(body, "&") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = unescapeLenient(k), unescapeLenient(v)
		if k == "" {
			continue
		}
		if _, dup := out[k]; !dup {
			out[k] = v
		}
	}
	return out
}

func unescapeLenient(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

// serveToken answers POST /oauth/token (password grant, and refresh_token
// unless Options.NoRefreshToken).
func (p *Product) serveToken(w http.ResponseWriter, r *http.Request, now time.Time) {
	if p.srv.opts.WhitelistTokenEndpoint && !p.admitted(r) {
		p.finish(w, r, now, "", jsonResp(p.denyStatus(), deniedBody))
		return
	}
	if r.Method != http.MethodPost {
		p.finish(w, r, now, "", methodNotAllowed(r))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		p.finish(w, r, now, "", tokenError(http.StatusBadRequest, "invalid_request", "could not read the body: "+err.Error()))
		return
	}
	if p.srv.opts.EchoTokenForm {
		p.finish(w, r, now, "", tokenError(http.StatusBadRequest, "invalid_grant", "bad request: "+string(body)))
		return
	}
	if echo := p.srv.opts.TokenEcho; echo != nil {
		code, desc := echo(string(body))
		p.finish(w, r, now, "", tokenError(http.StatusBadRequest, code, desc))
		return
	}
	form := ParseSloppyForm(string(body))
	for k, vs := range r.URL.Query() {
		if _, ok := form[k]; !ok && len(vs) > 0 {
			form[k] = vs[0]
		}
	}
	if id, secret, ok := r.BasicAuth(); ok {
		if form["client_id"] == "" {
			form["client_id"] = id
		}
		if form["client_secret"] == "" {
			form["client_secret"] = secret
		}
	}
	clientID := form["client_id"]
	if rs := p.checkGrant(form); rs != nil {
		p.finish(w, r, now, clientID, rs)
		return
	}
	access, refresh, ttl := p.issue(clientID, now)
	jw := &jw{}
	jw.open('{').ks("access_token", access).ks("token_type", "bearer").ki("expires_in", int64(ttl/time.Second))
	if refresh != "" {
		jw.ks("refresh_token", refresh)
	}
	jw.close('}')
	p.finish(w, r, now, clientID, &resp{status: http.StatusOK, ctype: "application/json;charset=UTF-8", body: jw.b})
}

// checkGrant checks the client and the grant: the password grant, or the
// refresh_token grant unless Options.NoRefreshToken. It returns the error
// answer, or nil when a token may be issued.
func (p *Product) checkGrant(form map[string]string) *resp {
	gt := form["grant_type"]
	refreshing := gt == "refresh_token" && !p.srv.opts.NoRefreshToken
	switch {
	case gt == "":
		return tokenError(http.StatusBadRequest, "unsupported_grant_type", "grant_type is missing")
	case gt != "password" && !refreshing:
		want := "password or refresh_token"
		if p.srv.opts.NoRefreshToken {
			want = "password"
		}
		return tokenError(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported; use %s", gt, want))
	}
	c, ok := p.key(form["client_id"])
	if !ok || form["client_secret"] != c.ClientSecret {
		return tokenError(http.StatusBadRequest, "invalid_client", "The client credentials are invalid")
	}
	if refreshing {
		if !p.redeem(form["refresh_token"], form["client_id"]) {
			return tokenError(http.StatusBadRequest, "invalid_grant", "The refresh token is invalid, expired or already used.")
		}
		return nil
	}
	if !strings.EqualFold(strings.TrimSpace(form["username"]), c.Username) || form["password"] != c.Password {
		return tokenError(http.StatusBadRequest, "invalid_grant", "The user name or password is incorrect.")
	}
	return nil
}

func tokenError(status int, code, desc string) *resp {
	w := &jw{}
	w.open('{').ks("error", code).ks("error_description", desc).close('}')
	return &resp{status: status, ctype: "application/json;charset=UTF-8", body: w.b}
}

// retryAfter renders a Retry-After value in whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}
