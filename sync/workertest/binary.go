package workertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// cmdPath is the import path of the worker's main package.
const cmdPath = "github.com/plutora-sync/plutora-sync/cmd/plutora-sync"

var build struct {
	once sync.Once
	dir  string // removed by Main
	path string
	err  error
}

// Binary returns the path of cmd/plutora-sync built into a temporary
// directory. The first call builds it; later calls (of any test of the
// process) reuse it, or fail with the same build error.
func Binary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "plutora-sync-bin")
		if build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "plutora-sync")
		out, err := exec.Command("go", "build", "-o", build.path, cmdPath).CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build %s: %w\n%s", cmdPath, err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// Main runs the tests, removes the binary that Binary built, and exits with
// the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	os.Exit(code)
}
