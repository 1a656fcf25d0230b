package plutoratest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// small sizes keep the tests fast.
var smallSizes = Sizes{Changes: 250, Releases: 40, Environments: 20, Hosts: 60, Systems: 15, Defects: 230}

func newTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Sizes == (Sizes{}) {
		opts.Sizes = smallSizes
	}
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func tokenForm(c Credentials) string {
	return url.Values{"grant_type": {"password"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}, "username": {c.Username}, "password": {c.Password}}.Encode()
}

// token fetches a token for p.
func token(t testing.TB, p *Product) string {
	t.Helper()
	res, err := http.Post(p.TokenURL, "application/x-www-form-urlencoded", strings.NewReader(tokenForm(p.Credentials())))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("token: %d %s", res.StatusCode, b)
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v %+v", err, tok)
	}
	return tok.AccessToken
}

type apiResult struct {
	status int
	header http.Header
	body   []byte
}

func call(t testing.TB, client *http.Client, method, u, tok string, body any) apiResult {
	t.Helper()
	r, err := try(client, method, u, tok, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// try is call for goroutines other than the test's: it returns the error.
func try(client *http.Client, method, u, tok string, body any) (apiResult, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return apiResult{}, err
	}
	if tok != "" {
		req.Header.Set("Authorization", "bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return apiResult{}, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return apiResult{}, fmt.Errorf("%s %s: read: %w", method, u, err)
	}
	return apiResult{res.StatusCode, res.Header, b}, nil
}

type envelope struct {
	ResultSet      []json.RawMessage `json:"resultSet"`
	ReturnCount    int               `json:"returnCount"`
	TotalCount     int               `json:"totalCount"`
	PageNum        int               `json:"pageNum"`
	RecordsPerPage int               `json:"recordsPerPage"`
}

func decodeEnvelope(t testing.TB, r apiResult) envelope {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var e envelope
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("envelope: %v: %.200s", err, r.body)
	}
	return e
}

func idOf(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("record: %v", err)
	}
	if id, ok := m["id"].(string); ok {
		return id
	}
	id, _ := m["Id"].(string)
	return id
}

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }
