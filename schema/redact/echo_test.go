package redact_test

import (
	"encoding/base64"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/plutora-sync/plutora-sync/schema/redact"
	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// creds carry characters that escape differently in each encoding, and no
// 4-byte run in common with the rest of the form or with "[redacted]".
var creds = workertest.Credentials{
	ClientSecret: `Kq9!zW+@Fv/ä(X)*~7 "R\m`,
	Password:     `Ph4$Yt%2B é<J&>';密码`,
	Username:     `ÖpsBot+1@Exämple.org`,
}

// tokenForm is the body oauth2 posts for the password grant.
func tokenForm() string {
	return url.Values{"client_id": {"plutora-worker"}, "client_secret": {creds.ClientSecret}, "grant_type": {"password"},
		"username": {creds.Username}, "password": {creds.Password}}.Encode()
}

func TestEchoTextEveryEncoding(t *testing.T) {
	s := redact.NewSecrets(creds.ClientSecret, creds.Password, creds.Username)
	for _, e := range workertest.Echoes() {
		t.Run(e.Name, func(t *testing.T) {
			text := e.Text(tokenForm(), creds)
			if l := workertest.Leaks(text, creds, e, text); len(l) == 0 {
				t.Fatalf("the case shows nothing to hide: %q", text)
			}
			got := s.EchoText(text)
			if l := workertest.Leaks(got, creds, e, text); len(l) > 0 {
				t.Errorf("EchoText(%q)\n = %q\nshows %q", text, got, l)
			}
			if !strings.Contains(got, redact.Mask) {
				t.Errorf("EchoText(%q) = %q: nothing hidden", text, got)
			}
		})
	}
}

// TestEchoTextKeepsTheRest: the server's words and the form's other fields
// stay readable, and the result is capped.
func TestEchoTextKeepsTheRest(t *testing.T) {
	s := redact.NewSecrets(creds.ClientSecret, creds.Password, creds.Username)
	for text, want := range map[string]string{
		"The user name or password is incorrect.": "The user name or password is incorrect.",
		"bad request: " + tokenForm():             "bad request: client_id=plutora-worker&client_secret=[redacted]&grant_type=password&password=[redacted]&username=[redacted]",
		// Keys hide whatever follows them, even values the worker did not send.
		`{"password": "other-pw", "client_secret":"x"}`: `{"password": "[redacted]", "client_secret":"[redacted]"}`,
	} {
		if got := s.EchoText(text); got != want {
			t.Errorf("EchoText(%q)\n = %q\nwant %q", text, got, want)
		}
	}
	if got := s.EchoText(strings.Repeat("long ", 2000)); len(got) > redact.MaxServerText+len("…") {
		t.Errorf("EchoText of 10,000 bytes is %d bytes long", len(got))
	}
	var none *redact.Secrets
	if got := none.EchoText("password=x&a=b"); got != "password=[redacted]&a=b" {
		t.Errorf("nil Secrets: %q", got)
	}
}

// FuzzEchoText: a secret echoed in a form body, escaped in any of the ways
// above, never shows whole.
func FuzzEchoText(f *testing.F) {
	f.Add(creds.ClientSecret, 0)
	f.Add("p4ssw0rd", 3)
	f.Add(`%41%42%43%44`, 5)
	f.Fuzz(func(t *testing.T, secret string, how int) {
		if len(secret) < 4 || strings.Contains(redact.Mask, secret) {
			return
		}
		encs := []func(string) string{
			func(s string) string { return s }, url.QueryEscape, workertest.DotnetURLEncode, workertest.JSONEscape, html.EscapeString,
			func(s string) string { return workertest.LowerHex(url.QueryEscape(s)) },
			func(s string) string {
				return base64.StdEncoding.EncodeToString([]byte("client_secret=" + url.QueryEscape(s)))
			},
		}
		if how < 0 {
			how = -how
		}
		echoed := encs[how%len(encs)](secret)
		got := redact.NewSecrets(secret).EchoText("error: " + echoed + " (end)")
		if strings.Contains(got, echoed) || strings.Contains(got, secret) {
			t.Fatalf("secret %q echoed as %q shows in %q", secret, echoed, got)
		}
	})
}
