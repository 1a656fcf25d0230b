package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/extract"
)

// validate checks every field and fills derived endpoints. The problems of
// the variables in unparsed (reported already, read as unset) are not
// reported again. The minimum budget is checked only when everything else
// holds: its arithmetic needs valid values.
func (c *Config) validate(unparsed map[string]bool) error {
	var errs problems
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		errs = append(errs, err)
	}
	if err := c.resolveEndpoints(); err != nil {
		errs = append(errs, err)
	}
	c.checkProducts(&errs)
	c.checkClient(&errs)
	c.checkRuns(&errs)
	errs = append(errs, c.validateDetails()...)
	c.checkProcess(&errs)
	c.checkSchedules(&errs)
	if len(errs) == 0 && len(unparsed) == 0 {
		errs = c.checkMinimumBudget()
	}
	return errs.besides(unparsed)
}

// problems collects one error per problem, each starting with the variable
// it is about.
type problems []error

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Errorf(format, args...)) }

// besides joins the problems, one line each with the package's prefix (cmd
// prints every line), leaving out those of the variables in unparsed.
func (p problems) besides(unparsed map[string]bool) error {
	var out []error
	for _, err := range p {
		name, _, _ := strings.Cut(err.Error(), ":")
		if first, _, _ := strings.Cut(name, " "); !unparsed[first] {
			out = append(out, fmt.Errorf("config: %w", err))
		}
	}
	return errors.Join(out...)
}

// checkProducts checks each enabled product's credentials and endpoints.
func (c *Config) checkProducts(errs *problems) {
	for _, pp := range []struct {
		prefix string
		p      Product
	}{{"PLUTORA_", c.Plutora}, {"PLUTORATEST_", c.PlutoraTest}} {
		prefix, p := pp.prefix, pp.p
		if !p.Enabled() {
			continue
		}
		for _, f := range [][2]string{{"CLIENT_SECRET", p.ClientSecret}, {"USERNAME", p.Username}, {"PASSWORD", p.Password}} {
			if f[1] == "" {
				errs.add("%s%s (or %s%s_FILE) is required when %sCLIENT_ID is set", prefix, f[0], prefix, f[0], prefix)
			}
		}
		for _, f := range [][2]string{{"API_URL", p.APIURL}, {"TOKEN_URL", p.TokenURL}} {
			if f[1] == "" {
				continue // resolveEndpoints said why: a bad or missing PLUTORA_REGION
			}
			if err := extract.CheckBaseURL(f[1]); err != nil {
				errs.add("%s%s: %v", prefix, f[0], err)
			}
		}
	}
}

// checkClient checks the client's settings (Config.Client hands them on).
func (c *Config) checkClient(errs *problems) {
	if c.BudgetPerHour <= 0 {
		errs.add("PLUTORA_BUDGET_PER_HOUR: must be positive, got %d", c.BudgetPerHour)
	}
	if c.BudgetReserve < 0 || c.BudgetReserve >= 1 {
		errs.add("PLUTORA_BUDGET_RESERVE: must be in [0, 1), got %v", c.BudgetReserve)
	}
	if c.PagesInFlight < 1 || c.PagesInFlight > 32 {
		errs.add("PAGES_IN_FLIGHT: must be between 1 and 32, got %d", c.PagesInFlight)
	}
	if c.MaxBodyBytes < 1<<20 || c.MaxBodyBytes > 1<<30 {
		errs.add("MAX_BODY_BYTES: must be between 1 MiB (1048576) and 1 GiB, got %d", c.MaxBodyBytes)
	}
}

// checkRuns checks the settings of the runner and the writer.
func (c *Config) checkRuns(errs *problems) {
	if c.RunTimeout < time.Minute {
		errs.add("RUN_TIMEOUT: must be at least 1m, got %v", c.RunTimeout)
	}
	if c.IncrementalOverlap < 0 {
		errs.add("INCREMENTAL_OVERLAP: must not be negative, got %v", c.IncrementalOverlap)
	}
	if c.QuarantineRetention < 0 {
		errs.add("QUARANTINE_RETENTION: must not be negative (0 keeps every row), got %v", c.QuarantineRetention)
	}
	if c.DeleteMaxShare <= 0 || c.DeleteMaxShare > 1 {
		errs.add("DELETE_MAX_SHARE: must be in (0, 1], got %v", c.DeleteMaxShare)
	}
}

