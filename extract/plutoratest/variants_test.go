package plutoratest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// postToken posts form to p's token endpoint and decodes the answer.
func postToken(t *testing.T, p *Product, form url.Values) (int, map[string]any) {
	t.Helper()
	res, err := http.PostForm(p.TokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, got
}

func refreshForm(c Credentials, refresh string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}, "refresh_token": {refresh}}
}

func TestRefreshGrant(t *testing.T) {
	s := newTestServer(t, Options{})
	c := s.Plutora.Credentials()
	pw, _ := url.ParseQuery(tokenForm(c))
	_, first := postToken(t, s.Plutora, pw)
	refresh, _ := first["refresh_token"].(string)
	status, got := postToken(t, s.Plutora, refreshForm(c, refresh))
	if status != 200 || got["access_token"] == "" || got["refresh_token"] == "" || got["refresh_token"] == refresh {
		t.Fatalf("refresh grant: %d %v", status, got)
	}
	if r := call(t, nil, "GET", s.Plutora.URL+"/me", got["access_token"].(string), nil); r.status != 200 {
		t.Fatalf("refreshed token refused: %d", r.status)
	}
	for name, form := range map[string]url.Values{
		"used twice":       refreshForm(c, refresh),
		"unknown":          refreshForm(c, "nope"),
		"other product's":  refreshForm(s.Test.Credentials(), got["refresh_token"].(string)),
		"after revocation": nil,
	} {
		if form == nil {
			s.Plutora.RevokeTokens()
			form = refreshForm(c, got["refresh_token"].(string))
		}
		if status, body := postToken(t, s.Plutora, form); status != 400 || (body["error"] != "invalid_grant" && body["error"] != "invalid_client") {
			t.Errorf("%s refresh token: %d %v", name, status, body)
		}
	}

	// Without refresh tokens: none issued, and the grant is refused.
	s2 := newTestServer(t, Options{NoRefreshToken: true})
	_, tok := postToken(t, s2.Plutora, pw)
	if _, ok := tok["refresh_token"]; ok || tok["access_token"] == nil {
		t.Fatalf("NoRefreshToken: %v", tok)
	}
	if status, body := postToken(t, s2.Plutora, refreshForm(c, "x")); status != 400 || body["error"] != "unsupported_grant_type" {
		t.Fatalf("NoRefreshToken, refresh grant: %d %v", status, body)
	}
}

func TestErrorVariants(t *testing.T) {
	plain := newTestServer(t, Options{})
	varied := newTestServer(t, Options{Errors: ErrorVariants{Deny403: true, UnknownField400: true, CapitalMessage: true, ModelState: true}})
	unknownField := `{"searchFilters":[{"property":"noSuchField","operator":"Equals","value":"x"}],"pageNum":0,"recordsPerPage":100}`
	tests := []struct {
		name, method, path string
		body               any
		plain, varied      int
		plainBody, varBody string // prefixes
	}{
		{"unknown filter field, POST", "POST", "/changes/filter", unknownField, 500, 400, `{"message":"An error has occurred."}`, `{"Message":"The request is invalid.","modelState":{"searchFilters":["searchFilters: filter 0: unsupported field \"noSuchField\"`},
		{"unknown filter field, GET", "GET", "/hosts?filter=" + url.QueryEscape("`nope` = `x`"), nil, 500, 400, `{"message":"An error has occurred."}`, `{"Message":"The request is invalid.","modelState":{"filter":["filter: at byte`},
		{"sort by unknown field", "POST", "/releases/filter", `{"searchFilters":[{"property":"nope","direction":"ASC"}]}`, 500, 400, `{"message":"An error has occurred."}`, `{"Message":"The request is invalid.","modelState":{"searchFilters":[`},
		{"bad pageNum", "GET", "/changes?pageNum=x", nil, 400, 400, `{"message":"The request is invalid. pageNum`, `{"Message":"The request is invalid.","modelState":{"pageNum":["pageNum \"x\" is not a non-negative integer"]}}`},
		{"bad body", "POST", "/changes/filter", `[`, 400, 400, `{"message":`, `{"Message":"The request is invalid.","modelState":{"request":[`},
		{"unknown id", "GET", "/systems/nope", nil, 404, 404, `{"message":"No system record`, `{"Message":"No system record`},
		{"unknown route", "GET", "/widgets", nil, 404, 404, `{"message":"No HTTP resource`, `{"Message":"No HTTP resource`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range []struct {
				s      *Server
				status int
				prefix string
			}{{plain, tt.plain, tt.plainBody}, {varied, tt.varied, tt.varBody}} {
				r := call(t, nil, tt.method, w.s.Plutora.URL+tt.path, token(t, w.s.Plutora), tt.body)
				if r.status != w.status || !strings.HasPrefix(string(r.body), w.prefix) {
					t.Errorf("%d %s, want %d %s…", r.status, r.body, w.status, w.prefix)
				}
			}
		})
	}
	for _, w := range []struct {
		s      *Server
		status int
	}{{plain, 401}, {varied, 403}} {
		tok := token(t, w.s.Plutora)
		w.s.Plutora.SetWhitelist("10.0.0.0/8")
		if r := call(t, nil, "GET", w.s.Plutora.URL+"/me", tok, nil); r.status != w.status || string(r.body) != deniedBody {
			t.Errorf("whitelist denial: %d %s, want %d", r.status, r.body, w.status)
		}
	}
}

