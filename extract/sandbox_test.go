package extract_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// TestSandboxIsAskedWithinTheBudget: the question "is this the sandbox?"
// is one request without credentials, counted in the client's stats (and so
// in the budget) like any other; a server without the sandbox's header is
// not the sandbox, even on a loopback address.
func TestSandboxIsAskedWithinTheBudget(t *testing.T) {
	t.Parallel()
	s := newSandbox(t, plutoratest.Options{})
	c := newClient(t, configFor(s.Plutora))
	if ok, err := c.Sandbox(t.Context()); err != nil || !ok {
		t.Fatalf("Sandbox() against the sandbox = %v, %v", ok, err)
	}
	if n := statsOf(t, c).Requests; n != 1 {
		t.Errorf("%d requests counted for one question, want 1 (and no token)", n)
	}

	// The sandbox behind a loopback proxy that drops the header: a real site.
	target, _ := url.Parse(s.Plutora.URL)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(target.String() + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
	}))
	t.Cleanup(proxy.Close)
	cfg := configFor(s.Plutora)
	cfg.Endpoints.APIURL = proxy.URL
	if ok, err := newClient(t, cfg).Sandbox(t.Context()); err != nil || ok {
		t.Errorf("Sandbox() behind a proxy without the header = %v, %v; want false", ok, err)
	}
}
