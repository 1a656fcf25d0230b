package extract

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// The client's own policy: defaults of the Config fields no variable sets
// (the settings sync/config decides have none here).
const (
	DefaultWindow        = time.Hour
	DefaultRenewBefore   = 30 * time.Minute
	DefaultHistoryBucket = time.Minute
	DefaultMaxAttempts   = 6
	DefaultRetryBase     = 250 * time.Millisecond
	DefaultRetryMax      = 20 * time.Second
	DefaultRetryTimeout  = 5 * time.Minute
	DefaultRequestTime   = 2 * time.Minute
	// DefaultMaxRetryAfter caps the hold a 429's Retry-After imposes on the key: a
	// hostile or broken server asking for hours would stop every entity of the key.
	DefaultMaxRetryAfter = 2 * time.Minute
	// RunawaySlackPages are the pages a run may read beyond twice its first totalCount
	// (records inserted while it pages) before Pages stops it as a runaway.
	RunawaySlackPages = 10
	// MaxWholeListPages bounds the pages of a list read whole before any of it is
	// delivered (the lookup values: every type's list, and the list of types): real
	// ones take tens. Past it the run fails as a runaway (docs/operations.md).
	MaxWholeListPages = 500
	// RecordsPerPage is the page size the client asks for: the API's maximum.
	RecordsPerPage = 100
)

// Config configures a Client. The settings sync/config decides (Budget,
// Reserve, PagesInFlight, MaxBodyBytes, ForegroundShare) are taken as given:
// their defaults and ranges are config's, and New only rejects a value it
// cannot work with. Zero policy fields (the window, token renewal, retries)
// take the defaults above.
type Config struct {
	Product   synctype.Product
	Endpoints Endpoints

	ClientID, ClientSecret, Username, Password string

	Budget        int           // requests per Window for this API key; required
	Reserve       float64       // share of Budget left for other users of the key; 0 leaves none
	Window        time.Duration // the budget's rolling window; default 1h
	PagesInFlight int           // pages fetched concurrently by Pages; required
	RenewBefore   time.Duration // renew a token when less than this is left; default 30m
	MaxBodyBytes  int64         // largest response body read, and most a list read whole may hold; required
	HTTPClient    *http.Client  // optional base client (its Transport is used; redirects are always refused)
	History       BudgetHistory // optional; nil → the pacer starts empty and keeps counts in memory
	// HistoryBucket is the width of the buckets History stores counts in; default 1 minute
	// (what the Postgres implementation stores). Tests that compress the window shrink it.
	HistoryBucket time.Duration
	Observer      Observer // optional; nil → TallyObserver (a run's counts, no metrics)
	Now           func() time.Time
	Logger        *slog.Logger

	// Retry policy for transient faults (5xx, 429, resets, timeouts, truncated bodies).
	MaxAttempts    int           // attempts per request, 429s not counted; default 6
	RetryBase      time.Duration // first backoff; default 250ms (doubles, with jitter)
	RetryMax       time.Duration // largest single backoff; default 20s
	RetryTimeout   time.Duration // total time spent on one request; default 5m
	RequestTimeout time.Duration // one attempt, body included; default 2m
	MaxRetryAfter  time.Duration // longest hold a 429's Retry-After imposes; default 2m

	// ForegroundShare is the share of the limit (Budget less Reserve) that background
	// requests (synctype.WithBackground: the census) leave to the others: they wait while
	// the rolling window holds more than the rest. 0 sets no class apart.
	ForegroundShare float64
}

// limit is the number of requests the pacer admits per window.
func (c *Config) limit() int { return int(math.Floor(float64(c.Budget) * (1 - c.Reserve))) }

// withDefaults fills the zero policy fields and validates the result. Every message
// names the field at fault.
func (c Config) withDefaults() (Config, error) {
	c.fillDefaults()
	var errs problems
	c.checkAccess(&errs)
	c.checkBudget(&errs)
	c.checkPolicy(&errs)
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("extract: config: %w", err)
	}
	return c, nil
}

// fillDefaults gives the zero policy and optional fields their defaults.
func (c *Config) fillDefaults() {
	setDefault(&c.Window, DefaultWindow)
	setDefault(&c.RenewBefore, DefaultRenewBefore)
	setDefault(&c.HistoryBucket, DefaultHistoryBucket)
	setDefault(&c.MaxAttempts, DefaultMaxAttempts)
	setDefault(&c.RetryBase, DefaultRetryBase)
	setDefault(&c.RetryMax, DefaultRetryMax)
	setDefault(&c.RetryTimeout, DefaultRetryTimeout)
	setDefault(&c.RequestTimeout, DefaultRequestTime)
	setDefault(&c.MaxRetryAfter, DefaultMaxRetryAfter)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Observer == nil {
		c.Observer = TallyObserver{}
	}
}

// problems collects one error per field at fault.
type problems []error

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Errorf(format, args...)) }

// checkAccess checks what reaching the API takes: the product, its
// endpoints and the credentials.
func (c *Config) checkAccess(errs *problems) {
	if c.Product != synctype.ProductPlutora && c.Product != synctype.ProductPlutoraTest {
		errs.add("Product %q: want %q or %q", c.Product, synctype.ProductPlutora, synctype.ProductPlutoraTest)
	}
	if err := CheckBaseURL(c.Endpoints.APIURL); err != nil {
		errs.add("Endpoints.APIURL: %w", err)
	}
	if err := CheckBaseURL(c.Endpoints.TokenURL); err != nil {
		errs.add("Endpoints.TokenURL: %w", err)
	}
	for _, f := range []struct{ name, v string }{
		{"ClientID", c.ClientID}, {"ClientSecret", c.ClientSecret},
		{"Username", c.Username}, {"Password", c.Password},
	} {
		if strings.TrimSpace(f.v) == "" {
			errs.add("%s is empty", f.name)
		}
	}
}

// checkBudget checks the budget and the reserve: they must leave a request
// per window.
func (c *Config) checkBudget(errs *problems) {
	if c.Budget <= 0 {
		errs.add("Budget %d: want a positive number of requests", c.Budget)
	}
	if c.Reserve < 0 {
		errs.add("Reserve %v is negative", c.Reserve)
	} else if c.Budget > 0 && c.limit() < 1 {
		errs.add("Budget %d with Reserve %v leaves no request per window", c.Budget, c.Reserve)
	}
}

// checkPolicy checks the durations, the share and the sizes the client
// works with.
func (c *Config) checkPolicy(errs *problems) {
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"Window", c.Window}, {"RenewBefore", c.RenewBefore}, {"HistoryBucket", c.HistoryBucket},
		{"RetryBase", c.RetryBase}, {"RetryMax", c.RetryMax}, {"RetryTimeout", c.RetryTimeout},
		{"RequestTimeout", c.RequestTimeout}, {"MaxRetryAfter", c.MaxRetryAfter},
	} {
		if f.v < 0 {
			errs.add("%s %v is negative", f.name, f.v)
		}
	}
	if c.ForegroundShare < 0 || c.ForegroundShare >= 1 {
		errs.add("ForegroundShare %v: want a share in [0, 1)", c.ForegroundShare)
	}
	if c.PagesInFlight < 1 {
		errs.add("PagesInFlight %d: want at least 1", c.PagesInFlight)
	}
	if c.MaxBodyBytes <= 0 {
		errs.add("MaxBodyBytes %d: want a positive number of bytes", c.MaxBodyBytes)
	}
	if c.MaxAttempts < 0 {
		errs.add("MaxAttempts %d is negative", c.MaxAttempts)
	}
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}
