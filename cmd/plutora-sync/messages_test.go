package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/load/loadtest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestMessages checks the whole of what an operator reads on stderr for
// each mistake: every problem once, one "plutora-sync:" prefix per line, no
// prefix doubled, no secret echoed (issue 17).
func TestMessages(t *testing.T) {
	t.Setenv("PLUTORA_CLIENT_ID", "")
	t.Setenv("PLUTORATEST_CLIENT_ID", "")
	const unreachable = "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
	missing, name, server := missingDatabase(t)
	host, port, _ := strings.Cut(server, ":")
	apiKey := map[string]string{"PLUTORA_CLIENT_ID": "id", "PLUTORA_CLIENT_SECRET": "s3cret", "PLUTORA_USERNAME": "u", "PLUTORA_PASSWORD": "p"}
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string
		stdout string // checked when set
	}{
		{"missing database", []string{"status"}, map[string]string{"DATABASE_URL": missing}, exitFailed,
			"plutora-sync: database \"" + name + "\" does not exist on " + server + ": create it with plutora-sync migrate --create-database, or createdb -h " + host + " -p " + port + " " + name + "\n", ""},
		{"region overridden", []string{"status"}, with(apiKey, "DATABASE_URL", missing, "PLUTORA_REGION", "EU", "PLUTORA_API_URL", "https://plutora.example.com"), exitFailed,
			"plutora-sync: config: warning: PLUTORA_REGION=EU is overridden by PLUTORA_API_URL\n" +
				"plutora-sync: database \"" + name + "\" does not exist on " + server + ": create it with plutora-sync migrate --create-database, or createdb -h " + host + " -p " + port + " " + name + "\n", ""},
		{"every bad value, unparsable ones too", []string{"status"}, map[string]string{"POLL_FLOOR": "abc", "PAGES_IN_FLIGHT": "zz", "LOG_FORMAT": "xml"}, exitConfig,
			"plutora-sync: config: PAGES_IN_FLIGHT: \"zz\" is not a number\n" +
				"plutora-sync: config: POLL_FLOOR: \"abc\" is not a duration such as 30s, 5m or 1h30m\n" +
				"plutora-sync: config: LOG_FORMAT: must be auto, json or text, got \"xml\"\n", ""},
		{"check with bad values", []string{"check"}, map[string]string{"PAGES_IN_FLIGHT": "0", "LOG_FORMAT": "xml"}, exitConfig,
			"plutora-sync: check: 1 failed: config\n",
			"config                       FAIL  PAGES_IN_FLIGHT: must be between 1 and 32, got 0\n" +
				"                                   LOG_FORMAT: must be auto, json or text, got \"xml\"\n"},
		{"unknown flag", []string{"status", "--bogus"}, nil, exitUsage,
			"plutora-sync: status: flag provided but not defined: -bogus\nRun \"plutora-sync status --help\" for usage.\n", ""},
		{"unknown flag of sim", []string{"sim", "--bogus"}, nil, exitUsage,
			"plutora-sync: sim: flag provided but not defined: -bogus\nRun \"plutora-sync sim --help\" for usage.\n", ""},
		{"bad flag value", []string{"demo", "--scale", "x"}, nil, exitUsage,
			"plutora-sync: demo: invalid value \"x\" for flag -scale: parse error\nRun \"plutora-sync demo --help\" for usage.\n", ""},
		{"extra argument", []string{"version", "now"}, nil, exitUsage,
			"plutora-sync: version: unexpected argument \"now\"\nRun \"plutora-sync version --help\" for usage.\n", ""},
		{"unknown entity", []string{"sync", "tickets"}, nil, exitUsage,
			"plutora-sync: unknown entity \"tickets\": use one of " + strings.Join(sortedEntityNames(), ", ") + "\nRun \"plutora-sync sync --help\" for usage.\n", ""},
		{"two bad values", []string{"status"}, map[string]string{"PAGES_IN_FLIGHT": "0", "LOG_FORMAT": "xml"}, exitConfig,
			"plutora-sync: config: PAGES_IN_FLIGHT: must be between 1 and 32, got 0\nplutora-sync: config: LOG_FORMAT: must be auto, json or text, got \"xml\"\n", ""},
		{"DATABASE_URL of another database", []string{"status"}, map[string]string{"DATABASE_URL": "mysql://u:s3cret@db/x"}, exitConfig,
			"plutora-sync: config: DATABASE_URL: a mysql:// URL is not a PostgreSQL connection string: want postgres://user:password@host:5432/dbname?sslmode=verify-full, or key=value pairs such as host=db dbname=plutora\n", ""},
		{"DATABASE_URL mistyped", []string{"migrate"}, map[string]string{"DATABASE_URL": "host=db port= password=s3cret"}, exitConfig,
			"plutora-sync: config: DATABASE_URL: the value of port is not valid\n", ""},
		{"no product", []string{"run"}, nil, exitConfig,
			"plutora-sync: config: no product configured: set PLUTORA_CLIENT_ID (and its secret, username, password, region) or PLUTORATEST_CLIENT_ID\n", ""},
		{"failed checks named once", []string{"check"}, map[string]string{"DATABASE_URL": unreachable}, exitFailed,
			"plutora-sync: check: 2 failed: config, database\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out, errb bytes.Buffer
			code := Main(context.Background(), tt.args, &out, &errb)
			if code != tt.code || errb.String() != tt.stderr {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", code, errb.String(), tt.code, tt.stderr)
			}
			if tt.stdout != "" && out.String() != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", out.String(), tt.stdout)
			}
			if strings.Contains(out.String()+errb.String(), "s3cret") {
				t.Error("a secret of DATABASE_URL is echoed")
			}
		})
	}
}