func TestListOptionsValidated(t *testing.T) {
	for _, o := range []Options{{Lists: 7}, {SummaryFilters: map[string]bool{Hosts: true}}} {
		if _, err := NewServer(o); err == nil || !strings.Contains(err.Error(), "option ") {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if _, err := ParseLists("summary"); err == nil || !strings.Contains(err.Error(), `"summary"`) {
		t.Errorf("ParseLists: %v", err)
	}
}

// TestListWorlds pins what each list answers in both worlds: the GET lists
// of environments, systems and releases are summaries only under ListsReal;
// changes and hosts are always full; filters follow SummaryFilters.
func TestListWorlds(t *testing.T) {
	full := newTestServer(t, Options{Seed: 4, Lists: ListsFull})
	real := newTestServer(t, Options{Seed: 4, Lists: ListsReal, SummaryFilters: map[string]bool{Releases: true}})
	for _, e := range []string{Changes, Releases, Environments, Hosts, Systems} {
		for _, w := range []struct {
			s       *Server
			summary []string
		}{{full, nil}, {real, summaryFields[e]}} {
			page := decodeEnvelope(t, call(t, nil, "GET", w.s.Plutora.URL+"/"+e+"?pageNum=0&recordsPerPage=100", token(t, w.s.Plutora), nil))
			recs := w.s.Records(e)
			for _, item := range page.ResultSet {
				want := recs[idOf(t, item)]
				if w.summary != nil {
					want = project(want, w.summary)
				}
				if string(item) != string(want) {
					t.Fatalf("%s list item (summary %v):\n%s\nwant\n%s", e, w.summary, item, want)
				}
			}
		}
	}
	body := `{"searchFilters":[{"property":"lastModifiedDate","operator":"GreaterOrEqual","value":"2000-01-01","direction":"ASC"}],"pageNum":0,"recordsPerPage":3}`
	for e, fields := range map[string][]string{Changes: nil, Releases: {"id", "identifier", "name", "implementationDate", "displayColor", "plutoraReleaseType", "lastModifiedDate"}} {
		page := decodeEnvelope(t, call(t, nil, "POST", real.Plutora.URL+"/"+e+"/filter", token(t, real.Plutora), body))
		for _, item := range page.ResultSet {
			want := real.Records(e)[idOf(t, item)]
			if fields != nil {
				want = project(want, fields)
			}
			if string(item) != string(want) {
				t.Fatalf("%s filter item %s, want %s", e, item, want)
			}
		}
	}
}
