package deploy

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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

// secretVariables hold secrets: never in the env file or the unit, only their
// _FILE twins pointing at a credential.
var secretVariables = []string{"DATABASE_URL", "PLUTORA_CLIENT_SECRET", "PLUTORA_PASSWORD", "PLUTORATEST_CLIENT_SECRET", "PLUTORATEST_PASSWORD"}

// TestSystemdHardening checks what issue 17 asked of the unit: no restart loop
// on a configuration error, secrets as credentials, a memory limit with
// GOMEMLIMIT in step, the usual sandboxing, and documentation that is installed.
func TestSystemdHardening(t *testing.T) {
	const path = "systemd/plutora-sync.service"
	u := unitFile(t, path)
	svc := u["Service"]
	cli, err := os.ReadFile("../cmd/plutora-sync/cli.go")
	if err != nil {
		t.Fatal(err)
	}
	prevent := strings.Fields(strings.Join(svc["RestartPreventExitStatus"], " "))
	for _, code := range []string{"exitUsage", "exitConfig"} {
		m := regexp.MustCompile(code + `\s*=\s*([0-9]+)`).FindSubmatch(cli)
		if m == nil {
			t.Fatalf("cmd/plutora-sync/cli.go: no %s = N", code)
		}
		if !slices.Contains(prevent, string(m[1])) {
			t.Errorf("RestartPreventExitStatus=%v lacks %s (%s): systemd would restart it forever", prevent, m[1], code)
		}
	}
	for key, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "DynamicUser": "yes", "CapabilityBoundingSet": "", "Restart": "on-failure",
	} {
		if got := svc[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s: %s=%v, want %q", path, key, got, want)
		}
	}

	env := map[string]string{}
	for _, e := range svc["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		env[k] = v
	}
	checkMemoryLimit(t, path, env["GOMEMLIMIT"], strings.Join(svc["MemoryMax"], ""), systemdUnits)
	envFileVars := envFile(t, "systemd/plutora-sync.env")
	for _, s := range secretVariables {
		if _, ok := envFileVars[s]; ok {
			t.Errorf("plutora-sync.env sets the secret %s: hand it over with LoadCredential and %s_FILE", s, s)
		}
		if _, ok := env[s]; ok {
			t.Errorf("%s: Environment sets the secret %s: hand it over with LoadCredential and %s_FILE", path, s, s)
		}
	}
	for _, s := range []string{"DATABASE_URL_FILE", "PLUTORA_CLIENT_SECRET_FILE", "PLUTORA_PASSWORD_FILE"} {
		if !strings.HasPrefix(env[s], "%d/") {
			t.Errorf("%s: %s=%q, want a credential (%%d/…)", path, s, env[s])
		}
	}

	header, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range u["Unit"]["Documentation"] {
		if file, ok := strings.CutPrefix(doc, "file://"); ok && !regexp.MustCompile(`(?m)^#\s+install .* `+regexp.QuoteMeta(file)+`$`).Match(header) {
			t.Errorf("%s: Documentation=%s, which no install line of its header installs", path, doc)
		}
	}
}

// TestSystemdAnalyzeVerify runs systemd-analyze verify on the unit (.ci/run
// installs systemd where it is missing). ExecStart must name an executable, so
// the binary's path is replaced by a stub's; everything else is the unit as
// shipped. Verify exits 0 on unknown keys and bad values, so any output fails.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not on the PATH (.ci/run installs it)")
	}
	unit, err := os.ReadFile("systemd/plutora-sync.service")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stub := filepath.Join(dir, "plutora-sync")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const bin = "ExecStart=/usr/local/bin/plutora-sync "
	if !bytes.Contains(unit, []byte(bin)) {
		t.Fatalf("the unit has no %q", bin)
	}
	copied := filepath.Join(dir, "plutora-sync.service")
	if err := os.WriteFile(copied, bytes.ReplaceAll(unit, []byte(bin), []byte("ExecStart="+stub+" ")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), analyze, "verify", "--man=no", copied).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
