package plutoratest

import (
	"net/http"
	"strings"
	"testing"
)

// Every answer says it comes from the sandbox: the worker marks its runs by
// this header, never by the URL.
func TestEveryAnswerCarriesTheSandboxHeader(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1})
	tok := token(t, s.Plutora)
	tests := []struct {
		name, method, url, auth, body string
		status                        int
	}{
		{"token", "POST", s.Plutora.TokenURL, "", tokenForm(s.Plutora.Credentials()), 200},
		{"bad token request", "POST", s.Plutora.TokenURL, "", "grant_type=password", 400},
		{"no token", "GET", s.Plutora.URL + "/me", "", "", 401},
		{"list", "GET", s.Plutora.URL + "/hosts?pageNum=0&recordsPerPage=1", "bearer " + tok, "", 200},
		{"unknown route", "GET", s.Plutora.URL + "/nothing", "bearer " + tok, "", 404},
		{"Plutora Test without token", "POST", s.Test.URL + "/defects/Search", "", "{}", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.method == "POST" && tt.url == s.Plutora.TokenURL {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get(SandboxHeader); got != "1" {
				t.Errorf("%s: %q, want \"1\"", SandboxHeader, got)
			}
		})
	}
}
