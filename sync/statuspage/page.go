// Package statuspage serves the status page: one HTML page that says
// whether the warehouse is fresh and, if not, why. It reads the warehouse
// (through load.ReadOverview, in a read-only transaction) and, inside the
// daemon, the daemon's own state (leadership, notes); it never calls the
// Plutora API. The page is rendered by the binary (html/template, an
// embedded style sheet, inline SVG): no script, no CDN, no build step.
//
// It is safe to expose inside a cluster: it only reads; every text it shows
// from the ledger passes the redactor; the query's parameters are checked
// against closed lists and reach SQL only as bound parameters; one read of
// the warehouse serves every request for CacheFor, so a refresh storm costs
// one set of queries; and it can require a token (Options.Token).
package statuspage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/load"
	"github.com/plutora-sync/plutora-sync/schema/redact"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// Daemon is what the daemon knows of itself that the warehouse does not:
// per product, whether this replica leads and since when, and notes a
// person should read (the budget plan over the budget, …).
type Daemon struct {
	Products []ProductState
}

// ProductState is one product as this replica sees it.
type ProductState struct {
	Product synctype.Product
	Leader  bool      // this replica holds the product's lock
	Since   time.Time // when it took or last lost the lock; zero: never held
	APIURL  string
	Sandbox bool // the API answered as the sandbox at start
	// Notes are shown as banners, one each: what needs a person that only
	// the daemon knows.
	Notes []string
}

// Options configure a Page.
type Options struct {
	DB *sql.DB
	// Secrets are replaced in every text the page shows.
	Secrets *redact.Secrets
	// Token, when set, is required: as a bearer token, or as the password
	// of basic authentication (any user name).
	Token string
	// Limit is the requests an API key may make in any rolling hour (the
	// budget less the reserve): the plots' scale and the budget's end.
	Limit int
	// Entities are the configured entities (every one when empty); the
	// page shows them and every other entity the ledger knows.
	Entities []synctype.Entity
	// Schedules are the cron specs of the entities on a fixed schedule,
	// by entity name.
	Schedules map[string]string
	// Intervals are the shortest interval between two runs of each entity
	// its schedule allows (POLL_CEILING for an adaptive one, the cron
	// interval for a pinned one): an entity is stale when its last success
	// is older than twice the larger of this and the median gap between
	// its last runs, so that the first fast polls after a start do not
	// call it stale.
	Intervals map[string]time.Duration
	// LockKeys are the products' advisory-lock keys: the page shows which
	// session holds each.
	LockKeys map[synctype.Product]int64
	// Daemon returns the daemon's state; nil when the page is served
	// without a daemon (plutora-sync status --serve).
	Daemon func() Daemon
	// Host is the name of the machine serving the page.
	Host string
	// CacheFor is how long one read of the warehouse serves every request
	// (default 2s). Refresh is how often the page reloads itself (default
	// 10s).
	CacheFor, Refresh time.Duration
	Now               func() time.Time
	Logger            *slog.Logger
}

// Page is the status page's HTTP handler.
type Page struct {
	o     Options
	cache *cache
}

// New returns the page. It needs a database.
func New(o Options) (*Page, error) {
	if o.DB == nil {
		return nil, errors.New("status page: no database")
	}
	if o.CacheFor <= 0 {
		o.CacheFor = 2 * time.Second
	}
	if o.Refresh <= 0 {
		o.Refresh = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if len(o.Entities) == 0 {
		o.Entities = synctype.Entities()
	}
	var keys []int64
	for _, p := range synctype.Products() {
		if k, ok := o.LockKeys[p]; ok {
			keys = append(keys, k)
		}
	}
	read := func(ctx context.Context, f load.RunFilter) (*load.Overview, error) {
		return load.ReadOverview(ctx, o.DB, f, keys)
	}
	return &Page{o: o, cache: newCache(read, o.CacheFor, o.Now)}, nil
}

// The page's security headers: no script at all, the one style sheet by
// its hash, forms only to itself, never in a frame.
var (
	styleHash = func() string {
		h := sha256.Sum256([]byte(styleSheet))
		return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
	}()
	contentSecurityPolicy = "default-src 'none'; style-src " + styleHash +
		"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

// ServeHTTP serves the page at "/" (GET and HEAD).
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !p.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="plutora-sync status", charset="UTF-8"`)
		http.Error(w, "status page: a token is required (STATUS_TOKEN_FILE): send it as a bearer token or as the basic-auth password", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "status page: only GET and HEAD", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	q, err := parseQuery(r.URL.RawQuery, p.o.Entities)
	if err != nil {
		http.Error(w, "status page: "+err.Error(), http.StatusBadRequest)
		return
	}
	snap := p.cache.get(r.Context(), q.filter)
	if snap.err != nil {
		p.o.Logger.Warn("status page: read the warehouse", "error", p.o.Secrets.Replace(snap.err.Error()))
		http.Error(w, "status page: the warehouse did not answer (the log says why)", http.StatusServiceUnavailable)
		return
	}
	var d *Daemon
	if p.o.Daemon != nil {
		s := p.o.Daemon()
		d = &s
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p.view(snap, q, d)); err != nil {
		p.o.Logger.Error("status page: render", "error", err)
		http.Error(w, "status page: render failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Referrer-Policy", "no-referrer")
	// Every text was redacted when the view was built; this pass catches
	// whatever a later change forgets to.
	_, _ = w.Write([]byte(p.o.Secrets.Replace(buf.String())))
}

// query is a request's checked query string.
type query struct {
	filter load.RunFilter
	paused bool // refresh=off
}

// parseQuery accepts entity (a known entity's name), outcome (a run status)
// and refresh ("on" or "off"), each at most once; anything else is an
// error that says what was wrong and what is allowed.
func parseQuery(raw string, configured []synctype.Entity) (query, error) {
	var q query
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, fmt.Errorf("the query string is not a valid one: %v", err)
	}
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		vs := vals[name]
		if len(vs) > 1 {
			return q, fmt.Errorf("%s is given %d times: give it once", name, len(vs))
		}
		v := vs[0]
		switch name {
		case "entity":
			if v != "" && !slices.Contains(entityNames(configured), v) {
				return q, fmt.Errorf("entity %q is not an entity: use one of %s, or leave it empty for all", cut(v), strings.Join(entityNames(configured), ", "))
			}
			q.filter.Entity = v
		case "outcome":
			if v != "" && !slices.Contains(load.RunStatuses(), v) {
				return q, fmt.Errorf("outcome %q is not a run outcome: use one of %s, or leave it empty for all", cut(v), strings.Join(load.RunStatuses(), ", "))
			}
			q.filter.Status = v
		case "refresh":
			if v != "" && v != "on" && v != "off" {
				return q, fmt.Errorf("refresh %q: use on or off", cut(v))
			}
			q.paused = v == "off"
		default:
			return q, fmt.Errorf("unknown parameter %q: the page takes entity, outcome and refresh", cut(name))
		}
	}
	return q, nil
}

// entityNames are the configured entities' names, then every other
// entity's (the ledger may hold runs of an entity no longer configured).
func entityNames(configured []synctype.Entity) []string {
	var names []string
	for _, e := range configured {
		names = append(names, e.Name)
	}
	for _, e := range synctype.Entities() {
		if !slices.Contains(names, e.Name) {
			names = append(names, e.Name)
		}
	}
	return names
}

// cut shortens a value echoed in an error.
func cut(s string) string { return redact.Cap(s, 60) }
