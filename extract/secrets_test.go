package extract_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync/redact"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestSecretsNeverShown runs the client through success and every kind of failure with
// distinctive secrets and searches every log line and error text for them.
func TestSecretsNeverShown(t *testing.T) {
	// Each character escapes differently in a form, a URL path, JSON and Go.
	const (
		secret   = `SeCrEt@4f1d+9c7e/CL=IENT&x%2 "q\ é`
		password = `PaSsWoRd 8b2e@6a1d+U/S=E&R%"\ 密码`
	)
	s := newSandbox(t, plutoratest.Options{Faults: plutoratest.Faults{ServerErrors: 0.1, Truncated: 0.1, HTMLErrors: 0.1}})
	var logs workertest.LogBuffer
	var errs []error
	rec := &tokenRecorder{tokens: map[string]bool{}}
	run := func(cfg extract.Config, do func(c *extract.Client) error) {
		cfg.Logger = debugLogger(&logs)
		cfg.HTTPClient = &http.Client{Transport: rec}
		c, err := extract.New(t.Context(), cfg)
		if err != nil {
			errs = append(errs, err)
			return
		}
		defer c.Close()
		if err := do(c); err != nil {
			errs = append(errs, err)
		}
	}
	sweep := func(c *extract.Client) error {
		_, _, err := collect(t, c, mustEntity(t, "changes"), synctype.Query{})
		return err
	}
	me := func(c *extract.Client) error { _, err := c.Me(t.Context()); return err }

	// The sandbox's own credentials work; wrong ones carrying the distinctive values fail.
	good := configFor(s.Plutora)
	run(good, sweep)
	wrongPW := good
	wrongPW.Password = password
	run(wrongPW, me)
	wrongSecret := good
	wrongSecret.ClientSecret = secret
	run(wrongSecret, me)
	s.Plutora.SetWhitelist("10.0.0.0/8")
	run(good, me)
	s.Plutora.SetWhitelist()
	s.Plutora.SetFaults(plutoratest.Faults{Truncated: 1})
	run(good, sweep)
	bad := good
	bad.Password, bad.ClientSecret, bad.Endpoints.APIURL = password, secret, "http://usapi.plutora.com"
	run(bad, me)
	// A token endpoint that is down, with the distinctive secrets in the request.
	down := wrongPW
	down.ClientSecret, down.Endpoints.TokenURL, down.MaxAttempts = secret, "http://127.0.0.1:1/oauth/token", 2
	run(down, me)
	// A token endpoint that echoes the form (URL-encoded secrets) in its error_description.
	echo := newSandbox(t, plutoratest.Options{EchoTokenForm: true})
	echoed := configFor(echo.Plutora)
	echoed.ClientSecret, echoed.Password = secret, password
	run(echoed, me)
	if n := len(errs); n == 0 || !strings.Contains(errs[n-1].Error(), "bad request: client_id=") {
		t.Errorf("the echoing token server's description is not in the error: %v", errs[n-1])
	}

	if len(errs) < 7 {
		t.Fatalf("only %d errors: the failures did not happen", len(errs))
	}
	if !errors.Is(errors.Join(errs...), extract.ErrInvalidCredentials) {
		t.Errorf("no invalid-credentials error among %v", errs)
	}
	tokens := rec.list()
	if len(tokens) < 2 {
		t.Fatalf("recorded %d tokens, want several", len(tokens))
	}
	texts := []string{logs.String()}
	for _, err := range errs {
		texts = append(texts, err.Error())
	}
	for _, text := range texts {
		for _, v := range append([]string{secret, password, s.Plutora.Credentials().ClientSecret, s.Plutora.Credentials().Password}, tokens...) {
			for _, f := range redact.Forms(v) {
				if strings.Contains(text, f) {
					t.Errorf("secret %q appears as %q in %q", v, f, text)
				}
			}
		}
	}
	if !strings.Contains(logs.String(), "token obtained") {
		t.Errorf("the log has no token line: was the logger used? %q", logs.String())
	}
}

// tokenRecorder records the bearer tokens the client sends.
type tokenRecorder struct {
	mu     sync.Mutex
	tokens map[string]bool
}

func (r *tokenRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if h := req.Header.Get("Authorization"); len(h) > len("bearer ") {
		r.mu.Lock()
		r.tokens[h[len("bearer "):]] = true
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (r *tokenRecorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for tok := range r.tokens {
		out = append(out, tok)
	}
	return out
}
