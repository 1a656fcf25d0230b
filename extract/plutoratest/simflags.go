package plutoratest

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// simFlags are sim's flags: the Options they set directly, and the values
// options turns into Options.
type simFlags struct {
	o                               Options
	sizes                           Sizes
	whitelistPlutora, whitelistTest string
	churn                           time.Duration
	logRequests                     bool
	scale                           float64
	revokeAtRequest                 int64
	lists, summaryFilters, quirks   string
}

// newSimFlags defines sim's flags. A parse error is returned, for the caller
// to print once; -h prints simUsage.
func newSimFlags() (*flag.FlagSet, *simFlags) {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &simFlags{}
	f.defineData(fs)
	f.defineAccess(fs)
	f.defineFaults(fs)
	f.defineAnswers(fs)
	fs.Usage = func() { simUsage(fs) }
	return fs, f
}

// defineData defines where the sandbox listens and what it holds.
func (f *simFlags) defineData(fs *flag.FlagSet) {
	fs.StringVar(&f.o.PlutoraAddr, "plutora-addr", "127.0.0.1:8181", "listen address of Plutora")
	fs.StringVar(&f.o.TestAddr, "test-addr", "127.0.0.1:8282", "listen address of Plutora Test")
	fs.Int64Var(&f.o.Seed, "seed", 1, "seed of the generated data and of the faults")
	fs.Float64Var(&f.scale, "scale", 1, "multiply every default size by this (e.g. 100 for half a million changes)")
	fs.IntVar(&f.sizes.Changes, "changes", 0, "number of changes (0 = default × scale)")
	fs.IntVar(&f.sizes.Releases, "releases", 0, "number of releases")
	fs.IntVar(&f.sizes.Environments, "environments", 0, "number of environments")
	fs.IntVar(&f.sizes.Hosts, "hosts", 0, "number of hosts")
	fs.IntVar(&f.sizes.Systems, "systems", 0, "number of systems")
	fs.IntVar(&f.sizes.Defects, "defects", 0, "number of defects")
	fs.IntVar(&f.sizes.Bookings, "bookings", 0, "number of environment bookings (0 = 5 per environment)")
	fs.IntVar(&f.sizes.TECRs, "tecrs", 0, "number of TECRs (0 = 1 per environment)")
	fs.IntVar(&f.sizes.TEBRs, "tebrs", 0, "number of TEBRs (0 = 2 per 3 environments)")
}

// defineAccess defines the tokens, the budget and the whitelists.
func (f *simFlags) defineAccess(fs *flag.FlagSet) {
	fs.DurationVar(&f.o.TokenTTL, "token-ttl", 23*time.Hour, "token lifetime (expires_in)")
	fs.IntVar(&f.o.Budget, "budget", BudgetPerHour, "requests per client id per window")
	fs.DurationVar(&f.o.Window, "window", time.Hour, "rolling window of the budget")
	fs.IntVar(&f.o.ThrottleStatus, "throttle-status", 429, "status answered over the budget")
	fs.StringVar(&f.whitelistPlutora, "whitelist-plutora", "", "comma-separated addresses/CIDRs admitted by Plutora (empty = all)")
	fs.StringVar(&f.whitelistTest, "whitelist-test", "", "comma-separated addresses/CIDRs admitted by Plutora Test (empty = all)")
	fs.BoolVar(&f.o.WhitelistTokenEndpoint, "whitelist-token", false, "apply the whitelist to /oauth/token too")
	fs.BoolVar(&f.o.NoRefreshToken, "no-refresh-token", false, "token answers without refresh_token (and no refresh_token grant)")
}

