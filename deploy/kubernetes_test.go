package deploy

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/sync/config"
)

// kustomization is the part of a kustomization.yaml the tests read.
type kustomization struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Namespace  string `yaml:"namespace"`
	Labels     []struct {
		Pairs map[string]string `yaml:"pairs"`
	} `yaml:"labels"`
	Resources []string `yaml:"resources"`
	Images    []struct {
		Name    string `yaml:"name"`
		NewName string `yaml:"newName"`
		NewTag  string `yaml:"newTag"`
		Digest  string `yaml:"digest"`
	} `yaml:"images"`
}

// objects renders what kustomize would gather from dir: every object of every
// resource file, through nested kustomizations. It checks that each resource
// exists and each object has apiVersion, kind and metadata.name.
func objects(t *testing.T, dir string) []map[string]any {
	t.Helper()
	path := filepath.Join(dir, "kustomization.yaml")
	var k kustomization
	decodeStrict(t, path, &k)
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("%s: apiVersion/kind %s/%s", path, k.APIVersion, k.Kind)
	}
	var objs []map[string]any
	for _, r := range k.Resources {
		rp := filepath.Join(dir, r)
		st, err := os.Stat(rp)
		if err != nil {
			t.Errorf("%s: resource %s: %v", path, r, err)
			continue
		}
		if st.IsDir() {
			objs = append(objs, objects(t, rp)...)
			continue
		}
		for i, o := range yamlDocs(t, rp) {
			for _, key := range [][]string{{"apiVersion"}, {"kind"}, {"metadata", "name"}} {
				if s, _ := at(o, key...).(string); s == "" {
					t.Errorf("%s: document %d has no %s", rp, i, strings.Join(key, "."))
				}
			}
			objs = append(objs, o)
		}
	}
	return objs
}

func byKind(objs []map[string]any, kind string) map[string]any {
	for _, o := range objs {
		if o["kind"] == kind {
			return o
		}
	}
	return nil
}

func TestKubernetesBase(t *testing.T) {
	vars := configVariables(t)
	objs := objects(t, "kubernetes/base")
	for _, kind := range []string{"Namespace", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"} {
		if byKind(objs, kind) == nil {
			t.Errorf("kubernetes/base: no %s", kind)
		}
	}
	dep := byKind(objs, "Deployment")
	if dep == nil {
		t.FailNow()
	}
	if n := at(dep, "spec", "replicas"); n != 2 {
		t.Errorf("Deployment replicas = %v, want 2", n)
	}
	sel, _ := at(dep, "spec", "selector", "matchLabels").(map[string]any)
	podLabels, _ := at(dep, "spec", "template", "metadata", "labels").(map[string]any)
	for k, v := range sel {
		if podLabels[k] != v {
			t.Errorf("Deployment selector %s=%v does not match the pod labels %v", k, v, podLabels)
		}
	}
	c := at(dep, "spec", "template", "spec", "containers", "0")
	if args := fmt.Sprint(at(c, "args")); args != "[run]" {
		t.Errorf("container args = %s, want [run]", args)
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		if got := at(c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s path = %v, want %s", probe, got, path)
		}
		if got := at(c, probe, "httpGet", "port"); got != at(c, "ports", "0", "name") {
			t.Errorf("%s port = %v, want the container's port %v", probe, got, at(c, "ports", "0", "name"))
		}
	}
	for _, r := range []string{"requests", "limits"} {
		if at(c, "resources", r, "memory") == nil {
			t.Errorf("container resources.%s.memory is not set", r)
		}
	}
	if at(dep, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}

	// Every variable the pod gets is one the daemon reads; every _FILE points
	// into the Secret's mount at a key the Secret has.
	cm := byKind(objs, "ConfigMap")
	data, _ := cm["data"].(map[string]any)
	cmEnv := map[string]string{}
	for k, v := range data {
		if !vars[k] {
			t.Errorf("ConfigMap key %s is not a variable the daemon reads", k)
		}
		cmEnv[k] = fmt.Sprint(v)
	}
	checkConfig(t, "ConfigMap", cmEnv)
	secret, _ := at(byKind(objs, "Secret"), "stringData").(map[string]any)
	mount, _ := at(c, "volumeMounts", "0", "mountPath").(string)
	env, _ := at(c, "env").([]any)
	for _, e := range env {
		name, _ := at(e, "name").(string)
		value, _ := at(e, "value").(string)
		if !vars[name] {
			t.Errorf("container env %s is not a variable the daemon reads", name)
		}
		if strings.HasSuffix(name, "_FILE") {
			key, ok := strings.CutPrefix(value, mount+"/")
			if _, inSecret := secret[key]; !ok || !inSecret {
				t.Errorf("%s=%s is not a key of the Secret mounted at %s", name, value, mount)
			}
		}
	}
	if port := at(c, "ports", "0", "containerPort"); fmt.Sprint(port) != strings.TrimPrefix(fmt.Sprint(data["METRICS_ADDR"]), ":") {
		t.Errorf("containerPort %v does not match METRICS_ADDR %v", port, data["METRICS_ADDR"])
	}
}

