package extract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

var (
	utilWindow  = flag.Duration("extract.util-window", 4*time.Second, "budget window of BenchmarkUtilization")
	utilWindows = flag.Int("extract.util-windows", 3, "windows BenchmarkUtilization runs for")
)

// BenchmarkUtilization runs against a sandbox whose answers take 100 ms, with a budget of
// 20 requests per second (80 per 4 s window by default): one page at a time could use only
// half of it. It reports the share of the budget used over whole windows from the first
// request (util_%), read from the sandbox's request log. -extract.util-windows (or
// PLUTORA_BENCH_FULL=1: 10 windows) runs longer.
func BenchmarkUtilization(b *testing.B) {
	for _, inFlight := range []int{1, 4} {
		b.Run(fmt.Sprintf("inflight=%d", inFlight), func(b *testing.B) {
			windows := *utilWindows
			if os.Getenv("PLUTORA_BENCH_FULL") != "" && windows == 3 {
				windows = 10 // make bench-full: a longer run
			}
			for range b.N {
				util, n := utilization(b, inFlight, *utilWindow, windows)
				b.ReportMetric(util, "util_%")
				b.ReportMetric(float64(n), "requests")
			}
		})
	}
}

func utilization(b *testing.B, inFlight int, window time.Duration, windows int) (float64, int) {
	budget := int(20 * window / time.Second)
	s := newSandbox(b, plutoratest.Options{Latency: 100 * time.Millisecond, Budget: budget, Window: window,
		Sizes: plutoratest.Sizes{Changes: 5000}})
	cfg := configFor(s.Plutora)
	cfg.Budget, cfg.Reserve, cfg.Window, cfg.PagesInFlight = budget, 0, window, inFlight
	c := newClient(b, cfg)
	start := time.Now()
	ctx, cancel := context.WithDeadline(b.Context(), start.Add(window*time.Duration(windows)+window/2))
	defer cancel()
	for ctx.Err() == nil {
		err := c.Pages(ctx, mustEntity(b, "changes"), synctype.Query{}, func(synctype.Page) error { return nil })
		if err != nil && ctx.Err() == nil {
			b.Fatal(err)
		}
	}
	log := s.Plutora.RequestLog()
	if len(log) == 0 {
		b.Fatal("no requests")
	}
	t0, n, throttled := log[0].At, 0, 0
	for _, r := range log {
		if r.At.Sub(t0) < window*time.Duration(windows) {
			n++
		}
		if r.Status == 429 {
			throttled++
		}
	}
	if throttled > 0 {
		b.Errorf("%d answers were 429", throttled)
	}
	return 100 * float64(n) / float64(budget*windows), n
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOverhead pages through 5,000 changes (50 pages) with no latency and no budget
// to bind. "client-inflight=N" is this package; "bare" fetches the same pages one at a
// time with a plain http.Client and a fixed token, so it shows what the sandbox costs
// itself. The sandbox runs in the same process: cpu_µs/page is client and server
// together, and the client's own cost is the difference between "client-inflight=1" and
// "bare" (the like-for-like pair: the sandbox serves concurrent requests more slowly).
func BenchmarkOverhead(b *testing.B) {
	s := newSandbox(b, plutoratest.Options{Budget: 1 << 30, Sizes: plutoratest.Sizes{Changes: 5000}})
	e := mustEntity(b, "changes")
	client := func(inFlight int) func() int {
		cfg := configFor(s.Plutora)
		cfg.Budget, cfg.PagesInFlight = 1<<30, inFlight
		c := newClient(b, cfg)
		return func() int {
			pages := 0
			if err := c.Pages(b.Context(), e, synctype.Query{}, func(synctype.Page) error { pages++; return nil }); err != nil {
				b.Fatal(err)
			}
			return pages
		}
	}
	sweeps := []struct {
		name  string
		sweep func() int
	}{{"bare", bareSweep(b, s.Plutora)}, {"client-inflight=1", client(1)}, {"client-inflight=4", client(4)}}
	sweeps[0].sweep() // warm up: the sandbox generates records on first use
	for _, sw := range sweeps {
		b.Run(sw.name, func(b *testing.B) {
			pages, cpu0, t0 := 0, cpuTime(), time.Now()
			for range b.N {
				pages += sw.sweep()
			}
			elapsed, cpu := time.Since(t0), cpuTime()-cpu0
			b.ReportMetric(float64(pages)/elapsed.Seconds(), "pages/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(pages), "cpu_µs/page")
		})
	}
}

// bareSweep returns a sweep of changes, one page at a time, with no pacing, retries or
// envelope checks beyond reading the body.
func bareSweep(b *testing.B, p *plutoratest.Product) func() int {
	cr := p.Credentials()
	form := url.Values{"grant_type": {"password"}, "client_id": {cr.ClientID}, "client_secret": {cr.ClientSecret},
		"username": {cr.Username}, "password": {cr.Password}}
	resp, err := http.Post(p.TokenURL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	return func() int {
		for num := 0; ; num++ {
			body := fmt.Sprintf(`{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC"}],"recordsPerPage":100,"pageNum":%d}`, num)
			req, _ := http.NewRequest("POST", p.URL+"/changes/filter", bytes.NewReader([]byte(body)))
			req.Header.Set("Authorization", "bearer "+tok.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if bytes.Contains(data, []byte(`"resultSet":[]`)) {
				return num
			}
		}
	}
}
