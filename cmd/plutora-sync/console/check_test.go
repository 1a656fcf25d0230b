package console

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync/config"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 2, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := newEmptyDB(t)
	cfg := loadConfig(t, sandboxEnv(sb, dsn))
	var out bytes.Buffer
	if err := Migrate(context.Background(), cfg, testLogger(t), &out, false); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Check(context.Background(), cfg, testLogger(t), &out); err != nil {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	for _, check := range []string{"config", "database", "plutora token+whitelist", "plutoratest token+whitelist", "budget plan plutora", "budget plan plutoratest",
		"census plutora", "census plutoratest"} {
		if got := checkResult(out.String(), check); got != "ok" {
			t.Errorf("check %q: %q, want ok:\n%s", check, got, out.String())
		}
	}
	// The adaptive census (issue 29 point 3): how long a round takes within
	// its share, and each entity's part in the plan's CENSUS column.
	if !strings.Contains(out.String(), "census plutora               ok    every entity once every 15m0s: 114 requests a round at CENSUS_BUDGET_SHARE 0.15") {
		t.Errorf("check does not show the census round and share:\n%s", out.String())
	}
	if !strings.Contains(out.String(), `answered "sync.bot@example.com"`) {
		t.Errorf("check does not show /me's answer:\n%s", out.String())
	}
	// A whitelist that does not admit this host fails the check, naming it.
	sb.Plutora.SetWhitelist("203.0.113.0/24")
	out.Reset()
	err = Check(context.Background(), cfg, testLogger(t), &out)
	if err == nil || checkResult(out.String(), "plutora token+whitelist") != "FAIL" || !strings.Contains(out.String(), "IP whitelist must admit") {
		t.Fatalf("check with a whitelist: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), sb.Plutora.Credentials().ClientSecret) || strings.Contains(out.String(), sb.Plutora.Credentials().Password) {
		t.Error("check output leaks a secret")
	}
}

// checkResult returns the verdict (ok, FAIL, skip) of the named check.
func checkResult(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return f[0]
			}
		}
	}
	return ""
}

// check prints the warning as a WARN line for a database on the network,
// none for a loopback one; the warning itself fails nothing.
func TestCheckWarnsOnUnverifiedRemoteDatabase(t *testing.T) {
	unsetPGEnv(t)
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 3, Sizes: smallSizes})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	for _, tt := range []struct {
		dsn  string
		warn bool
	}{
		// TEST-NET-1: nothing answers, the database check fails either way.
		{"postgres://u:pw@192.0.2.1:5432/plutora?sslmode=require&connect_timeout=1", true},
		{"postgres://u:pw@127.0.0.1:1/plutora?sslmode=disable&connect_timeout=1", false},
	} {
		var out bytes.Buffer
		_ = Check(context.Background(), loadConfig(t, sandboxEnv(sb, tt.dsn)), testLogger(t), &out)
		got := checkResult(out.String(), "database tls")
		if tt.warn && got != "WARN" || !tt.warn && got != "" {
			t.Errorf("%s: database tls %q, want warning %v:\n%s", tt.dsn, got, tt.warn, out.String())
		}
		if tt.warn && !strings.Contains(out.String(), "192.0.2.1 is not loopback and sslmode=require") {
			t.Errorf("the warning does not name the host and sslmode:\n%s", out.String())
		}
		if checkResult(out.String(), "plutora token+whitelist") != "ok" {
			t.Errorf("%s: the other checks did not run:\n%s", tt.dsn, out.String())
		}
	}
}

// TestCheckCensusLine: check says how long the adaptive census takes to go
// round a product at its share, warns when deletions would take over an
// hour to show, and names the cron spec of a pinned census.
func TestCheckCensusLine(t *testing.T) {
	cfg := &config.Config{BudgetPerHour: 26000, BudgetReserve: 0.05, CensusBudgetShare: 0.15, CensusFloor: 15 * time.Minute}
	for _, tt := range []struct {
		plan  config.Plan
		state string
		want  string
	}{
		{config.Plan{Product: "plutora", CensusRound: 31 * time.Minute, CensusRequests: 1900}, "ok",
			"every entity once every 31m0s: 1900 requests a round at CENSUS_BUDGET_SHARE 0.15 (3705 an hour), at least CENSUS_FLOOR 15m0s"},
		{config.Plan{Product: "plutora", CensusRound: 8*time.Hour + 20*time.Minute, CensusRequests: 30_900}, "WARN",
			"raise CENSUS_BUDGET_SHARE for deletions within the hour"},
		{config.Plan{Product: "plutora"}, "ok", ""},
	} {
		var out bytes.Buffer
		c := &checkLines{out: &out}
		if tt.plan.CensusRound == 0 {
			cfg.CensusSchedule, tt.want = "30 2 * * *", `every entity on CENSUS_SCHEDULE "30 2 * * *"`
		}
		c.census(cfg, tt.plan)
		text := strings.Join(strings.Fields(out.String()), " ")
		if got := checkResult(out.String(), "census plutora"); got != tt.state || !strings.Contains(text, tt.want) {
			t.Errorf("census line %q, want %s and %q", out.String(), tt.state, tt.want)
		}
	}
}
