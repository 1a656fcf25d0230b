package extract_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract"
	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/redact"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
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

// echoCreds carry characters that escape differently in each encoding, and
// no 4-byte run in common with the rest of an error or with "[redacted]".
var echoCreds = workertest.Credentials{
	ClientSecret: `Kq9!zW+@Fv/ä(X)*~7 "R\m`,
	Password:     `Ph4$Yt%2B é<J&>';密码`,
	Username:     `ÖpsBot+1@Exämple.org`,
}

// TestTokenServerEchoes: a token server that writes the posted form back in
// its error, in each of the encodings workertest.Echoes knows (lower-case
// hex as .NET writes it, base64 of the body, split into a start and an end,
// …), and one that puts it in the error code, shows no piece of the client
// secret, the password or the user name in the error or the log.
func TestTokenServerEchoes(t *testing.T) {
	t.Parallel()
	type tc struct {
		echo workertest.Echo
		code bool // the echo is the error code, not the description
	}
	var cases []tc
	for _, e := range workertest.Echoes() {
		cases = append(cases, tc{echo: e})
	}
	cases = append(cases, tc{echo: workertest.Echoes()[2], code: true})
	for _, c := range cases {
		name := c.echo.Name
		if c.code {
			name += " in the error code"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var echoed string
			s := newSandbox(t, plutoratest.Options{TokenEcho: func(body string) (string, string) {
				echoed = c.echo.Text(body, echoCreds)
				if c.code {
					return echoed, "refused"
				}
				return "invalid_grant", echoed
			}})
			cfg := configFor(s.Plutora)
			cfg.ClientSecret, cfg.Password, cfg.Username = echoCreds.ClientSecret, echoCreds.Password, echoCreds.Username
			var logs workertest.LogBuffer
			cfg.Logger = debugLogger(&logs)
			_, err := newClient(t, cfg).Me(t.Context())
			if err == nil {
				t.Fatal("Me succeeded against a token server that refuses every request")
			}
			want := "invalid credentials (invalid_grant: "
			if c.code {
				want = "HTTP 400 (unreadable error code)"
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
			if l := workertest.Leaks(echoed, echoCreds, c.echo, echoed); len(l) == 0 {
				t.Fatalf("the server's text shows nothing to hide: %q", echoed)
			}
			text := err.Error() + "\n" + logs.String()
			if l := workertest.Leaks(text, echoCreds, c.echo, echoed); len(l) > 0 {
				t.Errorf("the server wrote %q;\nthe error and the log show %q:\n%s", echoed, l, text)
			}
		})
	}
}
