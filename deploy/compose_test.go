package deploy

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/sync/config"
)

// TestCompose checks that compose.yaml runs the three parts and that the
// worker's environment is a valid configuration (config.LoadFrom validates it
// as the daemon would at start), pointed at the sandbox on loopback.
func TestCompose(t *testing.T) {
	docs := yamlDocs(t, "compose.yaml")
	if len(docs) != 1 {
		t.Fatalf("compose.yaml: %d documents, want 1", len(docs))
	}
	services, _ := docs[0]["services"].(map[string]any)
	for _, s := range []string{"postgres", "sandbox", "worker"} {
		if services[s] == nil {
			t.Errorf("compose.yaml: no service %s", s)
		}
	}
	if cmd := fmt.Sprint(at(services, "sandbox", "command", "0")); cmd != "sim" {
		t.Errorf("sandbox command starts with %q, want sim", cmd)
	}
	if cmd := fmt.Sprint(at(services, "worker", "command")); cmd != "[run]" {
		t.Errorf("worker command = %s, want [run]", cmd)
	}
	if nm := at(services, "worker", "network_mode"); nm != "service:sandbox" {
		t.Errorf("worker network_mode = %v: the sandbox must be on the worker's loopback", nm)
	}
	vars := configVariables(t)
	env, _ := at(services, "worker", "environment").(map[string]any)
	lookup := map[string]string{}
	for k, v := range env {
		if !vars[k] {
			t.Errorf("worker environment %s is not a variable the daemon reads", k)
		}
		lookup[k] = fmt.Sprint(v)
	}
	cfg, err := config.LoadFrom(t.Context(), mapLookuper(lookup))
	if err != nil {
		t.Fatalf("worker environment is not a valid configuration: %v", err)
	}
	if !cfg.Plutora.Enabled() || !cfg.PlutoraTest.Enabled() {
		t.Error("worker environment does not enable both products")
	}
	for _, arg := range at(services, "sandbox", "command").([]any) {
		if s := fmt.Sprint(arg); strings.HasPrefix(s, "-plutora-addr=") && !strings.HasSuffix(cfg.Plutora.APIURL, s[strings.LastIndex(s, ":"):]) {
			t.Errorf("sandbox %s, worker PLUTORA_API_URL %s: ports differ", s, cfg.Plutora.APIURL)
		}
	}
}

// TestComposeOneBuildNoClash checks that each image is built by one service
// only (the others run it by name), and that no published host port is the
// local PostgreSQL's (config.DefaultDatabaseURL), which README.md asks for,
// or one that the README's walkthrough uses (sim's and run's), so that the
// compose file and the walkthrough run side by side.
func TestComposeOneBuildNoClash(t *testing.T) {
	services, _ := yamlDocs(t, "compose.yaml")[0]["services"].(map[string]any)
	builtBy := map[string]string{}
	for name, s := range services {
		image := fmt.Sprint(at(s, "image"))
		if at(s, "build") == nil {
			continue
		}
		if other, ok := builtBy[image]; ok {
			t.Errorf("compose.yaml: services %s and %s both build %s", other, name, image)
		}
		builtBy[image] = name
	}
	if builtBy["plutora-sync:compose"] == "" || at(services, "worker", "image") != "plutora-sync:compose" {
		t.Errorf("compose.yaml: want the worker to run plutora-sync:compose, built by one service (built by %v)", builtBy)
	}
	local, err := url.Parse(config.DefaultDatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	walkthrough := map[string]bool{}
	for _, m := range regexp.MustCompile(`127\.0\.0\.1:(\d+)`).FindAllStringSubmatch(docSection(t, "README.md", "## The first hour"), -1) {
		walkthrough[m[1]] = true
	}
	if len(walkthrough) < 3 {
		t.Fatalf("the README's walkthrough names %d local ports, want sim's two and run's", len(walkthrough))
	}
	published := map[string]string{}
	for name, s := range services {
		ports, _ := at(s, "ports").([]any)
		for _, p := range ports {
			// [host_ip:]host_port:container_port; the host port is next to last.
			parts := strings.Split(fmt.Sprint(p), ":")
			if len(parts) < 2 {
				t.Errorf("compose.yaml service %s: port %v publishes a random host port", name, p)
				continue
			}
			host := parts[len(parts)-2]
			if host == local.Port() {
				t.Errorf("compose.yaml service %s publishes host port %s, the local PostgreSQL's (%s)", name, host, config.DefaultDatabaseURL)
			}
			if walkthrough[host] {
				t.Errorf("compose.yaml service %s publishes host port %s, which the README's walkthrough uses", name, host)
			}
			if other, ok := published[host]; ok {
				t.Errorf("compose.yaml: services %s and %s both publish host port %s", other, name, host)
			}
			published[host] = name
		}
	}
}
