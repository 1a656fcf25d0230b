package plutoratest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Credentials are what a product's /oauth/token accepts.
type Credentials struct {
	ClientID, ClientSecret, Username, Password string
}

var (
	plutoraCredentials = Credentials{ClientID: "sandbox-plutora-client", ClientSecret: "sandbox-plutora-secret", Username: "sync.bot@example.com", Password: "plutora-sandbox-pw"}
	testCredentials    = Credentials{ClientID: "sandbox-test-client", ClientSecret: "sandbox-test-secret", Username: "sync.bot@example.com", Password: "plutoratest-sandbox-pw"}
)

// LoggedRequest is one entry of a product's request log.
type LoggedRequest struct {
	At       time.Time
	ClientID string // "" when the request carried no valid token
	Method   string
	Path     string // the URL path as sent
	Status   int    // 0 for a connection reset by a fault
	Query    string // the raw query, without "?"
}

// Product is one of the two APIs: Plutora or Plutora Test.
type Product struct {
	// Name is "plutora" or "plutoratest".
	Name string
	// URL is the API base URL (API paths from the root), TokenURL the
	// token endpoint (URL + "/oauth/token").
	URL, TokenURL string

	srv   *Server
	creds Credentials // the first key; AddKey adds more
	hs    *http.Server
	seq   atomic.Int64 // API requests so far

	mu        sync.Mutex
	keys      []Credentials // accepted besides creds (AddKey)
	tokens    map[string]tokenInfo
	refresh   map[string]string // refresh token → client id
	whitelist []netip.Prefix
	faults    Faults
	revoked   bool // Faults.RevokeAt has fired
	windows   map[string]*window
	log       []LoggedRequest
}

type tokenInfo struct {
	clientID string
	expires  time.Time
}

func newProduct(s *Server, name string, creds Credentials, ln net.Listener) *Product {
	p := &Product{
		Name:    name,
		URL:     "http://" + ln.Addr().String(),
		srv:     s,
		creds:   creds,
		tokens:  map[string]tokenInfo{},
		refresh: map[string]string{},
		windows: map[string]*window{},
		faults:  s.opts.Faults,
	}
	p.TokenURL = p.URL + "/oauth/token"
	p.hs = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	return p
}

// Credentials returns the client id, secret, username and password the
// product's token endpoint accepts.
func (p *Product) Credentials() Credentials { return p.creds }

// AddKey makes the token endpoint accept c too: a second API key of the
// same product, as during a key rotation. Each key has its own budget.
func (p *Product) AddKey(c Credentials) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = append(p.keys, c)
}

// key returns the accepted credentials of clientID.
func (p *Product) key(clientID string) (Credentials, bool) {
	if clientID == p.creds.ClientID {
		return p.creds, true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.keys {
		if c.ClientID == clientID {
			return c, true
		}
	}
	return Credentials{}, false
}

// SetWhitelist admits API calls only from these addresses or CIDR ranges
// ("127.0.0.1", "10.0.0.0/8"); none admits all. Entries that do not parse
// are skipped and reported through Options.Logf; check them first with
// ParseWhitelist.
func (p *Product) SetWhitelist(cidrs ...string) {
	list, err := ParseWhitelist(cidrs...)
	if err != nil && p.srv.opts.Logf != nil {
		p.srv.opts.Logf("plutoratest: %s whitelist: %v", p.Name, err)
	}
	p.mu.Lock()
	p.whitelist = list
	p.mu.Unlock()
}

// ParseWhitelist parses addresses and CIDR ranges; it returns the valid
// ones and an error naming the first invalid entry.
func ParseWhitelist(cidrs ...string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var firstErr error
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if pr, err := netip.ParsePrefix(c); err == nil {
			out = append(out, pr.Masked())
			continue
		}
		a, err := netip.ParseAddr(c)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("whitelist entry %q is neither an address nor a CIDR range", c)
			}
			continue
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, firstErr
}

// RevokeTokens invalidates every token the product has issued.
func (p *Product) RevokeTokens() {
	p.mu.Lock()
	p.tokens = map[string]tokenInfo{}
	p.refresh = map[string]string{}
	p.mu.Unlock()
}

// SetFaults replaces the product's faults (and re-arms RevokeAt). Shares
// are not checked here: out-of-range shares act as if clipped to [0,1].
func (p *Product) SetFaults(f Faults) {
	p.mu.Lock()
	p.faults = f
	p.revoked = false
	p.mu.Unlock()
}

// RequestLog returns a copy of every request so far (token requests too).
func (p *Product) RequestLog() []LoggedRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]LoggedRequest(nil), p.log...)
}

// Requests returns the number of API requests (not token requests) so far.
func (p *Product) Requests() int64 { return p.seq.Load() }

func (p *Product) logRequest(at time.Time, clientID string, r *http.Request, status int) {
	p.mu.Lock()
	p.log = append(p.log, LoggedRequest{At: at, ClientID: clientID, Method: r.Method, Path: r.URL.Path, Status: status, Query: r.URL.RawQuery})
	p.mu.Unlock()
	if lf := p.srv.opts.Logf; lf != nil {
		lf("plutoratest: %s %s %s %s → %d", p.Name, clientID, r.Method, r.URL.RequestURI(), status)
	}
}

func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// issue records a new token for clientID, and a refresh token for it
// unless Options.NoRefreshToken ("" then).
func (p *Product) issue(clientID string, now time.Time) (access, refresh string, ttl time.Duration) {
	access = newToken()
	ttl = p.srv.opts.TokenTTL
	if !p.srv.opts.NoRefreshToken {
		refresh = newToken()
	}
	p.mu.Lock()
	p.tokens[access] = tokenInfo{clientID: clientID, expires: now.Add(ttl)}
	if refresh != "" {
		p.refresh[refresh] = clientID
	}
	p.mu.Unlock()
	return access, refresh, ttl
}

// redeem consumes a refresh token of clientID; each works once.
func (p *Product) redeem(refresh, clientID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	owner, ok := p.refresh[refresh]
	if !ok || owner != clientID {
		return false
	}
	delete(p.refresh, refresh)
	return true
}

// authorize returns the client id of a valid bearer token in h.
func (p *Product) authorize(h string, now time.Time) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	p.mu.Lock()
	defer p.mu.Unlock()
	ti, ok := p.tokens[tok]
	if !ok {
		return "", false
	}
	if !now.Before(ti.expires) {
		delete(p.tokens, tok)
		return "", false
	}
	return ti.clientID, true
}

// admitted checks the source address against the whitelist. The header
// X-Plutoratest-Remote-Addr, when present, stands in for the source.
func (p *Product) admitted(r *http.Request) bool {
	p.mu.Lock()
	wl := p.whitelist
	p.mu.Unlock()
	if len(wl) == 0 {
		return true
	}
	src := r.Header.Get("X-Plutoratest-Remote-Addr")
	if src == "" {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return false
		}
		src = host
	}
	a, err := netip.ParseAddr(strings.TrimSpace(src))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, pr := range wl {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}
