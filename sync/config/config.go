// Package config reads the daemon's configuration from the environment
// (github.com/sethvargo/go-envconfig), reads secrets from files where a
// …_FILE variable is set, and validates everything at start with messages that
// name the variable and the problem.
package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/robfig/cron/v3"
	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/extract"
)

// Config is the whole configuration. Every field comes from one environment
// variable; docs/configuration.md lists them with their defaults.
type Config struct {
	DatabaseURL     string `env:"DATABASE_URL"`
	DatabaseURLFile string `env:"DATABASE_URL_FILE"`
	// DatabaseURLDefault: neither DATABASE_URL nor its _FILE was set, and
	// DatabaseURL is DefaultDatabaseURL (demo then uses a database of its own).
	DatabaseURLDefault bool
	// Warnings are settings that have no effect, one line each, for every
	// command to show (a region that PLUTORA_API_URL overrides).
	Warnings []string

	Region      string  `env:"PLUTORA_REGION"`
	Plutora     Product `env:", prefix=PLUTORA_"`
	PlutoraTest Product `env:", prefix=PLUTORATEST_"`

	BudgetPerHour      int           `env:"PLUTORA_BUDGET_PER_HOUR, default=26000"`
	BudgetReserve      float64       `env:"PLUTORA_BUDGET_RESERVE, default=0.05"`
	PagesInFlight      int           `env:"PAGES_IN_FLIGHT, default=4"`
	MaxBodyBytes       int64         `env:"MAX_BODY_BYTES, default=8388608"`
	RunTimeout         time.Duration `env:"RUN_TIMEOUT, default=3h"`
	IncrementalOverlap time.Duration `env:"INCREMENTAL_OVERLAP, default=10s"`
	DeleteMaxShare     float64       `env:"DELETE_MAX_SHARE, default=0.1"`
	ListKinds          string        `env:"LIST_KINDS"`
	DetailRefresh      time.Duration `env:"DETAIL_REFRESH, default=24h"`
	// QuarantineRetention is how long resolved quarantine rows are kept
	// (load.QuarantineRetention); 0 keeps them all.
	QuarantineRetention time.Duration `env:"QUARANTINE_RETENTION, default=720h"`

	// EntitySchedules holds each entity's SCHEDULE_<NAME> (synctype.Entity's
	// ScheduleVar), read by a loop over the declarations, not a field each:
	// set or not, the declaration's Schedule is its default. An empty spec
	// refreshes the entity adaptively (Polls): incremental entities are
	// polled within POLL_BUDGET_SHARE, the others swept within
	// SWEEP_BUDGET_SHARE. A cron spec pins the entity.
	EntitySchedules map[string]string
	CensusSchedule  string `env:"CENSUS_SCHEDULE, default=30 2 * * *"`

	PollFloor       time.Duration `env:"POLL_FLOOR, default=5s"`
	PollCeiling     time.Duration `env:"POLL_CEILING, default=2m"`
	PollBudgetShare float64       `env:"POLL_BUDGET_SHARE, default=0.02"`
	// SweepBudgetShare is what the adaptive sweeps (hosts, environments,
	// systems) may spend: each sweeps again as soon as its part allows.
	SweepBudgetShare float64 `env:"SWEEP_BUDGET_SHARE, default=0.008"`

	LogFormat       string        `env:"LOG_FORMAT, default=auto"`
	LogLevel        string        `env:"LOG_LEVEL, default=info"`
	MetricsAddr     string        `env:"METRICS_ADDR, default=:9090"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT, default=30s"`
	LeaderRetry     time.Duration `env:"LEADER_RETRY_INTERVAL, default=15s"`
	// StatusToken, when set, is required to see the status page (as a
	// bearer token or the basic-auth password).
	StatusToken     string `env:"STATUS_TOKEN"`
	StatusTokenFile string `env:"STATUS_TOKEN_FILE"`
}