// defineFaults defines the faults served on demand.
func (f *simFlags) defineFaults(fs *flag.FlagSet) {
	fs.Float64Var(&f.o.Faults.ServerErrors, "fault-5xx", 0, "share of API calls answered 500/502/503")
	fs.Float64Var(&f.o.Faults.HTMLErrors, "fault-html", 0, "share answered by an HTML error page")
	fs.Float64Var(&f.o.Faults.Truncated, "fault-truncated", 0, "share answered with a truncated body")
	fs.Float64Var(&f.o.Faults.Garbled, "fault-garbled", 0, "share answered with a garbled body")
	fs.Float64Var(&f.o.Faults.Resets, "fault-reset", 0, "share of connections reset")
	fs.Float64Var(&f.o.Faults.ThrottleBursts, "fault-429-bursts", 0, "share of API calls that start a burst of throttled answers")
	fs.IntVar(&f.o.Faults.BurstLength, "burst-length", 5, "throttled answers per burst")
	fs.Int64Var(&f.revokeAtRequest, "revoke-at-request", 0, "revoke all tokens at this API request number (0 = never)")
	fs.DurationVar(&f.churn, "churn", 0, "insert, update and delete records at this interval (0 = off)")
}

// defineAnswers defines the shape of the answers, their latency, the error
// variants and the log.
func (f *simFlags) defineAnswers(fs *flag.FlagSet) {
	fs.StringVar(&f.o.DefectEnvelope, "defect-envelope", "pascal", "Plutora Test list envelope: pascal (Data) or camel (resultSet)")
	fs.DurationVar(&f.o.Latency, "latency", 0, "added latency per API call")
	fs.DurationVar(&f.o.Jitter, "jitter", 0, "added random latency, up to this")
	fs.BoolVar(&f.logRequests, "log", false, "log every request to stderr")
	fs.StringVar(&f.lists, "lists", "default", "GET list items: real (summaries of environments, systems, releases, as the real API), full, or default (= "+DefaultLists.String()+")")
	fs.StringVar(&f.quirks, "quirks", "", "comma-separated robustness cases the real API is not known to give: zero-refs (zero or null required references), null-arrays (hosts and layers null instead of []), null-linked-system, or all")
	fs.StringVar(&f.summaryFilters, "summary-filters", "", "comma-separated entities (changes, releases) whose POST …/filter answers summaries")
	fs.BoolVar(&f.o.Errors.Deny403, "deny-403", false, "answer a whitelist denial with 403 instead of 401")
	fs.BoolVar(&f.o.Errors.UnknownField400, "unknown-field-400", false, "answer a filter on an unknown field with 400 naming it, instead of the real API's 500")
	fs.BoolVar(&f.o.Errors.CapitalMessage, "capital-message", false, `write "Message" in 400 and 404 bodies`)
	fs.BoolVar(&f.o.Errors.ModelState, "model-state", false, "answer validation errors with 400 and modelState")
}

// options checks the parsed flags and returns the sandbox's Options; with
// -log, requests are logged to stderr.
func (f *simFlags) options(stderr io.Writer) (Options, error) {
	o := f.o
	if f.scale <= 0 {
		return o, fmt.Errorf("sim: -scale %v must be positive", f.scale)
	}
	o.Faults.RevokeAtRequest = f.revokeAtRequest
	var err error
	if o.Lists, err = ParseLists(f.lists); err != nil {
		return o, fmt.Errorf("sim: -lists: %w", err)
	}
	if o.Quirks, err = ParseQuirks(f.quirks); err != nil {
		return o, fmt.Errorf("sim: -quirks: %w", err)
	}
	for _, e := range strings.Split(f.summaryFilters, ",") {
		if e = strings.TrimSpace(e); e != "" {
			if o.SummaryFilters == nil {
				o.SummaryFilters = map[string]bool{}
			}
			o.SummaryFilters[e] = true
		}
	}
	o.Sizes = scaled(f.sizes, f.scale)
	if f.logRequests {
		o.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}
	for name, wl := range map[string]string{"-whitelist-plutora": f.whitelistPlutora, "-whitelist-test": f.whitelistTest} {
		if _, err := ParseWhitelist(strings.Split(wl, ",")...); err != nil {
			return o, fmt.Errorf("sim: %s: %w", name, err)
		}
	}
	return o, nil
}
