package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestDockerfile checks the Dockerfile's promises: a static build whose
// version flag names a variable main really has, a nonroot runtime, the binary
// as entrypoint and run as default command. (.ci/run builds the same way.)
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{
		"CGO_ENABLED=0 go build",
		"-X main.version=${VERSION}",
		"ARG VERSION",
		"USER nonroot",
		`ENTRYPOINT ["/usr/local/bin/plutora-sync"]`,
		`CMD ["run"]`,
		"COPY --from=build /out/plutora-sync /usr/local/bin/plutora-sync",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)); n < 2 {
		t.Errorf("Dockerfile has %d stages, want a build and a runtime stage", n)
	}
	main, err := os.ReadFile("../cmd/plutora-sync/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*(var\s+)?version\s*(string\s*)?= `).Match(main) {
		t.Error("cmd/plutora-sync/main.go has no `var version = …` for -X main.version")
	}
}

// unversionedImages are images whose publishers give them no version tag, with
// what pins them instead. Every other image needs a version in its tag or a digest.
var unversionedImages = map[string]string{
	"gcr.io/distroless/static-debian12:nonroot": "distroless publishes only latest, nonroot, debug and digests; the Debian release is in the name",
}

var (
	versionTag = regexp.MustCompile(`[0-9]+\.[0-9]+`)
	digestRef  = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
)

// checkPinned reports an image reference that is not pinned: no tag (which
// means latest), latest, or a tag without a version number such as 15 or
// nonroot, unless a digest pins it.
func checkPinned(t *testing.T, where, ref string) {
	t.Helper()
	if digestRef.MatchString(ref) || unversionedImages[ref] != "" {
		return
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	switch {
	case !ok:
		t.Errorf("%s: image %s has no tag (that is latest): pin it by version tag", where, ref)
	case tag == "latest" || !versionTag.MatchString(tag):
		t.Errorf("%s: image %s: tag %q is not a version: pin it by version tag or digest", where, ref, tag)
	}
}

// dockerfileImages returns the images the Dockerfile's FROM lines pull, with
// the defaults of the ARGs before the first FROM filled in.
func dockerfileImages(t *testing.T, df string) []string {
	t.Helper()
	args := map[string]string{}
	stages := map[string]bool{}
	var images []string
	from := false
	for _, line := range strings.Split(df, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "ARG" && !from:
			if k, v, ok := strings.Cut(f[1], "="); ok {
				args[k] = v
			}
		case len(f) >= 2 && f[0] == "FROM":
			from = true
			ref := os.Expand(f[1], func(k string) string { return args[k] })
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				stages[f[3]] = true
			}
			if !stages[ref] {
				images = append(images, ref)
			}
		case len(f) >= 2 && f[0] == "#" && strings.HasPrefix(f[1], "syntax="):
			images = append(images, strings.TrimPrefix(f[1], "syntax="))
		}
	}
	if len(images) == 0 {
		t.Fatal("Dockerfile: no FROM image")
	}
	return images
}

// TestImagesPinned checks that the Dockerfile, compose.yaml and the
// Kubernetes manifests (after the kustomization's images: rewrite) use only
// pinned images, and that the paths the Dockerfile's comments name exist.
func TestImagesPinned(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range dockerfileImages(t, string(b)) {
		checkPinned(t, "Dockerfile", ref)
	}
	checkGoVersion(t, string(b))
	for _, p := range regexp.MustCompile(`deploy/[\w./-]*\w`).FindAllString(string(b), -1) {
		if _, err := os.Stat("../" + p); err != nil {
			t.Errorf("Dockerfile names %s: %v", p, err)
		}
	}

	services, _ := yamlDocs(t, "compose.yaml")[0]["services"].(map[string]any)
	built := map[any]bool{} // built here, under a local name
	for _, s := range services {
		built[at(s, "image")] = built[at(s, "image")] || at(s, "build") != nil
	}
	for name, s := range services {
		if !built[at(s, "image")] {
			checkPinned(t, "compose.yaml service "+name, fmt.Sprint(at(s, "image")))
		}
	}

	for _, dir := range []string{"kubernetes/base", "kubernetes/prometheus-operator"} {
		for _, ref := range kubernetesImages(t, dir) {
			checkPinned(t, dir, ref)
		}
	}
}

