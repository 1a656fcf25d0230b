package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestMessages checks the whole of what an operator reads on stderr for
// each mistake: every problem once, one "plutora-sync:" prefix per line, no
// prefix doubled, no secret echoed (issue 17).
func TestMessages(t *testing.T) {
	t.Setenv("PLUTORA_CLIENT_ID", "")
	t.Setenv("PLUTORATEST_CLIENT_ID", "")
	const unreachable = "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{"unknown flag", []string{"status", "--bogus"}, nil, exitUsage,
			"plutora-sync: status: flag provided but not defined: -bogus\nRun \"plutora-sync status --help\" for usage.\n"},
		{"unknown flag of sim", []string{"sim", "--bogus"}, nil, exitUsage,
			"plutora-sync: sim: flag provided but not defined: -bogus\nRun \"plutora-sync sim --help\" for usage.\n"},
		{"bad flag value", []string{"demo", "--scale", "x"}, nil, exitUsage,
			"plutora-sync: demo: invalid value \"x\" for flag -scale: parse error\nRun \"plutora-sync demo --help\" for usage.\n"},
		{"extra argument", []string{"version", "now"}, nil, exitUsage,
			"plutora-sync: version: unexpected argument \"now\"\nRun \"plutora-sync version --help\" for usage.\n"},
		{"unknown entity", []string{"sync", "tickets"}, nil, exitUsage,
			"plutora-sync: unknown entity \"tickets\": use one of changes, defects, environment_groups, environments, hosts, lookup_values, organizations, releases, systems, users\nRun \"plutora-sync sync --help\" for usage.\n"},
		{"two bad values", []string{"status"}, map[string]string{"PAGES_IN_FLIGHT": "0", "LOG_FORMAT": "xml"}, exitConfig,
			"plutora-sync: config: PAGES_IN_FLIGHT: must be between 1 and 32, got 0\nplutora-sync: config: LOG_FORMAT: must be auto, json or text, got \"xml\"\n"},
		{"DATABASE_URL of another database", []string{"status"}, map[string]string{"DATABASE_URL": "mysql://u:s3cret@db/x"}, exitConfig,
			"plutora-sync: config: DATABASE_URL: a mysql:// URL is not a PostgreSQL connection string: want postgres://user:password@host:5432/dbname?sslmode=verify-full, or key=value pairs such as host=db dbname=plutora\n"},
		{"DATABASE_URL mistyped", []string{"migrate"}, map[string]string{"DATABASE_URL": "host=db port= password=s3cret"}, exitConfig,
			"plutora-sync: config: DATABASE_URL: the value of port is not valid\n"},
		{"no product", []string{"run"}, nil, exitConfig,
			"plutora-sync: config: no product configured: set PLUTORA_CLIENT_ID (and its secret, username, password, region) or PLUTORATEST_CLIENT_ID\n"},
		{"failed checks named once", []string{"check"}, map[string]string{"DATABASE_URL": unreachable}, exitFailed,
			"plutora-sync: check: 2 failed: config, database\n"},
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
