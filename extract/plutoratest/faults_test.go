package plutoratest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestThrottleRollingWindow(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := newTestServer(t, Options{Now: clk.now, Budget: 5, Window: time.Minute})
	tok := token(t, s.Plutora)
	get := func() apiResult { return call(t, nil, "GET", s.Plutora.URL+"/systems?pageNum=0", tok, nil) }
	for i := 0; i < 3; i++ {
		if r := get(); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	clk.advance(20 * time.Second)
	for i := 0; i < 2; i++ {
		if r := get(); r.status != 200 {
			t.Fatalf("request %d: %d", i+3, r.status)
		}
	}
	r := get()
	if r.status != 429 || r.header.Get("Retry-After") != "40" {
		t.Fatalf("over budget: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	// Refused requests do not use budget; the window rolls.
	clk.advance(40 * time.Second) // the first three leave the window
	for i := 0; i < 3; i++ {
		if r := get(); r.status != 200 {
			t.Fatalf("after the window rolled, request %d: %d", i, r.status)
		}
	}
	if r := get(); r.status != 429 || r.header.Get("Retry-After") != "20" {
		t.Fatalf("again over: %d %q", r.status, r.header.Get("Retry-After"))
	}
	// A second API key has its own budget; Plutora Test its own.
	if r := call(t, nil, "GET", s.Test.URL+"/me", token(t, s.Test), nil); r.status != 200 {
		t.Fatalf("Plutora Test: %d", r.status)
	}
	// The log audits it: at most Budget admitted in any minute.
	var admitted []time.Time
	for _, l := range s.Plutora.RequestLog() {
		if l.Path != "/oauth/token" && l.Status == 200 {
			admitted = append(admitted, l.At)
		}
	}
	for i := range admitted {
		n := 0
		for _, a := range admitted {
			if !a.Before(admitted[i]) && a.Before(admitted[i].Add(time.Minute)) {
				n++
			}
		}
		if n > 5 {
			t.Fatalf("%d admitted in the minute from %v", n, admitted[i])
		}
	}
}

func TestThrottleStatusOption(t *testing.T) {
	s := newTestServer(t, Options{Budget: 1, ThrottleStatus: 503})
	tok := token(t, s.Test)
	call(t, nil, "GET", s.Test.URL+"/me", tok, nil)
	if r := call(t, nil, "GET", s.Test.URL+"/me", tok, nil); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d %q", r.status, r.header.Get("Retry-After"))
	}
}

// outcome classifies one API call for the fault tests.
func outcome(t *testing.T, client *http.Client, u, tok string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := client.Do(req)
	if err != nil {
		return "transport"
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "transport"
	}
	switch {
	case res.StatusCode == 200 && !json.Valid(b):
		return "200-invalid"
	case strings.HasPrefix(res.Header.Get("Content-Type"), "text/html"):
		return fmt.Sprintf("%d-html", res.StatusCode)
	}
	return fmt.Sprint(res.StatusCode)
}

func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestFaultKinds(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		want   string
	}{
		{"server errors", Faults{ServerErrors: 1}, "5xx"},
		{"html", Faults{HTMLErrors: 1}, "5xx-html"},
		{"truncated", Faults{Truncated: 1}, "200-invalid"},
		{"garbled", Faults{Garbled: 1}, "200-invalid"},
		{"reset", Faults{Resets: 1}, "transport"},
		{"throttle bursts", Faults{ThrottleBursts: 1}, "429"},
		{"none", Faults{}, "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Options{Seed: 1, Faults: tt.faults})
			tok := token(t, s.Plutora)
			for i := 0; i < 5; i++ {
				got := outcome(t, noKeepAlive(), s.Plutora.URL+"/hosts?pageNum=0", tok)
				if strings.HasPrefix(tt.want, "5xx") && len(got) >= 3 && strings.Contains("500,502,503", got[:3]) && got[3:] == tt.want[3:] {
					continue
				}
				if got != tt.want {
					t.Fatalf("request %d: %s, want %s", i, got, tt.want)
				}
			}
			if tt.want == "transport" {
				if l := s.Plutora.RequestLog(); l[len(l)-1].Status != 0 {
					t.Fatalf("reset logged as %d", l[len(l)-1].Status)
				}
			}
		})
	}
}

