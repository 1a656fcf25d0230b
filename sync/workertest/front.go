package workertest

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// RealFront serves sandbox product p on a loopback address of its own,
// without plutoratest.SandboxHeader: as the worker sees a real Plutora behind
// a local proxy or sidecar. It returns the API and token URLs.
func RealFront(t testing.TB, p *plutoratest.Product) (apiURL, tokenURL string) {
	t.Helper()
	return Front(t, p, func(r *http.Response) { r.Header.Del(plutoratest.SandboxHeader) })
}

// Front serves sandbox product p on a loopback address of its own through
// a reverse proxy that lets edit change every answer (r.Request is the
// request), as a proxy before the sandbox could. It returns the API and
// token URLs.
func Front(t testing.TB, p *plutoratest.Product, edit func(r *http.Response)) (apiURL, tokenURL string) {
	t.Helper()
	target, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(r *http.Response) error {
		edit(r)
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL, srv.URL + strings.TrimPrefix(p.TokenURL, p.URL)
}

// RealEnv is SandboxEnv with both products behind RealFront: a worker
// configured so believes it syncs a real Plutora.
func RealEnv(t testing.TB, sb *plutoratest.Server, dsn string) map[string]string {
	t.Helper()
	env := SandboxEnv(sb, dsn)
	for _, p := range []*plutoratest.Product{sb.Plutora, sb.Test} {
		prefix := strings.ToUpper(p.Name) + "_"
		env[prefix+"API_URL"], env[prefix+"TOKEN_URL"] = RealFront(t, p)
	}
	return env
}
