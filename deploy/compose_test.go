package deploy

import (
	"fmt"
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
