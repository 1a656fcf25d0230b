package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
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
