package main

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"strings"
	"testing"
)

func TestHelpForEveryCommand(t *testing.T) {
	for _, cmd := range commands() {
		t.Run(cmd.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(context.Background(), []string{cmd.name, "--help"}, &out, &errb)
			if code != exitOK {
				t.Errorf("exit %d, want 0", code)
			}
			if !strings.Contains(errb.String(), "usage: plutora-sync "+cmd.name) {
				t.Errorf("help lacks usage line:\n%s", errb.String())
			}
			if cmd.name == "sim" && (!strings.Contains(errb.String(), "\nfaults:\n") || strings.Contains(errb.String(), "\nother:\n")) {
				t.Errorf("sim help does not group every flag:\n%s", errb.String())
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	t.Setenv("PLUTORA_CLIENT_ID", "")
	t.Setenv("PLUTORATEST_CLIENT_ID", "")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"no args", nil, nil, exitUsage, "usage: plutora-sync <command>"},
		{"help", []string{"help"}, nil, exitOK, "commands:"},
		{"unknown command", []string{"frobnicate"}, nil, exitUsage, `unknown command "frobnicate"`},
		{"unknown flag", []string{"sync", "--fast"}, nil, exitUsage, "flag provided but not defined: -fast"},
		{"unknown entity", []string{"sync", "tickets"}, nil, exitUsage, `unknown entity "tickets"`},
		{"extra argument", []string{"migrate", "now"}, nil, exitUsage, `unexpected argument "now"`},
		{"bad config", []string{"run"}, map[string]string{"PLUTORA_REGION": "mars"}, exitConfig, "PLUTORA_REGION: unknown region"},
		{"no product", []string{"run"}, nil, exitConfig, "no product configured"},
		{"bad cron", []string{"sync"}, map[string]string{"SCHEDULE_HOSTS": "sometimes"}, exitConfig, "SCHEDULE_HOSTS"},
		{"version", []string{"version"}, nil, exitOK, "plutora-sync dev"},
		{"sim bad flag", []string{"sim", "--bogus"}, nil, exitUsage, "flag provided but not defined: -bogus"},
		{"demo bad scale", []string{"demo", "--scale", "0"}, nil, exitUsage, "--scale 0"},
		{"db unreachable", []string{"status"}, map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, exitFailed, "connect to database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out, errb bytes.Buffer
			code := Main(context.Background(), tt.args, &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errb.String())
			}
			if got := out.String() + errb.String(); !strings.Contains(got, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, got)
			}
		})
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		format, level string
		daemon        bool
		terminal      bool
		json          bool
		debug         bool
	}{
		{"auto", "info", true, true, true, false}, // the daemon logs JSON even on a terminal
		{"auto", "debug", false, false, true, true},
		{"auto", "info", false, true, false, false},
		{"text", "info", true, false, false, false},
		{"json", "warn", false, true, true, false},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		l := newLogger(&b, tt.terminal, tt.format, tt.level, tt.daemon)
		l.Debug("d")
		l.Warn("hello", "k", "v")
		s := b.String()
		if got := strings.HasPrefix(s, "{"); got != tt.json {
			t.Errorf("%+v: JSON %v, output %q", tt, got, s)
		}
		if got := strings.Contains(s, `"msg":"d"`) || strings.Contains(s, "msg=d"); got != tt.debug {
			t.Errorf("%+v: debug shown %v", tt, got)
		}
	}
	_ = slog.LevelInfo
}

func TestParseFlagsAnywhere(t *testing.T) {
	for _, args := range [][]string{{"changes", "--full", "hosts"}, {"--full", "changes", "hosts"}, {"changes", "hosts", "--full"}} {
		fs := flag.NewFlagSet("sync", flag.ContinueOnError)
		full := fs.Bool("full", false, "")
		pos, err := parse(fs, args, -1)
		if err != nil || !*full || strings.Join(pos, ",") != "changes,hosts" {
			t.Errorf("parse(%q) = %q, full %v, %v", args, pos, *full, err)
		}
	}
}
