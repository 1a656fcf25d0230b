package soak

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/plutora-sync/plutora-sync/extract/plutoratest"
)

// frontAPI serves one sandbox product on a listener of its own, in front of
// it: it adds latency spikes (deterministic per request under the seed),
// captures every access token the product issues (for the secrets check),
// and counts the faults the worker met, by kind, from the answers.
type frontAPI struct {
	p    *plutoratest.Product
	URL  string
	hs   *http.Server
	seed uint64

	spikeShare float64
	spikeMax   time.Duration
	spiking    atomic.Bool

	seq    atomic.Uint64
	mu     gosync.Mutex
	tokens []string
	counts map[string]int
}

func newFrontAPI(p *plutoratest.Product, seed uint64, spikeShare float64, spikeMax time.Duration) (*frontAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &frontAPI{p: p, URL: "http://" + ln.Addr().String(), seed: seed, spikeShare: spikeShare, spikeMax: spikeMax,
		counts: map[string]int{}}
	f.hs = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.hs.Serve(ln) }()
	return f, nil
}

func (f *frontAPI) Close() { _ = f.hs.Close() }

// unit maps (seed, request, salt) to [0,1).
func (f *frontAPI) unit(seq, salt uint64) float64 {
	return float64(mix64(f.seed^mix64(seq)^mix64(salt))>>11) / (1 << 53)
}

func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (f *frontAPI) count(kind string) {
	f.mu.Lock()
	f.counts[kind]++
	f.mu.Unlock()
}

// Counts returns the faults seen so far by kind.
func (f *frontAPI) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// Tokens returns every access token issued so far.
func (f *frontAPI) Tokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}

func (f *frontAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seq := f.seq.Add(1)
	token := strings.EqualFold(strings.TrimRight(r.URL.Path, "/"), "/oauth/token")
	if !token && f.spiking.Load() && f.unit(seq, 1) < f.spikeShare {
		f.count("latency spike")
		t := time.NewTimer(time.Duration(f.unit(seq, 2) * float64(f.spikeMax)))
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	rw := &recorder{ResponseWriter: w}
	f.p.ServeHTTP(rw, r)
	switch {
	case rw.hijacked:
		f.count("connection reset")
	case token:
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(rw.body.Bytes(), &tok) == nil && tok.AccessToken != "" {
			f.mu.Lock()
			f.tokens = append(f.tokens, tok.AccessToken)
			f.mu.Unlock()
		}
	case rw.status == http.StatusTooManyRequests:
		f.count("429")
	case rw.status == http.StatusUnauthorized:
		f.count("401 (revoked token or whitelist)")
	case rw.status >= 500 && strings.HasPrefix(rw.Header().Get("Content-Type"), "text/html"):
		f.count("HTML error page")
	case rw.status >= 500:
		f.count("5xx")
	case rw.status == http.StatusOK && !json.Valid(rw.body.Bytes()):
		if bytes.IndexByte(rw.body.Bytes(), 0) >= 0 {
			f.count("garbled body")
		} else {
			f.count("truncated body")
		}
	}
}

// recorder passes an answer through and keeps its status and body.
type recorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.hijacked = true
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

func (r *recorder) Flush() { _ = http.NewResponseController(r.ResponseWriter).Flush() }
