package deploy

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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
	for _, kind := range []string{"Namespace", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"} {
		if byKind(objs, kind) == nil {
			t.Errorf("kubernetes/base: no %s", kind)
		}
	}
	// The Secret is made with kubectl create secret (docs/operations.md), never
	// applied from a file of this repository.
	if byKind(objs, "Secret") != nil {
		t.Error("kubernetes/base applies a Secret: secrets are created with kubectl create secret, not kept in the repository")
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

	// Every variable the pod gets is one the daemon reads (or one another
	// variable's value refers to as $(NAME)); every _FILE points into the
	// Secret's mount at a key of the documented kubectl create secret, and
	// every key of it is read.
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
	secret := documentedSecret(t)
	mount, _ := at(c, "volumeMounts", "0", "mountPath").(string)
	env, _ := at(c, "env").([]any)
	refs, read := map[string]bool{}, map[string]bool{}
	for _, e := range env {
		value, _ := at(e, "value").(string)
		for _, m := range envRef.FindAllStringSubmatch(value, -1) {
			refs[m[1]] = true
		}
	}
	for _, e := range env {
		name, _ := at(e, "name").(string)
		value, _ := at(e, "value").(string)
		if !vars[name] && !refs[name] {
			t.Errorf("container env %s is not a variable the daemon reads", name)
		}
		if strings.HasSuffix(name, "_FILE") {
			key, ok := strings.CutPrefix(value, mount+"/")
			if _, inSecret := secret[key]; !ok || !inSecret {
				t.Errorf("%s=%s is not a key of the Secret (docs/operations.md) mounted at %s", name, value, mount)
			}
			read[key] = true
		}
	}
	for key := range secret {
		if !read[key] {
			t.Errorf("the Secret's key %s (docs/operations.md) is read by no _FILE variable", key)
		}
	}
}

// envRef is a reference to another variable in a container env value.
var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// TestKubernetesMetricsAddr: the metrics server listens on the pod's IP, from
// the downward API, at the container's port, and on nothing else.
func TestKubernetesMetricsAddr(t *testing.T) {
	objs := objects(t, "kubernetes/base")
	c := at(byKind(objs, "Deployment"), "spec", "template", "spec", "containers", "0")
	if _, inCM := at(byKind(objs, "ConfigMap"), "data", "METRICS_ADDR").(string); inCM {
		t.Error("the ConfigMap sets METRICS_ADDR: the Deployment's env sets it to the pod's IP")
	}
	env, _ := at(c, "env").([]any)
	defined := map[string]any{} // name → its env entry, as far as the list has come
	addr := ""
	for _, e := range env {
		name, _ := at(e, "name").(string)
		if name == "METRICS_ADDR" {
			addr, _ = at(e, "value").(string)
			for _, m := range envRef.FindAllStringSubmatch(addr, -1) {
				if defined[m[1]] == nil { // Kubernetes expands only variables defined before
					t.Errorf("METRICS_ADDR refers to $(%s), which is not defined before it", m[1])
				}
			}
		}
		defined[name] = e
	}
	host, port, ok := strings.Cut(addr, "):")
	if !ok || !strings.HasPrefix(host, "$(") {
		t.Fatalf("METRICS_ADDR = %q, want $(VAR):port with VAR the pod's IP", addr)
	}
	if got := at(defined[strings.TrimPrefix(host, "$(")], "valueFrom", "fieldRef", "fieldPath"); got != "status.podIP" {
		t.Errorf("METRICS_ADDR's host %s) comes from %v, want the downward API's status.podIP", host, got)
	}
	if cp := fmt.Sprint(at(c, "ports", "0", "containerPort")); cp != port {
		t.Errorf("containerPort %s does not match METRICS_ADDR %s", cp, addr)
	}
}

// documentedSecret returns the keys and example values of the Secret as
// docs/operations.md has people create it: the lines of the here-document
// in the code block that runs kubectl create secret generic plutora-sync.
func documentedSecret(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range strings.Split(string(b), "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if !strings.Contains(block, "create secret generic plutora-sync --from-env-file=") {
			continue
		}
		_, doc, ok := strings.Cut(block, "<<'END'\n")
		doc, _, ok2 := strings.Cut(doc, "\nEND\n")
		if !ok || !ok2 {
			t.Fatalf("docs/operations.md: the block of kubectl create secret has no <<'END' … END here-document:\n%s", block)
		}
		keys := map[string]string{}
		for _, line := range strings.Split(doc, "\n") {
			k, v, ok := strings.Cut(line, "=")
			if !ok || k == "" {
				t.Errorf("docs/operations.md: secret line %q is not key=value", line)
			}
			keys[k] = v
		}
		return keys
	}
	t.Fatal("docs/operations.md: no code block runs kubectl create secret generic plutora-sync --from-env-file=…")
	return nil
}