func TestKubernetesPrometheusOperator(t *testing.T) {
	objs := objects(t, "kubernetes/prometheus-operator")
	sm := byKind(objs, "ServiceMonitor")
	svc := byKind(objs, "Service")
	if sm == nil || svc == nil {
		t.Fatal("kubernetes/prometheus-operator: want the base's Service and a ServiceMonitor")
	}
	if got, want := at(sm, "spec", "endpoints", "0", "port"), at(svc, "spec", "ports", "0", "name"); got != want {
		t.Errorf("ServiceMonitor port %v, Service port name %v", got, want)
	}
	svcLabels, _ := at(svc, "metadata", "labels").(map[string]any)
	match, _ := at(sm, "spec", "selector", "matchLabels").(map[string]any)
	for k, v := range match {
		if svcLabels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%v; the Service has %v", k, v, svcLabels)
		}
	}
}

// TestKubernetesSecretReadable checks that the pod's non-root user can read
// the Secret's files and nobody else can: the kubelet mounts them owned by
// root, so the pod needs an fsGroup (the files' group) and a mode with the
// group's read bit.
func TestKubernetesSecretReadable(t *testing.T) {
	dep := byKind(objects(t, "kubernetes/base"), "Deployment")
	pod := at(dep, "spec", "template", "spec")
	fsGroup := at(pod, "securityContext", "fsGroup")
	if fsGroup == nil {
		t.Error("pod securityContext.fsGroup is not set: the non-root user cannot read the Secret's files")
	}
	secretVolumes := map[string]bool{}
	volumes, _ := at(pod, "volumes").([]any)
	for _, v := range volumes {
		if at(v, "secret") == nil {
			continue
		}
		name := fmt.Sprint(at(v, "name"))
		secretVolumes[name] = true
		mode, ok := at(v, "secret", "defaultMode").(int)
		switch {
		case !ok:
			t.Errorf("secret volume %s: defaultMode %v is not set (the default 0644 lets anyone read it)", name, at(v, "secret", "defaultMode"))
		case mode&0o040 == 0:
			t.Errorf("secret volume %s: defaultMode %#o has no group read: the fsGroup %v cannot read it", name, mode, fsGroup)
		case mode&0o007 != 0:
			t.Errorf("secret volume %s: defaultMode %#o lets every user read it", name, mode)
		}
		if items := at(v, "secret", "items"); items != nil {
			t.Errorf("secret volume %s: items %v: per-file modes are not checked here", name, items)
		}
	}
	c := at(pod, "containers", "0")
	mounts, _ := at(c, "volumeMounts").([]any)
	mounted := false
	for _, m := range mounts {
		mounted = mounted || secretVolumes[fmt.Sprint(at(m, "name"))]
	}
	if !mounted {
		t.Error("the container mounts no secret volume")
	}
}