func TestFaultsDeterministic(t *testing.T) {
	f := Faults{ServerErrors: 0.1, HTMLErrors: 0.05, Truncated: 0.05, Garbled: 0.05, Resets: 0.05, ThrottleBursts: 0.02, BurstLength: 3}
	run := func(seed int64) []string {
		s := newTestServer(t, Options{Seed: seed, Faults: f})
		tok := token(t, s.Plutora)
		var out []string
		for i := 0; i < 150; i++ {
			out = append(out, outcome(t, noKeepAlive(), s.Plutora.URL+"/systems?pageNum=0&recordsPerPage=2", tok))
		}
		return out
	}
	a, b, c := run(5), run(5), run(6)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if strings.Join(a, ",") == strings.Join(c, ",") {
		t.Fatal("another seed gave the same faults")
	}
	kinds := map[string]int{}
	for _, o := range a {
		kinds[o]++
	}
	for _, k := range []string{"200", "200-invalid", "transport", "429"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among %v", k, kinds)
		}
	}
	// A burst is BurstLength 429s in a row.
	run3 := strings.Contains(strings.Join(a, ","), "429,429,429")
	if !run3 {
		t.Errorf("no burst of three 429s in %v", a)
	}
}

func TestRevokeAtRequest(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := newTestServer(t, Options{Now: clk.now, Faults: Faults{RevokeAtRequest: 3, RevokeAt: clk.t.Add(time.Hour)}})
	tok := token(t, s.Plutora)
	for i, want := range []int{200, 200, 401, 401} {
		if r := call(t, nil, "GET", s.Plutora.URL+"/me", tok, nil); r.status != want {
			t.Fatalf("request %d: %d, want %d", i+1, r.status, want)
		}
	}
	tok = token(t, s.Plutora)
	if r := call(t, nil, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 200 {
		t.Fatalf("new token: %d", r.status)
	}
	clk.advance(time.Hour)
	if r := call(t, nil, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 401 {
		t.Fatalf("at RevokeAt: %d", r.status)
	}
	tok = token(t, s.Plutora)
	if r := call(t, nil, "GET", s.Plutora.URL+"/me", tok, nil); r.status != 200 {
		t.Fatalf("RevokeAt fires once: %d", r.status)
	}
}

func TestLatencyAndJitter(t *testing.T) {
	// The delays are computed, not timed: Latency plus a share of Jitter
	// that depends only on the seed and the request number.
	a := newTestServer(t, Options{Seed: 3, Latency: time.Millisecond, Jitter: 4 * time.Millisecond})
	b := newTestServer(t, Options{Seed: 3, Latency: time.Millisecond, Jitter: 4 * time.Millisecond})
	distinct := map[time.Duration]bool{}
	for seq := int64(1); seq <= 100; seq++ {
		d := a.Plutora.latency(seq)
		if d < time.Millisecond || d >= 5*time.Millisecond || d != b.Plutora.latency(seq) {
			t.Fatalf("request %d: latency %v (other server %v)", seq, d, b.Plutora.latency(seq))
		}
		distinct[d] = true
	}
	if len(distinct) < 50 {
		t.Fatalf("jitter took only %d values", len(distinct))
	}
	if r := call(t, nil, "GET", a.Plutora.URL+"/me", token(t, a.Plutora), nil); r.status != 200 {
		t.Fatal(r.status)
	}
	if _, err := NewServer(Options{Faults: Faults{ServerErrors: 0.7, Resets: 0.7}}); err == nil || !strings.Contains(err.Error(), "more than 1") {
		t.Fatalf("shares over 1: %v", err)
	}
	if _, err := NewServer(Options{Faults: Faults{Garbled: -0.1}}); err == nil || !strings.Contains(err.Error(), "Garbled") {
		t.Fatalf("negative share: %v", err)
	}
}