// Product holds one product's endpoints and API key. A product is synced only
// when its CLIENT_ID is set.
type Product struct {
	// Site names the site the product's API belongs to, for leadership
	// (sync.LeaderKeys): needed only when replicas reach one site by
	// different hosts (a proxy). Unset, the API host names it.
	Site             string `env:"SITE"`
	APIURL           string `env:"API_URL"`
	TokenURL         string `env:"TOKEN_URL"`
	ClientID         string `env:"CLIENT_ID"`
	ClientIDFile     string `env:"CLIENT_ID_FILE"`
	ClientSecret     string `env:"CLIENT_SECRET"`
	ClientSecretFile string `env:"CLIENT_SECRET_FILE"`
	Username         string `env:"USERNAME"`
	UsernameFile     string `env:"USERNAME_FILE"`
	Password         string `env:"PASSWORD"`
	PasswordFile     string `env:"PASSWORD_FILE"`
}

// MinStatusToken is the shortest STATUS_TOKEN accepted, in bytes.
const MinStatusToken = 16

// Enabled reports whether the product has credentials.
func (p Product) Enabled() bool { return p.ClientID != "" }

// DefaultDatabaseURL is the local PostgreSQL used when DATABASE_URL is unset.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/plutora?sslmode=disable"

// Load reads the configuration from the process environment.
func Load(ctx context.Context) (*Config, error) {
	return LoadFrom(ctx, envconfig.OsLookuper())
}

// LoadFrom reads the configuration through l (tests pass a map) and validates
// it. Products without a CLIENT_ID are left disabled; see RequireProduct.
func LoadFrom(ctx context.Context, l envconfig.Lookuper) (*Config, error) {
	c, unparsed := process(ctx, l)
	c.EntitySchedules = entitySchedules(l)
	if err := c.readFiles(); err != nil {
		return nil, errors.Join(append(unparsed, err)...)
	}
	if err := c.validate(skipping(unparsed)); err != nil || len(unparsed) > 0 {
		return nil, errors.Join(append(unparsed, err)...)
	}
	return c, nil
}

// process reads the variables into a Config. envconfig stops at the first
// value it cannot parse: each such variable is reported and read again as
// unset, until every other value is in, so that every bad value is said at
// once. The variables reported are in unparsed's errors, one each.
func process(ctx context.Context, l envconfig.Lookuper) (_ *Config, unparsed []error) {
	hidden := hidingLookuper{Lookuper: l, hide: map[string]bool{}}
	for {
		var c Config
		err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &c, Lookuper: hidden})
		if err == nil {
			return &c, unparsed
		}
		msg := nameVariable(err)
		name, _, _ := strings.Cut(msg, ":")
		unparsed = append(unparsed, unparsedError{name: name, msg: "config: " + msg})
		if hidden.hide[name] || name == "" { // cannot be set aside: give up here
			return &c, unparsed
		}
		hidden.hide[name] = true
	}
}

// entitySchedules reads every entity's SCHEDULE_* variable through l: unset
// is the declaration's default; set, even to "", is what it says.
func entitySchedules(l envconfig.Lookuper) map[string]string {
	out := map[string]string{}
	for _, e := range synctype.Entities() {
		spec, ok := l.Lookup(e.ScheduleVar())
		if !ok {
			spec = e.Schedule
		}
		out[e.Name] = spec
	}
	return out
}

// unparsedError is a variable whose value could not be parsed.
type unparsedError struct{ name, msg string }

func (e unparsedError) Error() string { return e.msg }

// skipping returns the names of the variables of unparsed.
func skipping(unparsed []error) map[string]bool {
	names := map[string]bool{}
	for _, err := range unparsed {
		if u, ok := err.(unparsedError); ok {
			names[u.name] = true
		}
	}
	return names
}

// hidingLookuper reads the variables of l except those in hide.
type hidingLookuper struct {
	envconfig.Lookuper
	hide map[string]bool
}

func (h hidingLookuper) Lookup(key string) (string, bool) {
	if h.hide[key] {
		return "", false
	}
	return h.Lookuper.Lookup(key)
}