// TestKubernetesNetworkPolicy checks that the NetworkPolicy selects the pods,
// lets in only the metrics port, and lets out exactly DNS and the ports of the
// database and API URLs the ConfigMap and Secret configure.
func TestKubernetesNetworkPolicy(t *testing.T) {
	objs := objects(t, "kubernetes/base")
	np, dep := byKind(objs, "NetworkPolicy"), byKind(objs, "Deployment")
	if np == nil || dep == nil {
		t.Fatal("kubernetes/base: want a Deployment and a NetworkPolicy")
	}
	podLabels, _ := at(dep, "spec", "template", "metadata", "labels").(map[string]any)
	sel, _ := at(np, "spec", "podSelector", "matchLabels").(map[string]any)
	if len(sel) == 0 {
		t.Error("NetworkPolicy podSelector has no matchLabels")
	}
	for k, v := range sel {
		if podLabels[k] != v {
			t.Errorf("NetworkPolicy selects %s=%v; the pods have %v", k, v, podLabels)
		}
	}
	if got := fmt.Sprint(at(np, "spec", "policyTypes")); got != "[Ingress Egress]" {
		t.Errorf("NetworkPolicy policyTypes = %s, want [Ingress Egress]", got)
	}
	c := at(dep, "spec", "template", "spec", "containers", "0")
	metrics := map[string]bool{
		"TCP/" + fmt.Sprint(at(c, "ports", "0", "name")):          true,
		"TCP/" + fmt.Sprint(at(c, "ports", "0", "containerPort")): true,
	}
	for _, p := range policyPorts(t, np, "ingress") {
		if !metrics[p] {
			t.Errorf("NetworkPolicy lets in %s, want only the metrics port %v", p, metrics)
		}
	}
	want := map[string]bool{"UDP/53": true, "TCP/53": true}
	for _, u := range configuredURLs(t, objs) {
		want["TCP/"+urlPort(t, u)] = true
	}
	got := map[string]bool{}
	for _, p := range policyPorts(t, np, "egress") {
		got[p] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("NetworkPolicy lets out %v, want DNS and the configured URLs' ports %v", got, want)
	}
}

// policyPorts returns "PROTOCOL/port" of every port of a NetworkPolicy's
// ingress or egress rules; a rule without ports (all ports) is an error.
func policyPorts(t *testing.T, np map[string]any, direction string) []string {
	t.Helper()
	rules, _ := at(np, "spec", direction).([]any)
	if len(rules) == 0 {
		t.Errorf("NetworkPolicy has no %s rule", direction)
	}
	var out []string
	for i, r := range rules {
		ports, _ := at(r, "ports").([]any)
		if len(ports) == 0 {
			t.Errorf("NetworkPolicy %s rule %d has no ports: it opens every port", direction, i)
		}
		for _, p := range ports {
			proto, _ := at(p, "protocol").(string)
			if proto == "" {
				proto = "TCP"
			}
			out = append(out, proto+"/"+fmt.Sprint(at(p, "port")))
		}
	}
	return out
}

// configuredURLs returns the database URL of the Secret and the API and token
// URLs the ConfigMap's settings resolve to (config.LoadFrom fills defaults).
func configuredURLs(t *testing.T, objs []map[string]any) []string {
	t.Helper()
	env := map[string]string{
		"DATABASE_URL":      fmt.Sprint(at(byKind(objs, "Secret"), "stringData", "database-url")),
		"PLUTORA_CLIENT_ID": "stand-in", "PLUTORA_CLIENT_SECRET": "stand-in",
		"PLUTORA_USERNAME": "stand-in", "PLUTORA_PASSWORD": "stand-in",
	}
	data, _ := at(byKind(objs, "ConfigMap"), "data").(map[string]any)
	for k, v := range data {
		env[k] = fmt.Sprint(v)
	}
	cfg, err := config.LoadFrom(t.Context(), mapLookuper(env))
	if err != nil {
		t.Fatalf("ConfigMap and Secret: not a valid configuration: %v", err)
	}
	return []string{cfg.DatabaseURL, cfg.Plutora.APIURL, cfg.Plutora.TokenURL, cfg.PlutoraTest.APIURL, cfg.PlutoraTest.TokenURL}
}

// urlPort returns the port a URL connects to, its scheme's default if none.
func urlPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	if p := u.Port(); p != "" {
		return p
	}
	defaults := map[string]string{"https": "443", "http": "80", "postgres": "5432", "postgresql": "5432"}
	if p, ok := defaults[u.Scheme]; ok {
		return p
	}
	t.Fatalf("%q: no port and no default port for scheme %q", raw, u.Scheme)
	return ""
}
