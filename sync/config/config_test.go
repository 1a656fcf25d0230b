package config

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func plutoraEnv() map[string]string {
	return map[string]string{
		"PLUTORA_REGION":        "us",
		"PLUTORA_CLIENT_ID":     "id",
		"PLUTORA_CLIENT_SECRET": "secret",
		"PLUTORA_USERNAME":      "me@example.com",
		"PLUTORA_PASSWORD":      "pw",
	}
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestLoadDefaults(t *testing.T) {
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(plutoraEnv()))
	if err != nil {
		t.Fatal(err)
	}
	fixEntities(c)
	if c.DatabaseURL != DefaultDatabaseURL || c.BudgetPerHour != plutoratest.BudgetPerHour || c.ShutdownTimeout != 30*time.Second ||
		c.MetricsAddr != ":9090" || c.IncrementalOverlap != 10*time.Second || c.PagesInFlight != 4 {
		t.Errorf("defaults: %+v", c)
	}
	if c.Plutora.APIURL != "https://usapi.plutora.com" || c.Plutora.TokenURL != "https://usoauth.plutora.com/oauth/token" {
		t.Errorf("region endpoints: %q %q", c.Plutora.APIURL, c.Plutora.TokenURL)
	}
	if c.PlutoraTest.Enabled() {
		t.Error("plutoratest enabled without credentials")
	}
	got := c.EnabledEntities()
	if len(got) != 9 { // 5 records and 4 reference lists
		t.Errorf("enabled entities: %v", got)
	}
	if err := c.RequireProduct(); err != nil {
		t.Error(err)
	}
	// Four reference sweeps; changes and releases are polled, environments,
	// hosts and systems swept adaptively, and every entity censused in turn
	// within 15% of the budget less reserve, each at most every 15 minutes.
	if n := len(c.Schedules()); n != 4 {
		t.Errorf("schedules: %d, want 4", n)
	}
	if cs := c.Censuses(); len(cs) != 1 || cs[0].Product != synctype.ProductPlutora || len(cs[0].Entities) != 9 ||
		cs[0].Entities[0] != "changes" || cs[0].PerHour != 3705 || cs[0].Step != 100*time.Second {
		t.Errorf("censuses: %+v, want plutora's 9 entities at 3705 requests an hour, a step of 100s", cs)
	}
	if c.PollFloor != 5*time.Second || c.PollCeiling != 2*time.Minute || c.PollBudgetShare != 0.02 || c.SweepBudgetShare != 0.008 || len(c.Polls()) != 5 {
		t.Errorf("polls: floor %v ceiling %v shares %v %v: %+v", c.PollFloor, c.PollCeiling, c.PollBudgetShare, c.SweepBudgetShare, c.Polls())
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown region", with(plutoraEnv(), "PLUTORA_REGION", "mars"), `PLUTORA_REGION: unknown region "mars"`},
		{"bad cron", with(plutoraEnv(), "SCHEDULE_CHANGES", "every now and then"), "SCHEDULE_CHANGES: "},
		{"bad census cron", with(plutoraEnv(), "CENSUS_SCHEDULE", "61 * * * *"), "CENSUS_SCHEDULE: "},
		{"census floor", with(plutoraEnv(), "CENSUS_FLOOR", "0s"), "CENSUS_FLOOR: must be at least 1s, got 0s"},
		{"budget too small", with(plutoraEnv(), "PLUTORA_BUDGET_PER_HOUR", "10"), "PLUTORA_BUDGET_PER_HOUR: 10 requests per hour"},
		{"budget names schedule", with(plutoraEnv(), "SCHEDULE_HOSTS", "@every 1s", "PLUTORA_BUDGET_PER_HOUR", "3000"), "relax SCHEDULE_HOSTS"},
		{"budget not a number", with(plutoraEnv(), "PLUTORA_BUDGET_PER_HOUR", "lots"), "PLUTORA_BUDGET_PER_HOUR: "},
		{"bad duration", with(plutoraEnv(), "SHUTDOWN_TIMEOUT", "soon"), "SHUTDOWN_TIMEOUT: "},
		{"reserve", with(plutoraEnv(), "PLUTORA_BUDGET_RESERVE", "1.5"), "PLUTORA_BUDGET_RESERVE: must be in [0, 1)"},
		{"missing password", with(plutoraEnv(), "PLUTORA_PASSWORD", ""), "PLUTORA_PASSWORD (or PLUTORA_PASSWORD_FILE) is required"},
		{"no region", with(plutoraEnv(), "PLUTORA_REGION", ""), "PLUTORA_REGION (one of us, uk, au, eu) or both PLUTORA_API_URL"},
		{"http not loopback", with(plutoraEnv(), "PLUTORA_API_URL", "http://example.com"), "PLUTORA_API_URL: \"http://example.com\": only https"},
		{"both secret and file", with(plutoraEnv(), "PLUTORA_CLIENT_SECRET_FILE", secret), "PLUTORA_CLIENT_SECRET and PLUTORA_CLIENT_SECRET_FILE are both set"},
		{"missing file", with(plutoraEnv(), "PLUTORA_PASSWORD", "", "PLUTORA_PASSWORD_FILE", filepath.Join(dir, "nope")), "PLUTORA_PASSWORD_FILE: open"},
		{"log format", with(plutoraEnv(), "LOG_FORMAT", "xml"), "LOG_FORMAT: must be auto, json or text"},
		{"leader retry", with(plutoraEnv(), "LEADER_RETRY_INTERVAL", "2m"), "LEADER_RETRY_INTERVAL: must be in (0, 30s]"},
		{"delete share", with(plutoraEnv(), "DELETE_MAX_SHARE", "0"), "DELETE_MAX_SHARE: must be in (0, 1]"},
		{"pages in flight", with(plutoraEnv(), "PAGES_IN_FLIGHT", "0"), "PAGES_IN_FLIGHT: must be between 1 and 32"},
		{"status token short", with(plutoraEnv(), "STATUS_TOKEN", "hunter2"), "STATUS_TOKEN: 7 bytes is too short to be hard to guess: use at least 16"},
		{"status token twice", with(plutoraEnv(), "STATUS_TOKEN", "0123456789abcdef", "STATUS_TOKEN_FILE", secret), "STATUS_TOKEN and STATUS_TOKEN_FILE are both set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFrom(context.Background(), envconfig.MapLookuper(tt.env))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "secret\"") {
				t.Errorf("error leaks a secret: %q", err)
			}
		})
	}
}

