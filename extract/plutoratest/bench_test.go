package plutoratest

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchChanges is the number of changes for the benchmarks: the default
// site unless PLUTORATEST_BENCH_CHANGES says otherwise (e.g. 1000000).
func benchChanges(b *testing.B) int {
	if v := os.Getenv("PLUTORATEST_BENCH_CHANGES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("PLUTORATEST_BENCH_CHANGES=%q: want a positive integer", v)
		}
		return n
	}
	return DefaultSizes().Changes
}

// BenchmarkPagesServed measures full pages of 100 records served per second
// over real HTTP on loopback, with 4 requests in flight (the client's
// default), bodies read to the end. Run:
//
//	go test -run XXX -bench PagesServed -benchtime 5s ./extract/plutoratest/
func BenchmarkPagesServed(b *testing.B) {
	n := benchChanges(b)
	s, err := NewServer(Options{Seed: 1, Budget: 1 << 40, Sizes: Sizes{Changes: n, Defects: n}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, ReadBufferSize: 64 << 10}}
	tok, ttok := token(b, s.Plutora), token(b, s.Test)
	pages := (n + 99) / 100
	cases := []struct {
		name string
		req  func(page int) *http.Request
	}{
		{"GET-changes", func(page int) *http.Request {
			r, _ := http.NewRequest("GET", fmt.Sprintf("%s/changes?pageNum=%d&recordsPerPage=100", s.Plutora.URL, page), nil)
			r.Header.Set("Authorization", "bearer "+tok)
			return r
		}},
		{"POST-changes-filter", func(page int) *http.Request {
			body := fmt.Sprintf(`{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC","value":"2000-01-01T00:00:00.000Z","operator":"GreaterOrEqual"}],"recordsPerPage":100,"pageNum":%d}`, page)
			r, _ := http.NewRequest("POST", s.Plutora.URL+"/changes/filter", strings.NewReader(body))
			r.Header.Set("Authorization", "bearer "+tok)
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{"POST-defects-Search", func(page int) *http.Request {
			body := fmt.Sprintf(`{"searchFilters":[{"property":"LastModifiedDate","direction":"ASC","value":"2000-01-01","operator":"GreaterOrEqual"}],"recordsPerPage":100,"pageNum":%d}`, page)
			r, _ := http.NewRequest("POST", s.Test.URL+"/defects/Search", strings.NewReader(body))
			r.Header.Set("Authorization", "bearer "+ttok)
			return r
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			bufs := sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}
			fetch := func(page int) int64 {
				res, err := client.Do(c.req(page))
				if err != nil {
					b.Fatal(err)
				}
				buf := bufs.Get().(*[]byte)
				nb, _ := io.CopyBuffer(struct{ io.Writer }{io.Discard}, res.Body, *buf)
				bufs.Put(buf)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("page %d: %d", page, res.StatusCode)
				}
				return nb
			}
			for p := 0; p < min(pages, 200); p++ {
				fetch(p) // generate the records before timing
			}
			var next, bytes atomic.Int64
			b.SetParallelism(2) // 2 × GOMAXPROCS goroutines: 4 in flight on 2 cores
			cpu0 := processCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					page := int(next.Add(1)) % min(pages, 200)
					bytes.Add(fetch(page))
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
			// CPU of the whole process (server and client) per page: the
			// figure that holds when the machine is shared.
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/page")
			b.ReportMetric(float64(bytes.Load())/float64(b.N), "B/page")
		})
	}
}

// BenchmarkNewServer measures the start of a sandbox with
// PLUTORATEST_BENCH_CHANGES changes and as many defects (records are built
// lazily, on first read).
func BenchmarkNewServer(b *testing.B) {
	n := benchChanges(b)
	for i := 0; i < b.N; i++ {
		s, err := NewServer(Options{Sizes: Sizes{Changes: n, Defects: n}})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric(float64(2*n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkBuildChange measures generating one change's JSON.
func BenchmarkBuildChange(b *testing.B) {
	g := newGenerator(1, DefaultSizes(), false, Quirks{})
	size := 0
	for i := 0; i < b.N; i++ {
		size += len(g.change(&record{id: zeroGUID, idx: i, modStr: "2025-06-20T17:29:55.883"}))
	}
	b.ReportMetric(float64(size)/float64(b.N), "B/record")
}

// processCPU is the user+system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardWriter is an http.ResponseWriter that drops the body.
type discardWriter struct {
	h http.Header
	n int64
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }

// BenchmarkServePage measures the sandbox's own work per page of 100
// changes (auth, throttle, filter, serialization, log), without sockets:
// the ceiling of pages per second per core.
func BenchmarkServePage(b *testing.B) {
	s, err := NewServer(Options{Seed: 1, Budget: 1 << 40, Sizes: Sizes{Changes: benchChanges(b)}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tok := token(b, s.Plutora)
	pages := min((s.Count(Changes)+99)/100, 200)
	body := func(page int) string {
		return fmt.Sprintf(`{"searchFilters":[{"property":"lastModifiedDate","direction":"ASC","value":"2000-01-01T00:00:00.000Z","operator":"GreaterOrEqual"}],"recordsPerPage":100,"pageNum":%d}`, page)
	}
	serve := func(page int) {
		req, _ := http.NewRequest("POST", s.Plutora.URL+"/changes/filter", strings.NewReader(body(page)))
		req.Header.Set("Authorization", "bearer "+tok)
		w := &discardWriter{h: http.Header{}}
		s.Plutora.ServeHTTP(w, req)
		if w.n < 1000 {
			b.Fatalf("page %d: %d bytes", page, w.n)
		}
	}
	for p := 0; p < pages; p++ {
		serve(p)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(i % pages)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