// kubernetesImages returns the image of every container of dir's objects as
// kustomize renders it: rewritten by the images: of each kustomization, the
// innermost first. When kubectl is on the PATH it also returns the images of
// `kubectl kustomize dir`, so the real renderer is checked too.
func kubernetesImages(t *testing.T, dir string) []string {
	t.Helper()
	var refs []string
	for _, o := range objects(t, dir) {
		for _, ref := range podImages(o) {
			refs = append(refs, rewriteImage(t, dir, ref))
		}
	}
	if len(refs) == 0 {
		t.Errorf("%s: no container image", dir)
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Logf("kubectl is not on the PATH: %s checked without kubectl kustomize", dir)
		return refs
	}
	out, err := exec.CommandContext(t.Context(), kubectl, "kustomize", dir).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o map[string]any
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("kubectl kustomize %s: %v", dir, err)
		}
		refs = append(refs, podImages(o)...)
	}
	return refs
}

// podImages returns the images of a workload's pod template.
func podImages(o map[string]any) []string {
	var refs []string
	for _, list := range []string{"initContainers", "containers"} {
		cs, _ := at(o, "spec", "template", "spec", list).([]any)
		for _, c := range cs {
			refs = append(refs, fmt.Sprint(at(c, "image")))
		}
	}
	return refs
}

// rewriteImage applies the images: entries of dir's kustomization, and of the
// kustomizations it includes (first), to ref.
func rewriteImage(t *testing.T, dir, ref string) string {
	t.Helper()
	var k kustomization
	decodeStrict(t, filepath.Join(dir, "kustomization.yaml"), &k)
	for _, r := range k.Resources {
		if st, err := os.Stat(filepath.Join(dir, r)); err == nil && st.IsDir() {
			ref = rewriteImage(t, filepath.Join(dir, r), ref)
		}
	}
	name, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, tag = ref[:i], ref[i+1:]
	}
	for _, img := range k.Images {
		if img.Name != name {
			continue
		}
		if img.NewName != "" {
			name = img.NewName
		}
		if img.NewTag != "" {
			tag = img.NewTag
		}
		if img.Digest != "" {
			return name + "@" + img.Digest
		}
	}
	if tag == "" {
		return name
	}
	return name + ":" + tag
}

// checkGoVersion checks that the Dockerfile builds with an exact Go release
// (1.26.10, not the moving 1.26) of the Go version go.mod names, and the very
// release of go.mod's toolchain line (what CI tests and govulncheck checks).
func checkGoVersion(t *testing.T, df string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)$`).FindStringSubmatch(df)
	if m == nil {
		t.Error("Dockerfile has no ARG GO_VERSION=…")
		return
	}
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go ([0-9]+\.[0-9]+)`).FindSubmatch(mod)
	if goLine == nil {
		t.Fatal("go.mod has no go line")
	}
	if !regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(m[1]) || !strings.HasPrefix(m[1], string(goLine[1])+".") {
		t.Errorf("Dockerfile GO_VERSION=%s: want an exact %s.N release (go.mod says go %s)", m[1], goLine[1], goLine[1])
	}
	tc := regexp.MustCompile(`(?m)^toolchain go(\S+)$`).FindSubmatch(mod)
	if tc == nil {
		t.Errorf("go.mod has no toolchain line: want toolchain go%s, the Dockerfile's GO_VERSION", m[1])
	} else if string(tc[1]) != m[1] {
		t.Errorf("Dockerfile GO_VERSION=%s, go.mod says toolchain go%s: they must agree", m[1], tc[1])
	}
}