func TestRegions(t *testing.T) {
	for _, tt := range []struct{ region, host string }{
		{"us", "us"}, {"uk", "uk"}, {"au", "au"}, {"eu", "eu"}, {"US", "us"}, {" Eu ", "eu"},
	} {
		c, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), "PLUTORA_REGION", tt.region)))
		if err != nil {
			t.Fatalf("PLUTORA_REGION=%q: %v", tt.region, err)
		}
		if c.Plutora.APIURL != "https://"+tt.host+"api.plutora.com" || c.Plutora.TokenURL != "https://"+tt.host+"oauth.plutora.com/oauth/token" {
			t.Errorf("PLUTORA_REGION=%q: endpoints %q %q", tt.region, c.Plutora.APIURL, c.Plutora.TokenURL)
		}
	}
	// An explicit URL wins over the region's.
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), "PLUTORA_REGION", "EU", "PLUTORA_API_URL", "http://127.0.0.1:8080")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Plutora.APIURL != "http://127.0.0.1:8080" || c.Plutora.TokenURL != "https://euoauth.plutora.com/oauth/token" {
		t.Errorf("explicit API URL with a region: %q %q", c.Plutora.APIURL, c.Plutora.TokenURL)
	}
	// ... and the region, set to no effect, is warned about.
	if want := []string{"PLUTORA_REGION=EU is overridden by PLUTORA_API_URL"}; !slices.Equal(c.Warnings, want) {
		t.Errorf("warnings %q, want %q", c.Warnings, want)
	}
	c, err = LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), "PLUTORA_REGION", "eu",
		"PLUTORA_API_URL", "https://euapi.plutora.com", "PLUTORA_TOKEN_URL", "https://x.example.com/oauth/token")))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"PLUTORA_REGION=eu is overridden by PLUTORA_TOKEN_URL"}; !slices.Equal(c.Warnings, want) {
		t.Errorf("warnings %q, want %q (the API URL is the region's own)", c.Warnings, want)
	}
}