// TestKubernetesNoSecretToEdit: nothing under deploy/kubernetes holds a
// value to replace by editing a committed file.
func TestKubernetesNoSecretToEdit(t *testing.T) {
	for _, path := range deployFiles(t, ".yaml") {
		if !strings.HasPrefix(path, "kubernetes/") {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "CHANGE-ME") {
			t.Errorf("%s holds CHANGE-ME: secrets are created with kubectl create secret (docs/operations.md)", path)
		}
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
// lets in only the metrics port and only from Prometheus's pods in the
// monitoring namespace, and lets out DNS to the cluster's DNS pods and the
// ports of the configured database and API URLs to narrow address blocks
// only. The shipped blocks are documentation addresses (RFC 5737), which
// reach nothing: left unedited, the policy fails closed.
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
	for i, peer := range policyPeers(t, np, "ingress", "from") {
		if got := fmt.Sprint(at(peer, "namespaceSelector", "matchLabels")); got != "map[kubernetes.io/metadata.name:monitoring]" {
			t.Errorf("ingress peer %d: namespaceSelector %s, want the monitoring namespace by name", i, got)
		}
		if labels, _ := at(peer, "podSelector", "matchLabels").(map[string]any); len(labels) == 0 {
			t.Errorf("ingress peer %d: no podSelector: every pod of the namespace could scrape", i)
		}
		if at(peer, "ipBlock") != nil {
			t.Errorf("ingress peer %d: an ipBlock lets in addresses outside the cluster", i)
		}
	}

	dbPort := "TCP/" + urlPort(t, documentedSecret(t)["database-url"])
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
	rules, _ := at(np, "spec", "egress").([]any)
	for i, r := range rules {
		ports := map[string]bool{}
		for _, p := range policyPorts(t, map[string]any{"spec": map[string]any{"egress": []any{r}}}, "egress") {
			ports[p] = true
		}
		peers, _ := at(r, "to").([]any)
		if len(peers) == 0 {
			t.Errorf("egress rule %d (%v) has no to: it lets out to every address", i, ports)
		}
		if ports["UDP/53"] || ports["TCP/53"] {
			for j, peer := range peers {
				if ns, pod := fmt.Sprint(at(peer, "namespaceSelector", "matchLabels")), fmt.Sprint(at(peer, "podSelector", "matchLabels")); ns != "map[kubernetes.io/metadata.name:kube-system]" || pod != "map[k8s-app:kube-dns]" {
					t.Errorf("egress rule %d (DNS) peer %d: %s %s, want the kube-dns pods of kube-system", i, j, ns, pod)
				}
			}
			continue
		}
		if ports[dbPort] && len(ports) != 1 {
			t.Errorf("egress rule %d opens %v: the database's port goes in a rule of its own, to the database's address", i, ports)
		}
		for j, peer := range peers {
			checkPlaceholderBlock(t, fmt.Sprintf("egress rule %d (%v) peer %d", i, ports, j), peer)
		}
	}
}

// checkPlaceholderBlock checks that a NetworkPolicy peer is only an ipBlock
// inside the documentation ranges of RFC 5737, narrower than a /16.
func checkPlaceholderBlock(t *testing.T, where string, peer any) {
	t.Helper()
	if m, _ := peer.(map[string]any); len(m) != 1 || m["ipBlock"] == nil {
		t.Errorf("%s: %v, want an ipBlock alone (the address of the database or the API)", where, peer)
		return
	}
	cidr := fmt.Sprint(at(peer, "ipBlock", "cidr"))
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		t.Errorf("%s: cidr %q: %v", where, cidr, err)
		return
	}
	if prefix.Bits() < 16 {
		t.Errorf("%s: cidr %s is wider than a /16", where, cidr)
	}
	for _, doc := range []string{"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"} {
		if d := netip.MustParsePrefix(doc); d.Contains(prefix.Addr()) && prefix.Bits() >= d.Bits() {
			return
		}
	}
	t.Errorf("%s: cidr %s is not a documentation address (RFC 5737): a shipped placeholder must reach nothing", where, cidr)
}

// policyPeers returns the peers (key from or to) of every rule of a
// NetworkPolicy's direction; a rule without peers (every address) is an error.
func policyPeers(t *testing.T, np map[string]any, direction, key string) []any {
	t.Helper()
	rules, _ := at(np, "spec", direction).([]any)
	var out []any
	for i, r := range rules {
		peers, _ := at(r, key).([]any)
		if len(peers) == 0 {
			t.Errorf("NetworkPolicy %s rule %d has no %s: it admits every address", direction, i, key)
		}
		out = append(out, peers...)
	}
	return out
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

// configuredURLs returns the database URL of the documented Secret and the API and token
// URLs the ConfigMap's settings resolve to (config.LoadFrom fills defaults).
func configuredURLs(t *testing.T, objs []map[string]any) []string {
	t.Helper()
	env := map[string]string{
		"DATABASE_URL":      documentedSecret(t)["database-url"],
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
