package sync

import (
	"slices"
	"testing"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

func TestSiteName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://usapi.plutora.com", "usapi.plutora.com"},
		{"HTTPS://UsApi.Plutora.com./", "usapi.plutora.com"},
		{"https://usapi.plutora.com:443//v1", "usapi.plutora.com"},
		{"http://localhost:8181", "localhost"},
		{"http://LOCALHOST.:8181/", "localhost"},
		{"http://127.0.0.1:8181", "localhost"},
		{"http://127.0.0.2", "localhost"},
		{"http://[::1]:8181/", "localhost"},
		{"http://[::ffff:127.0.0.1]:8181/", "localhost"},
		{"http://api.localhost:8181/", "localhost"},
		{"https://10.0.0.1:8443", "10.0.0.1"},
		{" https://euapi.plutora.com ", "euapi.plutora.com"},
	} {
		if got := SiteName(tt.in); got != tt.want {
			t.Errorf("SiteName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// shareKey reports whether two replicas with these key sets can never lead
// together.
func shareKey(a, b []int64) bool {
	return slices.ContainsFunc(a, func(k int64) bool { return slices.Contains(b, k) })
}

func TestLeaderKeysOnePerSite(t *testing.T) {
	for _, tt := range []struct {
		why             string
		siteA, urlA     string
		siteB, urlB     string
		productB        string
		share           bool
		distinctKeysOfA int
		distinctKeysOfB int
	}{
		{"two spellings of loopback (issue 23)", "", "http://localhost:8181", "", "http://127.0.0.1:8181", "plutora", true, 2, 2},
		{"case and a trailing dot", "", "https://usapi.plutora.com", "", "HTTPS://USAPI.plutora.com.:443/", "plutora", true, 2, 2},
		{"PLUTORA_SITE names one site behind two hosts", "us-prod", "https://usapi.plutora.com", "US-Prod", "https://plutora-proxy.internal", "plutora", true, 3, 3},
		{"PLUTORA_SITE set on one replica only", "us-prod", "https://usapi.plutora.com", "", "https://usapi.plutora.com", "plutora", true, 3, 2},
		{"two sites", "", "https://usapi.plutora.com", "", "https://euapi.plutora.com", "plutora", false, 2, 2},
		{"two products of one site", "", "https://usapi.plutora.com", "", "https://usapi.plutora.com", "plutoratest", false, 2, 2},
	} {
		a := LeaderKeys("plutora", tt.siteA, tt.urlA)
		b := LeaderKeys(synctype.Product(tt.productB), tt.siteB, tt.urlB)
		if got := shareKey(a, b); got != tt.share {
			t.Errorf("%s: replicas share a key: %v, want %v", tt.why, got, tt.share)
		}
		if len(a) != tt.distinctKeysOfA || len(b) != tt.distinctKeysOfB {
			t.Errorf("%s: %d and %d keys, want %d and %d", tt.why, len(a), len(b), tt.distinctKeysOfA, tt.distinctKeysOfB)
		}
	}
}

// TestLegacyLockKeyIsThePreviousVersions pins the key the version before
// site names took (computed with its code): a new replica must hold exactly
// it, or a rolling update makes two leaders.
func TestLegacyLockKeyIsThePreviousVersions(t *testing.T) {
	for _, tt := range []struct {
		product string
		url     string
		want    int64
	}{
		{"plutora", "https://usapi.plutora.com", -7677808074600457360},
		{"plutoratest", "https://usapi.plutora.com", -1770544803824701908},
		{"plutora", "http://127.0.0.1:8181", -2763552632874964994},
		{"plutoratest", "http://127.0.0.1:8181", 3317259726965500578},
	} {
		if got := LegacyLockKey(synctype.Product(tt.product), tt.url); got != tt.want {
			t.Errorf("LegacyLockKey(%s, %s) = %d, want %d", tt.product, tt.url, got, tt.want)
		}
		if !slices.Contains(LeaderKeys(synctype.Product(tt.product), "", tt.url), tt.want) {
			t.Errorf("LeaderKeys(%s, %s) lacks the previous version's key", tt.product, tt.url)
		}
	}
	// The old normalisation, kept as it was.
	for _, tt := range []struct{ in, want string }{
		{"HTTPS://UsApi.Plutora.com/", "https://usapi.plutora.com"},
		{"https://usapi.plutora.com:443//", "https://usapi.plutora.com"},
		{"https://api.example.com:8443/plutora/v1/", "https://api.example.com:8443/plutora/v1"},
		{"http://127.0.0.1:80", "http://127.0.0.1"},
		{"http://[::1]:8181/", "http://[::1]:8181"},
	} {
		if got := legacySite(tt.in); got != tt.want {
			t.Errorf("legacySite(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