// TestEndpointErrors checks whole messages: a bad region is reported once,
// without lines about the URLs it would have set (issue 17).
func TestEndpointErrors(t *testing.T) {
	const accepted = "want one of us, uk, au, eu (any case), or set PLUTORA_API_URL and PLUTORA_TOKEN_URL"
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown region", with(plutoraEnv(), "PLUTORA_REGION", "eu-west"),
			`config: PLUTORA_REGION: unknown region "eu-west": ` + accepted},
		{"region with a space inside", with(plutoraEnv(), "PLUTORA_REGION", " u k "),
			`config: PLUTORA_REGION: unknown region " u k ": ` + accepted},
		{"unknown region, API URL set", with(plutoraEnv(), "PLUTORA_REGION", "usa", "PLUTORA_API_URL", "https://usapi.plutora.com"),
			`config: PLUTORA_REGION: unknown region "usa": ` + accepted},
		{"blank region", with(plutoraEnv(), "PLUTORA_REGION", "  "),
			"config: PLUTORA_REGION (one of us, uk, au, eu) or both PLUTORA_API_URL and PLUTORA_TOKEN_URL are required when PLUTORA_CLIENT_ID is set"},
		{"credentials in API URL", with(plutoraEnv(), "PLUTORA_API_URL", "https://bob:hunter2@usapi.plutora.com"),
			`config: PLUTORA_API_URL: "https://xxxxx@usapi.plutora.com": credentials in URLs are not allowed`},
		{"http token URL", with(plutoraEnv(), "PLUTORA_TOKEN_URL", "http://usoauth.plutora.com/oauth/token"),
			`config: PLUTORA_TOKEN_URL: "http://usoauth.plutora.com/oauth/token": only https is allowed, except for loopback addresses`},
		{"relative test API URL", with(plutoraEnv(), "PLUTORATEST_CLIENT_ID", "t", "PLUTORATEST_CLIENT_SECRET", "t",
			"PLUTORATEST_USERNAME", "t", "PLUTORATEST_PASSWORD", "t", "PLUTORATEST_API_URL", "apips.plutora.com"),
			`config: PLUTORATEST_API_URL: "apips.plutora.com" has no host`},
		{"ftp test token URL", with(plutoraEnv(), "PLUTORATEST_CLIENT_ID", "t", "PLUTORATEST_CLIENT_SECRET", "t",
			"PLUTORATEST_USERNAME", "t", "PLUTORATEST_PASSWORD", "t", "PLUTORATEST_TOKEN_URL", "ftp://oauthps.plutora.com/oauth/token"),
			`config: PLUTORATEST_TOKEN_URL: "ftp://oauthps.plutora.com/oauth/token": scheme "ftp", want https`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFrom(context.Background(), envconfig.MapLookuper(tt.env))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v\nwant  %s", err, tt.want)
			}
		})
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, v string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := map[string]string{
		"PLUTORATEST_CLIENT_ID_FILE":     write("id", "tid\n"),
		"PLUTORATEST_CLIENT_SECRET_FILE": write("secret", "tsecret\n"),
		"PLUTORATEST_USERNAME":           "qa@example.com",
		"PLUTORATEST_PASSWORD_FILE":      write("pw", "tpw"),
		"DATABASE_URL_FILE":              write("db", "postgres://u:p@db/x\n"),
	}
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	p := c.PlutoraTest
	if p.ClientID != "tid" || p.ClientSecret != "tsecret" || p.Password != "tpw" || c.DatabaseURL != "postgres://u:p@db/x" {
		t.Errorf("files not read: %+v %q", p, c.DatabaseURL)
	}
	if test := extract.PlutoraTestEndpoints(); p.APIURL != test.APIURL || p.TokenURL != test.TokenURL {
		t.Errorf("plutoratest endpoints: %q %q", p.APIURL, p.TokenURL)
	}
	if c.Plutora.Enabled() {
		t.Error("plutora enabled without credentials")
	}
	if got := c.EnabledEntities(); len(got) != 1 || got[0].Name != "defects" {
		t.Errorf("entities: %v", got)
	}
}

