package plutoratest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTokenSloppyForms(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, TokenTTL: 1199 * time.Second})
	c := s.Plutora.Credentials()
	user := strings.Replace(c.Username, "@", "%40", 1)
	base := "client_id=" + c.ClientID + "&client_secret=" + c.ClientSecret + "&grant_type=password&username=" + user + "&password=" + c.Password
	tests := []struct {
		name, ctype, body string
		chunked           bool
		status            int
		errCode           string
	}{
		{"plain", "application/x-www-form-urlencoded", base, false, 200, ""},
		{"trailing ampersand", "application/x-www-form-urlencoded", base + "&", false, 200, ""},
		{"empty pair", "application/x-www-form-urlencoded", base + "&=", false, 200, ""},
		{"empty pairs inside", "application/x-www-form-urlencoded", "&&=&" + base + "&&", false, 200, ""},
		{"raw at sign", "application/x-www-form-urlencoded", strings.Replace(base, "%40", "@", 1), false, 200, ""},
		{"wrong content type", "x-www-form-urlencoded; charset=urf-8", base, false, 200, ""},
		{"no content type", "", base, false, 200, ""},
		{"reordered", "application/x-www-form-urlencoded", "password=" + c.Password + "&username=" + user + "&grant_type=password&client_secret=" + c.ClientSecret + "&client_id=" + c.ClientID, false, 200, ""},
		{"chunked", "application/x-www-form-urlencoded", base + "&", true, 200, ""},
		{"username case", "", strings.Replace(base, user, strings.ToUpper(user[:1])+user[1:], 1), false, 200, ""},
		{"bad password", "", base + "x", false, 400, "invalid_grant"},
		{"bad user", "", strings.Replace(base, "username=", "username=x", 1), false, 400, "invalid_grant"},
		{"bad secret", "", strings.Replace(base, "client_secret=", "client_secret=x", 1), false, 400, "invalid_client"},
		{"other product's keys", "", tokenForm(s.Test.Credentials()), false, 400, "invalid_client"},
		{"wrong grant", "", strings.Replace(base, "grant_type=password", "grant_type=client_credentials", 1), false, 400, "unsupported_grant_type"},
		{"empty body", "", "", false, 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(strings.NewReader(tt.body[:10]), strings.NewReader(tt.body[10:])) // unknown length → chunked
			}
			req, _ := http.NewRequest("POST", s.Plutora.TokenURL, body)
			if tt.chunked {
				req.ContentLength = -1
				req.TransferEncoding = []string{"chunked"}
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var got map[string]any
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %v", res.StatusCode, tt.status, got)
			}
			if tt.status != 200 {
				if got["error"] != tt.errCode || got["error_description"] == "" {
					t.Fatalf("error body %v, want error %q", got, tt.errCode)
				}
				return
			}
			if got["token_type"] != "bearer" || got["expires_in"] != float64(1199) || got["access_token"] == "" || got["refresh_token"] == "" {
				t.Fatalf("token body %v", got)
			}
		})
	}
}

func TestTokenDefaultLifetime(t *testing.T) {
	s := newTestServer(t, Options{})
	res, err := http.Post(s.Test.TokenURL, "", strings.NewReader(tokenForm(s.Test.Credentials())))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct {
		ExpiresIn int `json:"expires_in"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || got.ExpiresIn != 82800 {
		t.Fatalf("expires_in %d (%v), want 82800", got.ExpiresIn, err)
	}
}

func TestAuth(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := newTestServer(t, Options{Now: clk.now, TokenTTL: time.Hour})
	tok := token(t, s.Plutora)
	testTok := token(t, s.Test)
	for _, h := range []string{"bearer " + tok, "Bearer " + tok, "BEARER " + tok, "  bearer   " + tok} {
		r := call(t, nil, "GET", s.Plutora.URL+"/me", "", nil)
		if r.status != 401 {
			t.Fatalf("no header: %d", r.status)
		}
		req, _ := http.NewRequest("GET", s.Plutora.URL+"/me", nil)
		req.Header.Set("Authorization", h)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(b) != `"`+s.Plutora.Credentials().Username+`"` {
			t.Fatalf("header %q: %d %s", h, res.StatusCode, b)
		}
	}
	denied := []struct{ name, header string }{
		{"none", ""},
		{"basic", "Basic " + tok},
		{"no scheme", tok},
		{"unknown token", "bearer nope"},
		{"other product's token", "bearer " + testTok},
	}
	for _, d := range denied {
		req, _ := http.NewRequest("GET", s.Plutora.URL+"/changes?pageNum=0", nil)
		if d.header != "" {
			req.Header.Set("Authorization", d.header)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 401 || string(b) != deniedBody {
			t.Errorf("%s: %d %s", d.name, res.StatusCode, b)
		}
	}
	// Expiry against the injected clock.
	clk.advance(time.Hour - time.Second)
	if r := call(t, nil, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 200 {
		t.Fatalf("just before expiry: %d", r.status)
	}
	clk.advance(time.Second)
	if r := call(t, nil, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 401 || string(r.body) != deniedBody {
		t.Fatalf("at expiry: %d %s", r.status, r.body)
	}
	// Revocation.
	tok, testTok = token(t, s.Plutora), token(t, s.Test)
	s.Plutora.RevokeTokens()
	if r := call(t, nil, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 401 {
		t.Fatalf("after revoke: %d", r.status)
	}
	if r := call(t, nil, "GET", s.Test.URL+"/me", testTok, nil); r.status != 200 {
		t.Fatalf("revoking Plutora's tokens revoked Plutora Test's: %d", r.status)
	}
}

func TestTokenEchoForm(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, EchoTokenForm: true})
	form := tokenForm(s.Plutora.Credentials())
	res, err := http.Post(s.Plutora.TokenURL, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got map[string]string
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusBadRequest || got["error"] != "invalid_grant" || got["error_description"] != "bad request: "+form {
		t.Errorf("HTTP %d %v; want 400, invalid_grant and the form echoed", res.StatusCode, got)
	}
}