// nameVariable replaces envconfig's leading Go field name by the variable,
// and Go's parse errors by words about the value.
func nameVariable(err error) string {
	msg := err.Error()
	field, rest, _ := strings.Cut(msg, ": ")
	var num *strconv.NumError
	switch q := strings.Index(rest, `"`); {
	case errors.As(err, &num):
		msg = fmt.Sprintf("%s: %q is not a number", field, num.Num)
	case strings.HasPrefix(rest, "time: ") && q >= 0:
		msg = fmt.Sprintf("%s: %s is not a duration such as 30s, 5m or 1h30m", field, rest[q:])
	}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if key != "" && strings.HasPrefix(msg, f.Name+":") {
			return key + strings.TrimPrefix(msg, f.Name)
		}
	}
	return msg
}

// readFiles resolves every …_FILE variable into its value.
func (c *Config) readFiles() error {
	if err := readSecret("DATABASE_URL", &c.DatabaseURL, c.DatabaseURLFile); err != nil {
		return err
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL, c.DatabaseURLDefault = DefaultDatabaseURL, true
	}
	if err := readSecret("STATUS_TOKEN", &c.StatusToken, c.StatusTokenFile); err != nil {
		return err
	}
	for _, pp := range []struct {
		prefix string
		p      *Product
	}{{"PLUTORA_", &c.Plutora}, {"PLUTORATEST_", &c.PlutoraTest}} {
		prefix, p := pp.prefix, pp.p
		for _, s := range []struct {
			name  string
			value *string
			file  string
		}{
			{"CLIENT_ID", &p.ClientID, p.ClientIDFile},
			{"CLIENT_SECRET", &p.ClientSecret, p.ClientSecretFile},
			{"USERNAME", &p.Username, p.UsernameFile},
			{"PASSWORD", &p.Password, p.PasswordFile},
		} {
			if err := readSecret(prefix+s.name, s.value, s.file); err != nil {
				return err
			}
		}
	}
	return nil
}

// readSecret fills *value from file when file is set. Setting both the
// variable and its _FILE twin is an error, to avoid guessing which one wins.
func readSecret(name string, value *string, file string) error {
	if file == "" {
		return nil
	}
	if *value != "" {
		return fmt.Errorf("config: %s and %s_FILE are both set: set only one", name, name)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("config: %s_FILE: %w", name, err)
	}
	*value = strings.TrimRight(string(b), "\r\n")
	if *value == "" {
		return fmt.Errorf("config: %s_FILE: %s is empty", name, file)
	}
	return nil
}