func TestRequireProduct(t *testing.T) {
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequireProduct(); err == nil || !strings.Contains(err.Error(), "PLUTORA_CLIENT_ID") {
		t.Errorf("RequireProduct: %v", err)
	}
}

// TestPlanBudget plans the busiest hour of a census pinned to a nightly
// cron (CENSUS_SCHEDULE set).
func TestPlanBudget(t *testing.T) {
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), "CENSUS_SCHEDULE", "30 2 * * *")))
	if err != nil {
		t.Fatal(err)
	}
	fixEntities(c)
	from := time.Date(2026, 3, 2, 10, 17, 0, 0, time.UTC)
	const ref = 1 + 1 + (1 + LookupTypesPlanned) + 1 // organizations, users, lookup_values, environment_groups
	tests := []struct {
		name     string
		totals   map[string]int
		requests int
		over     bool
		relax    string
	}{
		// Busiest hour is the census hour: the polls of changes and releases
		// (2% of 24,700 between them: 247 each), the adaptive sweeps of
		// environments, hosts and systems (0.8%: 65.9 each, planned as 66),
		// 5 census runs, and the reference lists' hourly sweep and census
		// each (a lookup_values run is 1 + LookupTypesPlanned requests).
		{"unknown sizes", nil, 494 + 3*66 + 5 + 2*ref, false, ""},
		// A census of known size may also confirm up to DELETE_MAX_SHARE (10%)
		// of its rows, at most 100, after one probe: 101+101+51+11+6. The
		// adaptive sweeps spend their share whatever the sizes.
		{"sized", map[string]int{"changes": 250_000, "releases": 1000, "hosts": 500, "environments": 100, "systems": 50},
			494 + 3*66 + (2500 + 10 + 5 + 1 + 1) + 270 + 2*ref, false, ""},
		{"too big", map[string]int{"changes": 3_000_000, "releases": 1000, "hosts": 500, "environments": 100, "systems": 50},
			494 + 3*66 + (30000 + 10 + 5 + 1 + 1) + 270 + 2*ref, true, "relax CENSUS_SCHEDULE (census of changes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans, err := c.PlanBudget(from, tt.totals)
			if err != nil {
				t.Fatal(err)
			}
			if len(plans) != 1 {
				t.Fatalf("plans: %v", plans)
			}
			p := plans[0]
			if p.Requests != tt.requests || p.Over() != tt.over || p.Limit != 24700 {
				t.Errorf("plan %s: requests %d over %v limit %d, want %d %v", p, p.Requests, p.Over(), p.Limit, tt.requests, tt.over)
			}
			if p.PeakHour.Hour() != 2 {
				t.Errorf("peak hour %v, want the census hour 02:00", p.PeakHour)
			}
			if !strings.Contains(p.Advice(), tt.relax) || (tt.relax == "") != (p.Advice() == "") {
				t.Errorf("advice %q, want %q", p.Advice(), tt.relax)
			}
		})
	}
}

