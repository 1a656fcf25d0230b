package plutoratest

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// signalWriter collects output and closes ready when marker is written.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	ready  chan struct{}
	once   sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestSimCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &signalWriter{marker: "Serving until interrupted.", ready: make(chan struct{})}
	var errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- SimCommand(ctx, []string{"-plutora-addr", "127.0.0.1:0", "-test-addr", "127.0.0.1:0", "-scale", "0.05", "-seed", "3"}, out, &errOut)
	}()
	select {
	case <-out.ready:
	case err := <-done:
		t.Fatalf("sim ended early: %v %s", err, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("sim printed nothing in 30s")
	}
	text := out.String()
	apiURL := regexp.MustCompile(`API URL:\s+(\S+)`).FindStringSubmatch(text)[1]
	for _, want := range []string{"client secret:", "curl -s -X POST " + apiURL + "/oauth/token", "250 changes", "/defects/Search", apiURL + "/swagger/ui/index"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// The printed token command's form works.
	form := regexp.MustCompile(`/oauth/token -d '([^']+)'`).FindStringSubmatch(text)[1]
	res, err := http.Post(apiURL+"/oauth/token", "", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("printed token command: %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("sim: %v", err)
	}
}

func TestSimCommandBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"-scale", "0"}, {"-whitelist-test", "x.y"}, {"-fault-5xx", "2"}, {"-defect-envelope", "xml"}, {"extra"}, {"-lists", "summary"}, {"-summary-filters", "hosts"}, {"-quirks", "nulls"}} {
		var out, errOut bytes.Buffer
		err := SimCommand(context.Background(), args, &out, &errOut)
		if err == nil || !strings.HasPrefix(err.Error(), "sim: ") {
			t.Errorf("%v: %v", args, err)
		}
	}
}
