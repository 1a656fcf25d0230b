package extract_test

import (
	"slices"
	"testing"

	"github.com/plutora-sync/plutora-sync/extract"
)

func TestRegionEndpoints(t *testing.T) {
	for _, tc := range []struct{ region, host string }{
		{"us", "us"}, {"uk", "uk"}, {"au", "au"}, {"eu", "eu"},
		{"US", "us"}, {" Eu ", "eu"}, {"\tAU\n", "au"},
	} {
		e, err := extract.RegionEndpoints(tc.region)
		if err != nil {
			t.Fatalf("%q: %v", tc.region, err)
		}
		want := extract.Endpoints{
			APIURL:   "https://" + tc.host + "api.plutora.com",
			TokenURL: "https://" + tc.host + "oauth.plutora.com/oauth/token",
		}
		if e != want {
			t.Errorf("%q: %+v, want %+v", tc.region, e, want)
		}
	}
	for _, tc := range []struct{ region, want string }{
		{"", `unknown region "": want one of us, uk, au, eu (any case)`},
		{"eu-west", `unknown region "eu-west": want one of us, uk, au, eu (any case)`},
		{"u s", `unknown region "u s": want one of us, uk, au, eu (any case)`},
	} {
		_, err := extract.RegionEndpoints(tc.region)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: err = %v, want %q", tc.region, err, tc.want)
		}
	}
	if got := extract.Regions(); !slices.Equal(got, []string{"us", "uk", "au", "eu"}) {
		t.Errorf("Regions() = %v", got)
	}
}

func TestPlutoraTestEndpoints(t *testing.T) {
	want := extract.Endpoints{APIURL: "https://apips.plutora.com", TokenURL: "https://oauthps.plutora.com/oauth/token"}
	if got := extract.PlutoraTestEndpoints(); got != want {
		t.Errorf("PlutoraTestEndpoints() = %+v, want %+v", got, want)
	}
}

func TestCheckBaseURL(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{ // want "" = accepted
		{"https://usapi.plutora.com", ""},
		{"https://usoauth.plutora.com/oauth/token", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://127.9.9.9/x", ""},
		{"http://localhost:8080/oauth/token", ""},
		{"http://LocalHost", ""},
		{"http://[::1]:8080", ""},
		{"", "is empty"},
		{"http://usapi.plutora.com", `"http://usapi.plutora.com": only https is allowed, except for loopback addresses`},
		{"http://10.0.0.1", `"http://10.0.0.1": only https is allowed, except for loopback addresses`},
		{"ftp://x/oauth/token", `"ftp://x/oauth/token": scheme "ftp", want https`},
		{"usapi.plutora.com", `"usapi.plutora.com" has no host`},
		{"https://", `"https://" has no host`},
		{"https://usapi.plutora.com:port", `"https://usapi.plutora.com:port" does not parse as a URL`},
		{"https://bob:hunter2@usapi.plutora.com", `"https://xxxxx@usapi.plutora.com": credentials in URLs are not allowed`},
		{"http://bob@127.0.0.1", `"http://xxxxx@127.0.0.1": credentials in URLs are not allowed`},
		{"https://bob:hunter2@usapi.plutora.com:port", `"https://xxxxx@usapi.plutora.com:port" does not parse as a URL`},
		{"bob:hunter2@usapi.plutora.com", `"xxxxx@usapi.plutora.com" has no host`},
		// A password with a "/" cuts the user info short: url.Parse sees no user.
		{"http://bob:12/x@usapi.plutora.com", `"http://xxxxx@usapi.plutora.com": credentials in URLs are not allowed`},
		{"https://bob:12#x@usapi.plutora.com", `"https://xxxxx@usapi.plutora.com": credentials in URLs are not allowed`},
	} {
		err := extract.CheckBaseURL(tc.raw)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("CheckBaseURL(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestIsLoopbackURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080":     true,
		"https://localhost/x":       true,
		"http://[::1]:1":            true,
		"https://usapi.plutora.com": false,
		"http://10.0.0.1":           false,
		"http://localhost.evil.com": false,
		"":                          false,
		"http://127.0.0.1:port":     false,
	} {
		if got := extract.IsLoopbackURL(raw); got != want {
			t.Errorf("IsLoopbackURL(%q) = %v, want %v", raw, got, want)
		}
	}
}