// TestPlanAdaptiveCensus (issue 29 point 3): with CENSUS_SCHEDULE unset the
// census of a product goes round its entities within CENSUS_BUDGET_SHARE
// (15% of 24,700: 3,705 requests an hour), each census waiting its
// requests' part of the share, at least CENSUS_FLOOR over the entities (15
// minutes over 9: 100 s). The plan counts the round in every hour, spread
// over the entities by their cost; a site too big for the share is never
// over the budget, its round only takes longer.
func TestPlanAdaptiveCensus(t *testing.T) {
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(plutoraEnv()))
	if err != nil {
		t.Fatal(err)
	}
	fixEntities(c)
	const step = 100.0 / 3600 // hours
	sized := map[string]int{"changes": 250_000, "releases": 1000, "hosts": 500, "environments": 100, "systems": 50}
	huge := map[string]int{"changes": 3_000_000, "releases": 1000, "hosts": 500, "environments": 100, "systems": 50}
	tests := []struct {
		name           string
		totals         map[string]int
		requests       int     // in the busiest hour
		roundRequests  int     // of a census of every entity
		roundHours     float64 // how long a round takes
		changesPerHour float64
	}{
		// One page each, lookup_values 41: every census waits the step, a
		// round takes the floor. The hour: the polls (494), the adaptive
		// sweeps (3 × 66), the census (8 × 4 + 164) and the reference
		// lists' hourly sweeps (44).
		{"unknown sizes", nil, 494 + 198 + (8*4 + 164) + 44, 49, 9 * step, 4},
		// changes: 2,500 pages, 100 confirmations and the probe (2,601),
		// releases 10 + 100 + 1; hosts 5 + 50 + 1, environments 1 + 10 + 1
		// and systems 1 + 5 + 1 wait the step, as the reference lists do.
		{"sized", sized, 494 + 198 + (2808 + 120 + 61 + 13 + 8 + 3*2 + 45) + 44, 2831,
			2601.0/3705 + 111.0/3705 + 7*step, 2601 / (2601.0/3705 + 111.0/3705 + 7*step)},
		{"too big for the share", huge, 0, 30331,
			30101.0/3705 + 111.0/3705 + 7*step, 30101 / (30101.0/3705 + 111.0/3705 + 7*step)},
	}
	near := func(a, b, eps float64) bool { return a-b < eps && b-a < eps }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans, err := c.PlanBudget(time.Date(2026, 3, 2, 10, 17, 0, 0, time.UTC), tt.totals)
			if err != nil {
				t.Fatal(err)
			}
			p := plans[0]
			if (tt.requests != 0 && p.Requests != tt.requests) || p.Over() {
				t.Errorf("plan %s: %d requests, over %v; want %d, not over", p, p.Requests, p.Over(), tt.requests)
			}
			if p.CensusRequests != tt.roundRequests || !near(p.CensusRound.Hours(), tt.roundHours, 1e-6) {
				t.Errorf("census round: %d requests in %v, want %d in %.4f h", p.CensusRequests, p.CensusRound, tt.roundRequests, tt.roundHours)
			}
			if got := p.Entities[0]; got.Entity != "changes" || !near(got.Census, tt.changesPerHour, 1e-3) {
				t.Errorf("changes: %+v, want a census of %.3f requests an hour", got, tt.changesPerHour)
			}
			census := 0.0
			for _, e := range p.Entities {
				census += e.Census
			}
			if census > 3705+1e-6 {
				t.Errorf("the census plans %.1f requests an hour, over its share of 3705", census)
			}
		})
	}
}

