// Package headless starts Debian's Chromium, headless, for the tests that
// drive pages in a real browser (the sandbox's Swagger UI, the status page).
// It imports nothing of the project, so the sandbox's own tests can use it.
package headless

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium returns the path of a Chromium to drive. Without one the test
// fails under CI (.ci/run installs Debian's chromium) and skips elsewhere.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on the PATH: CI must install it (.ci/run does, with apt-get install chromium)")
	}
	t.Skip("no chromium on the PATH (apt-get install chromium, as .ci/run does)")
	return ""
}

// Tab starts the Chromium at bin with a window of width × height and a
// profile of its own, and returns a tab's context under ctx; both close when
// the test ends.
func Tab(ctx context.Context, t testing.TB, bin string, width, height int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(width, height))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return tctx
}
