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

// Defaults of the optional Config fields.
const (
	DefaultBudget        = 26000
	DefaultReserve       = 0.05
	DefaultWindow        = time.Hour
	DefaultPagesInFlight = 4
	DefaultRenewBefore   = 30 * time.Minute
	DefaultMaxBodyBytes  = 8 << 20 // with 4 pages in flight, fits 256 MiB (docs/performance.md, "Memory")
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
	// NoReserve as Config.Reserve leaves no reserve (zero means the default).
	NoReserve = -1.0
	// RecordsPerPage is the page size the client asks for: the API's maximum.
	RecordsPerPage = 100
)

// Config configures a Client. Zero optional fields take the defaults above.
type Config struct {
	Product   synctype.Product
	Endpoints Endpoints

	ClientID, ClientSecret, Username, Password string

	Budget        int           // requests per Window for this API key; default 26000
	Reserve       float64       // share of Budget left for other users of the key; default 0.05, NoReserve for none
	Window        time.Duration // the budget's rolling window; default 1h
	PagesInFlight int           // pages fetched concurrently by Pages; default 4
	RenewBefore   time.Duration // renew a token when less than this is left; default 30m
	MaxBodyBytes  int64         // largest response body read, and most a list read whole may hold; default 8 MiB
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
	// the rolling window holds more than the rest. 0 (the default) sets no class apart.
	ForegroundShare float64
}

// limit is the number of requests the pacer admits per window.
func (c *Config) limit() int { return int(math.Floor(float64(c.Budget) * (1 - c.Reserve))) }

// withDefaults fills the zero optional fields and validates the result. Every message
// names the field at fault.
func (c Config) withDefaults() (Config, error) {
	setDefault(&c.Budget, DefaultBudget)
	setDefault(&c.Window, DefaultWindow)
	setDefault(&c.PagesInFlight, DefaultPagesInFlight)
	setDefault(&c.RenewBefore, DefaultRenewBefore)
	setDefault(&c.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&c.HistoryBucket, DefaultHistoryBucket)
	setDefault(&c.MaxAttempts, DefaultMaxAttempts)
	setDefault(&c.RetryBase, DefaultRetryBase)
	setDefault(&c.RetryMax, DefaultRetryMax)
	setDefault(&c.RetryTimeout, DefaultRetryTimeout)
	setDefault(&c.RequestTimeout, DefaultRequestTime)
	setDefault(&c.MaxRetryAfter, DefaultMaxRetryAfter)
	switch {
	case c.Reserve == 0:
		c.Reserve = DefaultReserve
	case c.Reserve < 0:
		c.Reserve = 0 // NoReserve
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Observer == nil {
		c.Observer = TallyObserver{}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Product != synctype.ProductPlutora && c.Product != synctype.ProductPlutoraTest {
		bad("Product %q: want %q or %q", c.Product, synctype.ProductPlutora, synctype.ProductPlutoraTest)
	}
	if err := CheckBaseURL(c.Endpoints.APIURL); err != nil {
		bad("Endpoints.APIURL: %w", err)
	}
	if err := CheckBaseURL(c.Endpoints.TokenURL); err != nil {
		bad("Endpoints.TokenURL: %w", err)
	}
	for _, f := range []struct{ name, v string }{
		{"ClientID", c.ClientID}, {"ClientSecret", c.ClientSecret},
		{"Username", c.Username}, {"Password", c.Password},
	} {
		if strings.TrimSpace(f.v) == "" {
			bad("%s is empty", f.name)
		}
	}
	if c.Budget < 0 {
		bad("Budget %d is negative", c.Budget)
	}
	if c.Reserve >= 1 {
		bad("Reserve %v: want a share below 1", c.Reserve)
	} else if c.Budget > 0 && c.limit() < 1 {
		bad("Budget %d with Reserve %v leaves no request per window", c.Budget, c.Reserve)
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"Window", c.Window}, {"RenewBefore", c.RenewBefore}, {"HistoryBucket", c.HistoryBucket},
		{"RetryBase", c.RetryBase}, {"RetryMax", c.RetryMax}, {"RetryTimeout", c.RetryTimeout},
		{"RequestTimeout", c.RequestTimeout}, {"MaxRetryAfter", c.MaxRetryAfter},
	} {
		if f.v < 0 {
			bad("%s %v is negative", f.name, f.v)
		}
	}
	if c.ForegroundShare < 0 || c.ForegroundShare >= 1 {
		bad("ForegroundShare %v: want a share in [0, 1)", c.ForegroundShare)
	}
	if c.PagesInFlight < 0 || c.PagesInFlight > 64 {
		bad("PagesInFlight %d: want 1..64", c.PagesInFlight)
	}
	if c.MaxBodyBytes < 0 {
		bad("MaxBodyBytes %d is negative", c.MaxBodyBytes)
	}
	if c.MaxAttempts < 0 {
		bad("MaxAttempts %d is negative", c.MaxAttempts)
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("extract: config: %w", err)
	}
	return c, nil
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}
