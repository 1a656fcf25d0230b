package plutoratest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest/headless"
)

var screenshots = flag.String("screenshots", "", "TestSwaggerUIInChromium: write swagger-ui.png (the top of the page) and swagger-ui-try-it-out.png into this folder (the repository's docs)")

// TestSwaggerUIInChromium opens /swagger in headless Chromium as a user
// would: the page lists every documented operation; Authorize takes
// "bearer <token>" from /oauth/token; and Try it out on GET /changes/{id},
// with the id the page fills in, answers 200, which the sandbox logs as an
// authorized request.
func TestSwaggerUIInChromium(t *testing.T) {
	bin := headless.Chromium(t)
	s := newTestServer(t, Options{Seed: 1})
	tok := token(t, s.Plutora)
	id := s.IDs(Changes)[0]

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	ctx = headless.Tab(ctx, t, bin, 1280, 1024)

	want := documentedOps(t, s.Plutora)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.Plutora.URL+"/swagger"),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll(".opblock").length >= %d`, len(want)), chromedp.WithPollingTimeout(time.Minute)),
	); err != nil {
		t.Fatalf("the page did not list the operations: %v", err)
	}
	listed, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]string](`Array.from(document.querySelectorAll(".opblock")).map(o => [
		o.querySelector(".opblock-summary-method").textContent.trim().toLowerCase(),
		o.querySelector("[data-path]").getAttribute("data-path")])`))
	if err != nil {
		t.Fatal(err)
	}
	if got := opStrings(listed); !slices.Equal(got, want) {
		t.Fatalf("the page lists\n%v\nthe OpenAPI document has\n%v", got, want)
	}

	op := `.opblock-get:has(span[data-path="/changes/{id}"])`
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.auth-wrapper .btn.authorize`)),
		chromedp.SendKeys(chromedp.CSS(`.modal-ux .auth-container input`), "bearer "+tok),
		chromedp.Click(chromedp.CSS(`.modal-ux .auth-btn-wrapper .btn.authorize`)),
		chromedp.Click(chromedp.CSS(`.modal-ux .btn-done`)),
		chromedp.WaitNotPresent(chromedp.CSS(`.modal-ux`)),
		chromedp.Click(chromedp.CSS(op+` .opblock-summary-control`)),
		chromedp.Click(chromedp.CSS(op+` .try-out__btn`)),
	); err != nil {
		t.Fatalf("Authorize and Try it out: %v", err)
	}
	filled, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(op+` tr[data-param-name="id"] input`)))
	if err != nil || filled != id {
		t.Fatalf("the page fills in id %q (%v), want the example %q", filled, err, id)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(op+` .btn.execute`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('`+op+` .live-responses-table tr.response .response-col_status')?.textContent.trim() === "200"`, chromedp.WithPollingTimeout(time.Minute)),
	); err != nil {
		shown, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.querySelector('`+op+`')?.innerText`))
		t.Fatalf("Execute GET /changes/{id}: no 200 shown (%v); the operation shows:\n%.2000s\nthe sandbox logged %v", err, shown, s.Plutora.RequestLog())
	}
	curl, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(op+` .curl-command`)))
	if err != nil || !strings.Contains(curl, "bearer "+tok) {
		t.Fatalf("the page's request %q (%v) lacks the pasted bearer token", curl, err)
	}
	if !loggedOK(s.Plutora, "/changes/"+id) {
		t.Fatalf("the sandbox logged no authorized 200 for GET /changes/%s", id)
	}
	if *screenshots != "" {
		shoot(ctx, t, "swagger-ui.png", "#swagger-ui")
		shoot(ctx, t, "swagger-ui-try-it-out.png", op)
	}
}

// shoot saves the view with the element sel at its top under *screenshots.
func shoot(ctx context.Context, t *testing.T, name, sel string) {
	t.Helper()
	png, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.Evaluate[chromedp.Void](`document.querySelector('`+sel+`').scrollIntoView()`)(ctx, tg); err != nil {
			return nil, err
		}
		return chromedp.CaptureScreenshot()(ctx, tg)
	})
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// documentedOps returns "method path" of every operation in p's OpenAPI
// document, sorted.
func documentedOps(t *testing.T, p *Product) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(p.openAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, ops := range doc.Paths {
		for m := range ops {
			out = append(out, m+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

func opStrings(ops [][2]string) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o[0] + " " + o[1]
	}
	slices.Sort(out)
	return out
}

// loggedOK reports whether p logged an authorized GET of path answered 200.
func loggedOK(p *Product, path string) bool {
	for _, r := range p.RequestLog() {
		if r.Method == "GET" && r.Path == path && r.Status == 200 && r.ClientID == p.Credentials().ClientID {
			return true
		}
	}
	return false
}
