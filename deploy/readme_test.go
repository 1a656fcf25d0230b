package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeSection returns the body of README.md's section titled title (up to
// the next "## " heading).
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", title)
	}
	body, _, _ := strings.Cut(rest, "\n## ")
	return body
}

var backticked = regexp.MustCompile("`([^`]*)`")

// TestReadmeFirstLines keeps the two commands a newcomer runs at the top, and
// the test command the one .ci/run runs.
func TestReadmeFirstLines(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", 7)
	if len(lines) < 6 || lines[2] != "```sh" ||
		!strings.HasPrefix(lines[3], "go run ./cmd/plutora-sync demo ") ||
		!strings.HasPrefix(lines[4], "go test -race ./... ") {
		t.Errorf("README.md must open with the demo and test commands, got:\n%s", strings.Join(lines[:min(6, len(lines))], "\n"))
	}
	ci, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^go test -race .*\./\.\.\.$`).Match(ci) {
		t.Error(".ci/run does not run the README's test command (go test -race ./...)")
	}
}

// TestReadmeConfiguration checks the configuration table against
// config.Config: every variable listed, none invented, defaults as in the code.
func TestReadmeConfiguration(t *testing.T) {
	defaults := configDefaults(t)
	listed := map[string]bool{}
	for _, line := range strings.Split(readmeSection(t, "Configuration"), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		var names []string
		for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
			names = append(names, m[1])
		}
		def := ""
		if m := backticked.FindStringSubmatch(cells[2]); m != nil {
			def = m[1]
		}
		for _, name := range names {
			want, ok := defaults[name]
			if !ok {
				t.Errorf("README lists %s, which the daemon does not read", name)
				continue
			}
			listed[name] = true
			if want != "" && want != def {
				t.Errorf("README: %s defaults to %q, the code to %q", name, def, want)
			}
		}
	}
	for name := range defaults {
		if !listed[name] {
			t.Errorf("README's configuration table lacks %s", name)
		}
	}
}

// TestReadmeMetricsAndAlerts checks the metrics and alerts tables against
// what sync.NewMetrics registers and what alerts.yaml defines.
func TestReadmeMetricsAndAlerts(t *testing.T) {
	ops := readmeSection(t, "Operations")
	registered := registeredMetrics(t)
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`plutora_sync_[a-z_]+`).FindAllString(ops, -1) {
		seen[m] = true
		if _, ok := registered[m]; !ok {
			t.Errorf("README names metric %s, which the daemon does not register", m)
		}
	}
	for name := range registered {
		if !seen[name] {
			t.Errorf("README's metrics table lacks %s", name)
		}
	}
	var f ruleFile
	decodeStrict(t, alertsFile, &f)
	defined := map[string]bool{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			defined[r.Alert] = true
			if !strings.Contains(ops, "`"+r.Alert+"`") {
				t.Errorf("README's alerts table lacks %s", r.Alert)
			}
		}
	}
	for _, m := range regexp.MustCompile("`(PlutoraSync[A-Za-z]+)`").FindAllStringSubmatch(ops, -1) {
		if !defined[m[1]] {
			t.Errorf("README names alert %s, which alerts.yaml does not define", m[1])
		}
	}
}
