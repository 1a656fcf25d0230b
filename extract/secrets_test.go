package extract_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/sync/synctype"
)

// TestSecretsNeverShown runs the client through success and every kind of failure with
// distinctive secrets and searches every log line and error text for them.
func TestSecretsNeverShown(t *testing.T) {
	const (
		secret   = "SeCrEt-4f1d9c7e-CLIENT"
		password = "PaSsWoRd-8b2e6a1d-USER"
	)
	s := newSandbox(t, plutoratest.Options{Faults: plutoratest.Faults{ServerErrors: 0.1, Truncated: 0.1, HTMLErrors: 0.1}})
	var logs logBuffer
	var errs []error
	rec := &tokenRecorder{tokens: map[string]bool{}}
	run := func(cfg extract.Config, do func(c *extract.Client) error) {
		cfg.Logger = logs.logger()
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

	if len(errs) < 6 {
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
			if strings.Contains(text, v) {
				t.Errorf("secret %q appears in %q", v, text)
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
