package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// readFile returns the text of a file of the repository (path from its root).
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("../" + path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docSection returns the body of the section titled title of the Markdown
// file at path (up to the next heading of the same level).
func docSection(t *testing.T, path, heading string) string {
	t.Helper()
	level, _, _ := strings.Cut(heading, " ")
	_, rest, ok := strings.Cut(readFile(t, path), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no section %q", path, heading)
	}
	body, _, _ := strings.Cut(rest, "\n"+level+" ")
	return body
}

var backticked = regexp.MustCompile("`([^`]*)`")

// readmeTestCommand returns the README's test command: the second line of
// its opening block, without the comment.
func readmeTestCommand(t *testing.T) string {
	t.Helper()
	lines := strings.SplitN(readFile(t, "README.md"), "\n", 7)
	if len(lines) < 6 || lines[2] != "```sh" || !strings.HasPrefix(lines[3], "go run ./cmd/plutora-sync demo ") ||
		!strings.HasPrefix(lines[4], "go test ") || lines[5] != "```" {
		t.Fatalf("README.md must open with the demo and test commands, got:\n%s", strings.Join(lines[:min(6, len(lines))], "\n"))
	}
	cmd, _, _ := strings.Cut(lines[4], "#")
	return strings.TrimSpace(cmd)
}

// TestReadmeFirstLines keeps the two commands a newcomer runs at the top; the
// test command runs every test every time (never from the test cache), with
// the race detector, and .ci/run runs exactly it.
func TestReadmeFirstLines(t *testing.T) {
	cmd := readmeTestCommand(t)
	if f := strings.Fields(cmd); !slices.Contains(f, "-race") || !slices.Contains(f, "-count=1") || f[len(f)-1] != "./..." {
		t.Errorf("README's test command %q: want go test with -race and -count=1 over ./...", cmd)
	}
	found := false
	for _, line := range strings.Split(readFile(t, ".ci/run"), "\n") {
		if strings.TrimSpace(line) == cmd {
			found = true
		}
	}
	if !found {
		t.Errorf(".ci/run does not run the README's test command as it is: %s", cmd)
	}
}

// TestConfigurationDoc checks the table of docs/configuration.md against
// config.Config: every variable listed, none invented, defaults as in the code.
func TestConfigurationDoc(t *testing.T) {
	defaults := configDefaults(t)
	listed := map[string]bool{}
	for _, line := range strings.Split(readFile(t, "docs/configuration.md"), "\n") {
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
				t.Errorf("docs/configuration.md lists %s, which the daemon does not read", name)
				continue
			}
			listed[name] = true
			if want != "" && want != def {
				t.Errorf("docs/configuration.md: %s defaults to %q, the code to %q", name, def, want)
			}
		}
	}
	for name := range defaults {
		if !listed[name] {
			t.Errorf("docs/configuration.md's table lacks %s", name)
		}
	}
}

// TestMetricsAndAlertsDoc checks the metrics and alerts tables of
// docs/operations.md against what sync.NewMetrics registers and what
// alerts.yaml defines.
func TestMetricsAndAlertsDoc(t *testing.T) {
	ops := docSection(t, "docs/operations.md", "## Watching the worker")
	registered := registeredMetrics(t)
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`plutora_sync_[a-z_]+`).FindAllString(ops, -1) {
		seen[m] = true
		if _, ok := registered[m]; !ok {
			t.Errorf("docs/operations.md names metric %s, which the daemon does not register", m)
		}
	}
	for name := range registered {
		if !seen[name] {
			t.Errorf("docs/operations.md's metrics table lacks %s", name)
		}
	}
	var f ruleFile
	decodeStrict(t, alertsFile, &f)
	defined := map[string]bool{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			defined[r.Alert] = true
			if !strings.Contains(ops, "`"+r.Alert+"`") {
				t.Errorf("docs/operations.md's alerts table lacks %s", r.Alert)
			}
		}
	}
	for _, m := range regexp.MustCompile("`(PlutoraSync[A-Za-z]+)`").FindAllStringSubmatch(ops, -1) {
		if !defined[m[1]] {
			t.Errorf("docs/operations.md names alert %s, which alerts.yaml does not define", m[1])
		}
	}
}

// TestEveryEntityListed: the README and the commands of docs/operations.md
// name every entity the worker syncs (the README once listed 6 of 10).
func TestEveryEntityListed(t *testing.T) {
	for _, doc := range []struct{ path, text string }{
		{"README.md", docSection(t, "README.md", "## What it is")},
		{"docs/operations.md", docSection(t, "docs/operations.md", "## Commands")},
	} {
		for _, e := range synctype.Entities() {
			name := strings.ReplaceAll(e.Name, "_", " ")
			// In words, in any case: "TECRs" names tecrs.
			if !strings.Contains(doc.text, "`"+e.Name+"`") && !strings.Contains(strings.ToLower(doc.text), name) {
				t.Errorf("%s does not name the entity %s", doc.path, e.Name)
			}
		}
	}
}
