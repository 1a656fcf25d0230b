package sync

import "testing"

func TestSite(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://usapi.plutora.com", "https://usapi.plutora.com"},
		{"HTTPS://UsApi.Plutora.com/", "https://usapi.plutora.com"},
		{"https://usapi.plutora.com:443//", "https://usapi.plutora.com"},
		{"https://api.example.com:8443/plutora/v1/", "https://api.example.com:8443/plutora/v1"},
		{"http://127.0.0.1:80", "http://127.0.0.1"},
		{"http://127.0.0.1:8181", "http://127.0.0.1:8181"},
		{"http://[::1]:8181/", "http://[::1]:8181"},
		{" https://euapi.plutora.com ", "https://euapi.plutora.com"},
	} {
		if got := Site(tt.in); got != tt.want {
			t.Errorf("Site(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLockKeyPerProductOfSite(t *testing.T) {
	us := LockKey("plutora", "https://usapi.plutora.com")
	if LockKey("plutora", "HTTPS://USAPI.plutora.com:443/") != us {
		t.Error("two spellings of one site have two locks")
	}
	if LockKey("plutora", "https://euapi.plutora.com") == us {
		t.Error("two sites share a lock")
	}
	if LockKey("plutoratest", "https://usapi.plutora.com") == us {
		t.Error("two products share a lock")
	}
}