// checkProcess checks the daemon's own settings: shutdown, leadership, the
// status page's token and the log.
func (c *Config) checkProcess(errs *problems) {
	if c.ShutdownTimeout <= 0 {
		errs.add("SHUTDOWN_TIMEOUT: must be positive, got %v", c.ShutdownTimeout)
	}
	if c.LeaderRetry <= 0 || c.LeaderRetry > 30*time.Second {
		errs.add("LEADER_RETRY_INTERVAL: must be in (0, 30s] so that a standby takes over within a minute, got %v", c.LeaderRetry)
	}
	if n := len(c.StatusToken); n > 0 && n < MinStatusToken {
		errs.add("STATUS_TOKEN: %d bytes is too short to be hard to guess: use at least %d (openssl rand -hex 16 makes 32)", n, MinStatusToken)
	}
	switch c.LogFormat {
	case "auto", "json", "text":
	default:
		errs.add("LOG_FORMAT: must be auto, json or text, got %q", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs.add("LOG_LEVEL: must be debug, info, warn or error, got %q", c.LogLevel)
	}
}

// checkSchedules checks the adaptive schedules' bounds and shares and every
// cron spec.
func (c *Config) checkSchedules(errs *problems) {
	if c.PollFloor < time.Second || c.PollCeiling < c.PollFloor {
		errs.add("POLL_FLOOR and POLL_CEILING: want 1s ≤ floor ≤ ceiling, got %v and %v", c.PollFloor, c.PollCeiling)
	}
	if c.PollBudgetShare <= 0 || c.PollBudgetShare > 0.5 {
		errs.add("POLL_BUDGET_SHARE: must be in (0, 0.5] so that sweeps and the census keep the rest, got %v", c.PollBudgetShare)
	} else if c.SweepBudgetShare <= 0 || c.PollBudgetShare+c.SweepBudgetShare > 0.5 {
		errs.add("SWEEP_BUDGET_SHARE: must be positive and at most 0.5 with POLL_BUDGET_SHARE (%v) so that details and the census keep the rest, got %v", c.PollBudgetShare, c.SweepBudgetShare)
	} else {
		c.checkCensusShare(errs)
	}
	if c.CensusFloor < time.Second {
		errs.add("CENSUS_FLOOR: must be at least 1s, got %v", c.CensusFloor)
	}
	for _, s := range c.Schedules() {
		if _, err := ParseSchedule(s.Spec); err != nil {
			errs.add("%s: %v", s.Variable, err)
		}
	}
}

// MaxBudgetShares is the most the adaptive classes of work (polls, sweeps
// and the census) may plan together: a quarter of the key's limit stays for
// the details of new and changed items, the rolling refresh, the pinned
// schedules and the catch-up after an outage.
const MaxBudgetShares = 0.75

// checkCensusShare checks the adaptive census's share with the others.
func (c *Config) checkCensusShare(errs *problems) {
	if others := c.PollBudgetShare + c.SweepBudgetShare; c.CensusBudgetShare <= 0 || others+c.CensusBudgetShare > MaxBudgetShares {
		errs.add("CENSUS_BUDGET_SHARE: must be positive and at most %v with POLL_BUDGET_SHARE and SWEEP_BUDGET_SHARE (%v) so that details, pinned schedules and catching up keep the rest, got %v",
			MaxBudgetShares, others, c.CensusBudgetShare)
	}
}

// resolveEndpoints fills each enabled product's URLs from PLUTORA_REGION or
// the known Plutora Test hosts, unless set explicitly.
func (c *Config) resolveEndpoints() error {
	if strings.TrimSpace(c.Region) != "" {
		e, err := extract.RegionEndpoints(c.Region)
		if err != nil {
			return fmt.Errorf("PLUTORA_REGION: %w, or set PLUTORA_API_URL and PLUTORA_TOKEN_URL", err)
		}
		c.warnOverridden(e)
		if c.Plutora.APIURL == "" {
			c.Plutora.APIURL = e.APIURL
		}
		if c.Plutora.TokenURL == "" {
			c.Plutora.TokenURL = e.TokenURL
		}
	}
	if c.Plutora.Enabled() && (c.Plutora.APIURL == "" || c.Plutora.TokenURL == "") {
		return fmt.Errorf("PLUTORA_REGION (one of %s) or both PLUTORA_API_URL and PLUTORA_TOKEN_URL are required when PLUTORA_CLIENT_ID is set",
			strings.Join(extract.Regions(), ", "))
	}
	test := extract.PlutoraTestEndpoints()
	if c.PlutoraTest.APIURL == "" {
		c.PlutoraTest.APIURL = test.APIURL
	}
	if c.PlutoraTest.TokenURL == "" {
		c.PlutoraTest.TokenURL = test.TokenURL
	}
	return nil
}

// warnOverridden warns when PLUTORA_API_URL or PLUTORA_TOKEN_URL is set
// beside PLUTORA_REGION to another URL than the region's: the URL wins.
func (c *Config) warnOverridden(region extract.Endpoints) {
	var by []string
	if c.Plutora.APIURL != "" && c.Plutora.APIURL != region.APIURL {
		by = append(by, "PLUTORA_API_URL")
	}
	if c.Plutora.TokenURL != "" && c.Plutora.TokenURL != region.TokenURL {
		by = append(by, "PLUTORA_TOKEN_URL")
	}
	if len(by) > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("PLUTORA_REGION=%s is overridden by %s",
			strings.TrimSpace(c.Region), strings.Join(by, " and ")))
	}
}