// TestDatabaseURLErrors checks whole messages: a DATABASE_URL that lib/pq
// cannot use is a configuration error that names the variable and says
// what is wrong without quoting the value, which holds the password.
func TestDatabaseURLErrors(t *testing.T) {
	const forms = "want postgres://user:password@host:5432/dbname?sslmode=verify-full, or key=value pairs such as host=db dbname=plutora"
	tests := []struct{ dsn, want string }{
		{"mysql://u:s3cret@db/x", "config: DATABASE_URL: a mysql:// URL is not a PostgreSQL connection string: " + forms},
		{"postgres://u:s3cret@db:port5432/x",
			"config: DATABASE_URL: not a valid URL: the port is not a number"},
		{"postgres://u:s3cr%et@db/x",
			"config: DATABASE_URL: not a valid URL: a % not followed by two hex digits (percent-encode special characters of the user name and password: % as %25, @ as %40, / as %2F)"},
		{"postgres://u:s3cret@d b/x", "config: DATABASE_URL: not a valid URL: an invalid character in the host"},
		{"postgres://u:s3cret@db/x?sslmode=sure",
			"config: DATABASE_URL: the value of sslmode is not one of disable, allow, prefer, require, verify-full, or verify-ca"},
		{"host=db port= password=s3cret", "config: DATABASE_URL: the value of port is not valid"},
		{"host=db password='s3cret", "config: DATABASE_URL: a quoted value is not closed"},
		{"s3cret", `config: DATABASE_URL: neither a URL nor key=value pairs (a word without "="): ` + forms},
	}
	for _, tt := range tests {
		_, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), "DATABASE_URL", tt.dsn)))
		if err == nil || err.Error() != tt.want {
			t.Errorf("DATABASE_URL=%q:\nerror %v\nwant  %s", tt.dsn, err, tt.want)
		}
	}
	for _, dsn := range []string{"postgres://u:s3cret@db:5433/x?sslmode=verify-full", "postgresql://db/x", "host=db port=5433 user=u password='s 3' dbname=x"} {
		if _, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), "DATABASE_URL", dsn))); err != nil {
			t.Errorf("DATABASE_URL=%q: %v", dsn, err)
		}
	}
}

// TestEveryProblemOnce checks whole messages: each bad value is reported
// once, on its own line with its own prefix, in a fixed order; values Go
// cannot parse are described in words.
func TestEveryProblemOnce(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"two bad values", with(plutoraEnv(), "PAGES_IN_FLIGHT", "0", "LOG_FORMAT", "xml"),
			"config: PAGES_IN_FLIGHT: must be between 1 and 32, got 0\nconfig: LOG_FORMAT: must be auto, json or text, got \"xml\""},
		{"three missing credentials", with(plutoraEnv(), "PLUTORA_CLIENT_SECRET", "", "PLUTORA_USERNAME", "", "PLUTORA_PASSWORD", ""),
			"config: PLUTORA_CLIENT_SECRET (or PLUTORA_CLIENT_SECRET_FILE) is required when PLUTORA_CLIENT_ID is set\n" +
				"config: PLUTORA_USERNAME (or PLUTORA_USERNAME_FILE) is required when PLUTORA_CLIENT_ID is set\n" +
				"config: PLUTORA_PASSWORD (or PLUTORA_PASSWORD_FILE) is required when PLUTORA_CLIENT_ID is set"},
		{"not a number", with(plutoraEnv(), "PAGES_IN_FLIGHT", "four"), `config: PAGES_IN_FLIGHT: "four" is not a number`},
		{"not a float", with(plutoraEnv(), "DELETE_MAX_SHARE", "10%"), `config: DELETE_MAX_SHARE: "10%" is not a number`},
		{"not a duration", with(plutoraEnv(), "SHUTDOWN_TIMEOUT", "soon"), `config: SHUTDOWN_TIMEOUT: "soon" is not a duration such as 30s, 5m or 1h30m`},
		{"duration without unit", with(plutoraEnv(), "INCREMENTAL_OVERLAP", "5"), `config: INCREMENTAL_OVERLAP: "5" is not a duration such as 30s, 5m or 1h30m`},
		// A value Go cannot parse hides no other: each is said, then the
		// values that parse but are wrong; POLL_FLOOR's own checks are not
		// run again on the default that stands in for it.
		{"parse errors beside bad values", with(plutoraEnv(), "POLL_FLOOR", "abc", "PAGES_IN_FLIGHT", "zz", "LOG_FORMAT", "xml",
			"RUN_TIMEOUT", "1s", "POLL_CEILING", "1s"),
			"config: PAGES_IN_FLIGHT: \"zz\" is not a number\n" +
				"config: POLL_FLOOR: \"abc\" is not a duration such as 30s, 5m or 1h30m\n" +
				"config: RUN_TIMEOUT: must be at least 1m, got 1s\n" +
				"config: LOG_FORMAT: must be auto, json or text, got \"xml\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 3 { // map order must not change the message
				_, err := LoadFrom(context.Background(), envconfig.MapLookuper(tt.env))
				if err == nil || err.Error() != tt.want {
					t.Fatalf("error %v\nwant  %s", err, tt.want)
				}
			}
		})
	}
}

