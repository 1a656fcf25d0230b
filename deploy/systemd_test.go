package deploy

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// unitFile reads a systemd unit into section → key → values (keys repeat).
func unitFile(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sections := map[string]map[string][]string{}
	var cur map[string][]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = map[string][]string{}
			sections[strings.Trim(line, "[]")] = cur
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == nil {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", path, n, line)
			}
			cur[k] = append(cur[k], v)
		}
	}
	return sections
}

// envFile reads KEY=value lines, skipping comments.
func envFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for n, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s:%d: not KEY=value: %q", path, n+1, line)
		}
		env[k] = v
	}
	return env
}

func TestSystemdUnit(t *testing.T) {
	vars := configVariables(t)
	u := unitFile(t, "systemd/plutora-sync.service")
	for _, s := range []string{"Unit", "Service", "Install"} {
		if u[s] == nil {
			t.Errorf("unit has no [%s] section", s)
		}
	}
	svc := u["Service"]
	if got := strings.Join(svc["ExecStart"], ";"); !strings.HasSuffix(got, "plutora-sync run") {
		t.Errorf("ExecStart = %q, want the binary with run", got)
	}
	creds := map[string]bool{}
	for _, c := range svc["LoadCredential"] {
		id, _, _ := strings.Cut(c, ":")
		creds[id] = true
	}
	for _, e := range svc["Environment"] {
		name, value, _ := strings.Cut(e, "=")
		if !vars[name] {
			t.Errorf("unit Environment %s is not a variable the daemon reads", name)
		}
		if id, ok := strings.CutPrefix(value, "%d/"); ok && !creds[id] {
			t.Errorf("%s reads credential %s, which no LoadCredential provides", name, id)
		}
	}
	env := envFile(t, "systemd/plutora-sync.env")
	for name := range env {
		if !vars[name] {
			t.Errorf("plutora-sync.env sets %s, which the daemon does not read", name)
		}
	}
	checkConfig(t, "plutora-sync.env", env)
}