// validate checks every field and fills derived endpoints. The problems of
// the variables in unparsed (reported already, read as unset) are not
// reported again.
func (c *Config) validate(unparsed map[string]bool) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		errs = append(errs, err)
	}
	if err := c.resolveEndpoints(); err != nil {
		errs = append(errs, err)
	}
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
				bad("%s%s (or %s%s_FILE) is required when %sCLIENT_ID is set", prefix, f[0], prefix, f[0], prefix)
			}
		}
		for _, f := range [][2]string{{"API_URL", p.APIURL}, {"TOKEN_URL", p.TokenURL}} {
			if f[1] == "" {
				continue // resolveEndpoints said why: a bad or missing PLUTORA_REGION
			}
			if err := extract.CheckBaseURL(f[1]); err != nil {
				bad("%s%s: %v", prefix, f[0], err)
			}
		}
	}
	if c.BudgetPerHour <= 0 {
		bad("PLUTORA_BUDGET_PER_HOUR: must be positive, got %d", c.BudgetPerHour)
	}
	if c.BudgetReserve < 0 || c.BudgetReserve >= 1 {
		bad("PLUTORA_BUDGET_RESERVE: must be in [0, 1), got %v", c.BudgetReserve)
	}
	if c.PagesInFlight < 1 || c.PagesInFlight > 32 {
		bad("PAGES_IN_FLIGHT: must be between 1 and 32, got %d", c.PagesInFlight)
	}
	if c.MaxBodyBytes < 1<<20 || c.MaxBodyBytes > 1<<30 {
		bad("MAX_BODY_BYTES: must be between 1 MiB (1048576) and 1 GiB, got %d", c.MaxBodyBytes)
	}
	if c.RunTimeout < time.Minute {
		bad("RUN_TIMEOUT: must be at least 1m, got %v", c.RunTimeout)
	}
	if c.IncrementalOverlap < 0 {
		bad("INCREMENTAL_OVERLAP: must not be negative, got %v", c.IncrementalOverlap)
	}
	if c.QuarantineRetention < 0 {
		bad("QUARANTINE_RETENTION: must not be negative (0 keeps every row), got %v", c.QuarantineRetention)
	}
	if c.DeleteMaxShare <= 0 || c.DeleteMaxShare > 1 {
		bad("DELETE_MAX_SHARE: must be in (0, 1], got %v", c.DeleteMaxShare)
	}
	errs = append(errs, c.validateDetails()...)
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT: must be positive, got %v", c.ShutdownTimeout)
	}
	if c.LeaderRetry <= 0 || c.LeaderRetry > 30*time.Second {
		bad("LEADER_RETRY_INTERVAL: must be in (0, 30s] so that a standby takes over within a minute, got %v", c.LeaderRetry)
	}
	if n := len(c.StatusToken); n > 0 && n < MinStatusToken {
		bad("STATUS_TOKEN: %d bytes is too short to be hard to guess: use at least %d (openssl rand -hex 16 makes 32)", n, MinStatusToken)
	}
	switch c.LogFormat {
	case "auto", "json", "text":
	default:
		bad("LOG_FORMAT: must be auto, json or text, got %q", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL: must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.PollFloor < time.Second || c.PollCeiling < c.PollFloor {
		bad("POLL_FLOOR and POLL_CEILING: want 1s ≤ floor ≤ ceiling, got %v and %v", c.PollFloor, c.PollCeiling)
	}
	if c.PollBudgetShare <= 0 || c.PollBudgetShare > 0.5 {
		bad("POLL_BUDGET_SHARE: must be in (0, 0.5] so that sweeps and the census keep the rest, got %v", c.PollBudgetShare)
	} else if c.SweepBudgetShare <= 0 || c.PollBudgetShare+c.SweepBudgetShare > 0.5 {
		bad("SWEEP_BUDGET_SHARE: must be positive and at most 0.5 with POLL_BUDGET_SHARE (%v) so that details and the census keep the rest, got %v", c.PollBudgetShare, c.SweepBudgetShare)
	}
	for _, s := range c.Schedules() {
		if _, err := ParseSchedule(s.Spec); err != nil {
			bad("%s: %v", s.Variable, err)
		}
	}
	if len(errs) == 0 && len(unparsed) == 0 {
		errs = c.checkMinimumBudget()
	}
	// One line per problem, each with its prefix (cmd prints every line).
	var out []error
	for _, err := range errs {
		name, _, _ := strings.Cut(err.Error(), ":")
		if first, _, _ := strings.Cut(name, " "); !unparsed[first] {
			out = append(out, fmt.Errorf("config: %w", err))
		}
	}
	return errors.Join(out...)
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

// RequireProduct returns an error unless at least one product has credentials.
func (c *Config) RequireProduct() error {
	if !c.Plutora.Enabled() && !c.PlutoraTest.Enabled() {
		return errors.New("config: no product configured: set PLUTORA_CLIENT_ID (and its secret, username, password, region) or PLUTORATEST_CLIENT_ID")
	}
	return nil
}

// ProductConfig returns the settings of the named product.
func (c *Config) ProductConfig(product synctype.Product) Product {
	if product == synctype.ProductPlutoraTest {
		return c.PlutoraTest
	}
	return c.Plutora
}

// EnabledEntities lists the entities of the products that have credentials.
func (c *Config) EnabledEntities() []synctype.Entity {
	var out []synctype.Entity
	for _, e := range synctype.Entities() {
		if c.ProductConfig(e.Product).Enabled() {
			out = append(out, e)
		}
	}
	return out
}

// ParseSchedule parses a 5-field cron expression or a descriptor such as
// @hourly or "@every 15m", in UTC.
func ParseSchedule(spec string) (cron.Schedule, error) {
	return cron.ParseStandard(spec)
}
