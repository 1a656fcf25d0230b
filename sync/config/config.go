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

	// Every default and range of a setting is here (the struct tags and
	// validate); the lower layers take the values as given.
	// BudgetPerHour: the API's limit per key (plutoratest.BudgetPerHour).
	// MaxBodyBytes: 8 MiB, with 4 pages in flight, fits 256 MiB
	// (docs/performance.md, "Memory"). RunTimeout: a sweep of 100,000
	// records is 1,000 pages, minutes at the API's budget.
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
	// (load.QuarantineRetention); 0 keeps them all. 720h: long enough to
	// look into last month's bad records, short enough that the table
	// stays small.
	QuarantineRetention time.Duration `env:"QUARANTINE_RETENTION, default=720h"`

	// EntitySchedules holds each entity's SCHEDULE_<NAME> (synctype.Entity's
	// ScheduleVar), read by a loop over the declarations, not a field each:
	// set or not, the declaration's Schedule is its default. An empty spec
	// refreshes the entity adaptively (Polls): incremental entities are
	// polled within POLL_BUDGET_SHARE, the others swept within
	// SWEEP_BUDGET_SHARE. A cron spec pins the entity.
	EntitySchedules map[string]string
	// entities are the declared entities (nil: synctype.Entities()); the
	// tests of the plan's arithmetic fix them, so that a new declaration
	// changes none of their figures.
	entities []synctype.Entity
	// CensusSchedule, when set, pins every entity's census to this cron
	// spec. Unset (the default), each product's entities are censused in
	// turn within CENSUS_BUDGET_SHARE (Censuses).
	CensusSchedule string `env:"CENSUS_SCHEDULE"`
	// CensusBudgetShare is what the adaptive census of a product may spend:
	// after a census of n requests it waits n × hour / (share × limit).
	// 0.15: at -scale 20 (100,000 changes, 8,000 releases and the rest on
	// one key, 1,900 requests a round) every entity of the key is censused
	// every 31 minutes, so that a deletion shows within the hour
	// (docs/design.md, "The census and deletions", has the arithmetic).
	CensusBudgetShare float64 `env:"CENSUS_BUDGET_SHARE, default=0.15"`
	// CensusFloor is the shortest round of the adaptive census: an entity
	// is censused at most once per CensusFloor, so that a small site is not
	// censused without pause.
	CensusFloor time.Duration `env:"CENSUS_FLOOR, default=15m"`

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
	for _, e := range c.declared() {
		if c.ProductConfig(e.Product).Enabled() {
			out = append(out, e)
		}
	}
	return out
}

// declared returns the declared entities.
func (c *Config) declared() []synctype.Entity {
	if c.entities != nil {
		return c.entities
	}
	return synctype.Entities()
}

// ParseSchedule parses a 5-field cron expression or a descriptor such as
// @hourly or "@every 15m", in UTC.
func ParseSchedule(spec string) (cron.Schedule, error) {
	return cron.ParseStandard(spec)
}
