package extract

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Endpoints are the base URL of an API and the URL of its token endpoint.
type Endpoints struct {
	APIURL   string // e.g. https://usapi.plutora.com (API paths are appended to it)
	TokenURL string // e.g. https://usoauth.plutora.com/oauth/token
}

// regions are the Plutora regions with known hosts ({region}api, {region}oauth).
var regions = []string{"us", "uk", "au", "eu"}

// Regions returns the Plutora regions RegionEndpoints knows, lower case.
func Regions() []string { return append([]string(nil), regions...) }

// RegionEndpoints returns the Plutora endpoints of a region: us, uk, au or eu,
// in any case and with surrounding spaces ignored.
func RegionEndpoints(region string) (Endpoints, error) {
	r := strings.ToLower(strings.TrimSpace(region))
	for _, known := range regions {
		if r == known {
			return Endpoints{
				APIURL:   "https://" + r + "api.plutora.com",
				TokenURL: "https://" + r + "oauth.plutora.com/oauth/token",
			}, nil
		}
	}
	return Endpoints{}, fmt.Errorf("unknown region %q: want one of %s (any case)", region, strings.Join(regions, ", "))
}

// PlutoraTestEndpoints returns the Plutora Test endpoints known from its
// documentation; its other regions are unknown, so callers let them be overridden.
func PlutoraTestEndpoints() Endpoints {
	return Endpoints{
		APIURL:   "https://apips.plutora.com",
		TokenURL: "https://oauthps.plutora.com/oauth/token",
	}
}

// CheckBaseURL accepts absolute https URLs, and http only on a loopback host
// (the sandbox). URLs with user info are refused; errors never show it, nor
// anything up to the last "@" (a password with a "/" or "#" cuts the user info
// short, and url.Parse takes the rest of it for a host and a path).
func CheckBaseURL(raw string) error {
	if raw == "" {
		return errors.New("is empty")
	}
	shown := redactRaw(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q does not parse as a URL", shown)
	}
	if u.User != nil {
		return fmt.Errorf("%q: credentials in URLs are not allowed", shown)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", shown)
	}
	if strings.Contains(raw, "@") {
		return fmt.Errorf("%q: credentials in URLs are not allowed", shown)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q: only https is allowed, except for loopback addresses", shown)
	}
	return fmt.Errorf("%q: scheme %q, want https", shown, u.Scheme)
}

// IsLoopbackURL reports whether raw parses as a URL whose host is localhost or
// a loopback address.
func IsLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && isLoopbackHost(u.Hostname())
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactRaw hides what may be user info (up to the last @) in a string that
// did not parse as a URL with a host.
func redactRaw(raw string) string {
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return raw
	}
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 && i < at {
		start = i + len("://")
	}
	return raw[:start] + "xxxxx" + raw[at:]
}