// TestCheckLinesOnce: each check's line says why it failed without
// repeating its own name.
func TestCheckLinesOnce(t *testing.T) {
	t.Setenv("PLUTORA_CLIENT_ID", "")
	t.Setenv("PLUTORATEST_CLIENT_ID", "")
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2")
	var out, errb bytes.Buffer
	Main(context.Background(), []string{"check"}, &out, &errb)
	want := "config                       FAIL  no product configured: set PLUTORA_CLIENT_ID"
	if !strings.Contains(out.String(), want) || strings.Contains(out.String(), "config: config:") {
		t.Errorf("check output lacks %q:\n%s", want, out.String())
	}
	if !strings.Contains(out.String(), "\nPRODUCT      ENTITY              SIZE     POLLS  INCREMENTAL  SWEEPS  DETAILS  CENSUS  TOTAL  OF BUDGET\n") {
		t.Errorf("check prints no plan per entity:\n%s", out.String())
	}
}

// missingDatabase returns the URL of a database that does not exist on the
// tests' server, its name, and the server's host:port.
func missingDatabase(t *testing.T) (dsn, name, server string) {
	t.Helper()
	u, err := url.Parse(loadtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	name = fmt.Sprintf("plutora_missing_%d", time.Now().UnixNano())
	u.Path = "/" + name
	return u.String(), name, net.JoinHostPort(u.Hostname(), cmp.Or(u.Port(), "5432"))
}

// with returns a copy of m with more key, value pairs.
func with(m map[string]string, kv ...string) map[string]string {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestRefusedKeyMessage is the whole of what sync prints when Plutora
// refuses the API key (here a wrong client secret): one log line that says
// why, the product beside each entity in the table, and an error that
// counts them; the refusal's text once (issue 28 counted it 27 times).
func TestRefusedKeyMessage(t *testing.T) {
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 9, Sizes: plutoratest.Sizes{Changes: 10}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, dsn := loadtest.NewEmptyDB(t)
	t.Setenv("PLUTORATEST_CLIENT_ID", "")
	for k, v := range workertest.ProductEnv(sb.Plutora) {
		t.Setenv(k, v)
	}
	t.Setenv("PLUTORA_CLIENT_SECRET", "not-the-secret")
	t.Setenv("DATABASE_URL", dsn)
	t.Setenv("LOG_LEVEL", "warn")
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"migrate"}, &out, &errb); code != exitOK {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	code := Main(context.Background(), []string{"sync"}, &out, &errb)
	host := strings.TrimPrefix(sb.Plutora.URL, "http://")
	got := strings.ReplaceAll(errb.String(), host, "HOST")
	got = regexp.MustCompile(`"time":"[^"]+"`).ReplaceAllString(got, `"time":"T"`)
	t.Logf("stderr:\n%s", got)
	lines := strings.Split(got, "\n")
	// The log line, the table (a header, a row per entity, the requests),
	// the command's error; the rows' durations and requests vary.
	var entities []string // Plutora's, in declaration order
	for _, e := range synctype.Entities() {
		if e.Product == synctype.ProductPlutora {
			entities = append(entities, e.Name)
		}
	}
	want := []string{`{"time":"T","level":"ERROR","msg":"API key refused: its entities were not synced","product":"plutora",` +
		`"entities":"` + strings.Join(entities, ",") + `",` +
		`"error":"token request to HOST: invalid credentials (invalid_client: The client credentials are invalid): ` +
		`check the client id, client secret, user name and password of HOST"}`,
		"",
		"entity              mode   inserted  updated  unchanged  deleted  quarantined  requests  duration  result"}
	if code != exitFailed || len(lines) != len(want)+len(entities)+3 || strings.Join(lines[:len(want)], "\n") != strings.Join(want, "\n") {
		t.Fatalf("exit %d, stderr starting:\n%s\nwant exit %d, %d lines, starting:\n%s", code, got, exitFailed, len(want)+len(entities)+3, strings.Join(want, "\n"))
	}
	for i, e := range entities {
		row := regexp.MustCompile(`^` + e + ` +sweep +0 +0 +0 +0 +0 +\d+ +\S+  failed: plutora: invalid credentials \(logged once, above\)$`)
		if l := lines[len(want)+i]; !row.MatchString(l) {
			t.Errorf("row %q, want %s", l, row)
		}
	}
	rest := lines[len(want)+len(entities):]
	if !strings.HasPrefix(rest[0], "requests sent: plutora ") || rest[1] != fmt.Sprintf("plutora-sync: sync: %d of %d entities failed: ", len(entities), len(entities))+
		"the entities of plutora: invalid credentials (the log and the table above say why)" || rest[2] != "" {
		t.Errorf("stderr ends:\n%s", strings.Join(rest, "\n"))
	}
}

// sortedEntityNames are the declared entities' names in alphabetical order.
func sortedEntityNames() []string {
	names := synctype.EntityNames()
	slices.Sort(names)
	return names
}
