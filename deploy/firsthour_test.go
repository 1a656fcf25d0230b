package deploy

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync/config"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// help runs the built binary with args and returns what it printed.
func help(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(workertest.Binary(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("plutora-sync %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestReadmeFirstHour keeps the walkthrough true: every command it names is
// in "plutora-sync --help", every flag in that command's --help, every entity
// one the worker syncs, every variable one it reads, and the sandbox's
// address and credentials the ones sim serves.
func TestReadmeFirstHour(t *testing.T) {
	section := docSection(t, "README.md", "## The first hour")
	commands := map[string]bool{}
	_, list, _ := strings.Cut(help(t, "--help"), "commands:\n")
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); strings.HasPrefix(line, "  ") && len(f) > 0 {
			commands[f[0]] = true
		}
	}
	uses := regexp.MustCompile("plutora-sync ([a-z]+)([^`\n]*)").FindAllStringSubmatch(section, -1)
	if len(uses) < 7 {
		t.Fatalf("the walkthrough names %d commands, want at least 7 (demo, sim, check, sync, status, run)", len(uses))
	}
	for _, u := range uses {
		cmd, args := u[1], strings.Fields(u[2])
		if !commands[cmd] {
			t.Errorf("README's first hour runs plutora-sync %s, which is not in plutora-sync --help", cmd)
			continue
		}
		flags := help(t, cmd, "--help")
		for _, a := range args {
			switch {
			case strings.HasPrefix(a, "-"):
				if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); !strings.Contains(flags, "\n  -"+name+" ") && !strings.Contains(flags, "\n  -"+name+"\n") {
					t.Errorf("README's first hour uses plutora-sync %s %s, a flag not in its --help", cmd, a)
				}
			case cmd == "sync":
				if _, ok := synctype.EntityByName(a); !ok {
					t.Errorf("README's first hour syncs %q, which is not an entity", a)
				}
			}
		}
	}

	defaults := configDefaults(t)
	for _, v := range regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b`).FindAllString(section, -1) {
		if _, ok := defaults[v]; !ok {
			t.Errorf("README's first hour names %s, which the worker does not read", v)
		}
	}

	exported := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)(?:^export |\s)([A-Z_]+)=('[^']*'|\S+)`).FindAllStringSubmatch(section, -1) {
		exported[m[1]] = strings.Trim(m[2], "'")
	}
	sb, err := plutoratest.NewServer(plutoratest.Options{Seed: 1, Sizes: plutoratest.Sizes{Changes: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	want := workertest.SandboxEnv(sb, config.DefaultDatabaseURL)
	sim := help(t, "sim", "--help")
	for k, v := range want {
		got := exported[k]
		if product, _, ok := strings.Cut(k, "_API_URL"); ok || strings.HasSuffix(k, "_TOKEN_URL") {
			// The URLs of sim's address instead of the test server's.
			product = strings.TrimSuffix(product, "_TOKEN_URL")
			base := exported[product+"_API_URL"]
			v = base + strings.TrimPrefix(v, want[product+"_API_URL"])
			if !strings.Contains(sim, "(default "+strings.TrimPrefix(base, "http://")+")") {
				t.Errorf("README's first hour points %s at %q, which is not a default address of plutora-sync sim", k, base)
			}
		}
		if got != v {
			t.Errorf("README's first hour exports %s=%q, want %q", k, got, v)
		}
	}
}