// TestPlanPerEntity checks each entity's requests per hour by class of
// work, averaged over the planned week, and its share of the budget, with
// the census pinned to a nightly cron.
func TestPlanPerEntity(t *testing.T) {
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), "CENSUS_SCHEDULE", "30 2 * * *")))
	if err != nil {
		t.Fatal(err)
	}
	fixEntities(c)
	plans, err := c.PlanBudget(time.Date(2026, 3, 2, 10, 17, 0, 0, time.UTC), map[string]int{"changes": 250_000, "hosts": 500})
	if err != nil {
		t.Fatal(err)
	}
	want := []EntityPlan{
		// Polls within half of the 2% poll share; a daily census of 2,500
		// pages, the 100 confirmations and the probe.
		{Entity: "changes", Size: 250_000, Polls: 247, Census: 2601.0 / 24},
		{Entity: "releases", Polls: 247, Census: 1.0 / 24},
		// Adaptive sweeps within a third of the 0.8% sweep share each,
		// whatever their size; the census of hosts confirms at most 10% (50).
		{Entity: "environments", Sweep: 197.6 / 3, Census: 1.0 / 24},
		{Entity: "hosts", Size: 500, Sweep: 197.6 / 3, Census: 56.0 / 24},
		{Entity: "systems", Sweep: 197.6 / 3, Census: 1.0 / 24},
		{Entity: "organizations", Sweep: 1, Census: 1.0 / 24},
		{Entity: "users", Sweep: 1, Census: 1.0 / 24},
		// The types, then one request per type, whatever the size.
		{Entity: "lookup_values", Sweep: 41, Census: 41.0 / 24},
		{Entity: "environment_groups", Sweep: 1, Census: 1.0 / 24},
	}
	got := plans[0].Entities
	if len(got) != len(want) {
		t.Fatalf("entities %+v, want %+v", got, want)
	}
	near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
	for i, w := range want {
		g := got[i]
		if g.Entity != w.Entity || g.Size != w.Size || !near(g.Polls, w.Polls) || !near(g.Incremental, w.Incremental) || !near(g.Sweep, w.Sweep) ||
			!near(g.Census, w.Census) || !near(g.Share, w.PerHour()/24700) {
			t.Errorf("entity %d: %+v, want %+v (share %v)", i, g, w, w.PerHour()/24700)
		}
	}
	// What a poll that falls back to a sweep may spend: the rest.
	used := 0.0
	for _, w := range want {
		used += w.PerHour()
	}
	if spare := plans[0].Spare(); !near(spare, 24700-used) || spare < 23_000 {
		t.Errorf("spare %v requests an hour, want the limit less every class: %v", spare, 24700-used)
	}
}

// TestPolls checks which entities are refreshed adaptively and with what
// budget: a SCHEDULE_* pins its entity to cron and leaves its share to the
// others of its kind; sweeps run as soon as their share allows (floor =
// ceiling); bad settings name their variable.
func TestPolls(t *testing.T) {
	c, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(),
		"SCHEDULE_CHANGES", "*/15 * * * *", "SCHEDULE_HOSTS", "10 * * * *", "SWEEP_BUDGET_SHARE", "0.02")))
	if err != nil {
		t.Fatal(err)
	}
	fixEntities(c)
	want := []Poll{
		{Product: synctype.ProductPlutora, Entity: "releases", Mode: synctype.ModeIncremental, Variable: "POLL_BUDGET_SHARE", PerHour: 494, Floor: 5 * time.Second, Ceiling: 2 * time.Minute},
		{Product: synctype.ProductPlutora, Entity: "environments", Mode: synctype.ModeSweep, Variable: "SWEEP_BUDGET_SHARE", PerHour: 247, Floor: 5 * time.Second, Ceiling: 5 * time.Second},
		{Product: synctype.ProductPlutora, Entity: "systems", Mode: synctype.ModeSweep, Variable: "SWEEP_BUDGET_SHARE", PerHour: 247, Floor: 5 * time.Second, Ceiling: 5 * time.Second},
	}
	if p := c.Polls(); !slices.Equal(p, want) {
		t.Errorf("polls %+v\nwant  %+v", p, want)
	}
	pinned := map[string]string{}
	for _, s := range c.Schedules() {
		if s.Mode != synctype.ModeCensus {
			pinned[s.Entity+" "+string(s.Mode)] = s.Spec
		}
	}
	if pinned["changes incremental"] != "*/15 * * * *" || pinned["hosts sweep"] != "10 * * * *" || len(pinned) != 6 {
		t.Errorf("pinned schedules %v, want changes, hosts and the four reference lists", pinned)
	}
	for env, want := range map[string]string{
		"POLL_FLOOR=0s":            "config: POLL_FLOOR and POLL_CEILING: want 1s ≤ floor ≤ ceiling, got 0s and 2m0s",
		"POLL_CEILING=1s":          "config: POLL_FLOOR and POLL_CEILING: want 1s ≤ floor ≤ ceiling, got 5s and 1s",
		"POLL_BUDGET_SHARE=0.9":    "config: POLL_BUDGET_SHARE: must be in (0, 0.5] so that sweeps and the census keep the rest, got 0.9",
		"POLL_BUDGET_SHARE=-0.1":   "config: POLL_BUDGET_SHARE: must be in (0, 0.5] so that sweeps and the census keep the rest, got -0.1",
		"SWEEP_BUDGET_SHARE=0":     "config: SWEEP_BUDGET_SHARE: must be positive and at most 0.5 with POLL_BUDGET_SHARE (0.02) so that details and the census keep the rest, got 0",
		"SWEEP_BUDGET_SHARE=0.49":  "config: SWEEP_BUDGET_SHARE: must be positive and at most 0.5 with POLL_BUDGET_SHARE (0.02) so that details and the census keep the rest, got 0.49",
		"CENSUS_BUDGET_SHARE=0":    "config: CENSUS_BUDGET_SHARE: must be positive and at most 0.75 with POLL_BUDGET_SHARE and SWEEP_BUDGET_SHARE (0.028) so that details, pinned schedules and catching up keep the rest, got 0",
		"CENSUS_BUDGET_SHARE=0.73": "config: CENSUS_BUDGET_SHARE: must be positive and at most 0.75 with POLL_BUDGET_SHARE and SWEEP_BUDGET_SHARE (0.028) so that details, pinned schedules and catching up keep the rest, got 0.73",
	} {
		k, v, _ := strings.Cut(env, "=")
		if _, err := LoadFrom(context.Background(), envconfig.MapLookuper(with(plutoraEnv(), k, v))); err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %s", env, err, want)
		}
	}
}

// fixEntities fixes the entities c plans for to the ten the figures of these
// tests were worked out for, so that a new declaration changes none of them.
func fixEntities(c *Config) {
	c.entities = nil
	for _, name := range []string{"changes", "releases", "environments", "hosts", "systems", "defects",
		"organizations", "users", "lookup_values", "environment_groups"} {
		e, _ := synctype.EntityByName(name)
		c.entities = append(c.entities, e)
	}
}
