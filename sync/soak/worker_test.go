package soak

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

func TestMain(m *testing.M) { workertest.Main(m) }

// supervisor keeps one `plutora-sync run` process alive, as systemd or
// Kubernetes would: it restarts it after every exit, and after every SIGKILL
// the test asks for. All output goes to one log file.
type supervisor struct {
	bin, logPath, metricsAddr string
	env                       []string
	rng                       *rand.Rand // restart delays

	kill    chan chan struct{}
	stop    chan chan error
	mu      gosync.Mutex
	starts  int
	kills   int
	exits   []string // unexpected exits, with their status
	running bool
}

func startSupervisor(t testing.TB, bin, logPath, metricsAddr string, env []string, seed uint64) *supervisor {
	s := &supervisor{bin: bin, logPath: logPath, metricsAddr: metricsAddr, env: env,
		rng: rand.New(rand.NewPCG(seed, 0x5eed)), kill: make(chan chan struct{}), stop: make(chan chan error)}
	started := make(chan error, 1)
	go s.loop(started)
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *supervisor) spawn() (*exec.Cmd, <-chan error, error) {
	f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cmd := exec.Command(s.bin, "run")
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start worker: %w", err)
	}
	s.mu.Lock()
	s.starts++
	s.running = true
	s.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd, done, nil
}

func (s *supervisor) loop(started chan<- error) {
	cmd, done, err := s.spawn()
	started <- err
	if err != nil {
		return
	}
	for {
		select {
		case err := <-done:
			s.mu.Lock()
			s.running = false
			s.exits = append(s.exits, fmt.Sprint(err))
			s.mu.Unlock()
			// Restarted after a back-off, as Restart=always would.
			select {
			case <-time.After(300*time.Millisecond + time.Duration(s.rng.IntN(700))*time.Millisecond):
			case reply := <-s.stop:
				reply <- fmt.Errorf("the worker had exited on its own: %w", err)
				return
			case ack := <-s.kill:
				close(ack)
			}
		case ack := <-s.kill:
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			s.mu.Lock()
			s.kills++
			s.running = false
			s.mu.Unlock()
			close(ack)
			time.Sleep(time.Duration(s.rng.IntN(500)) * time.Millisecond) // the supervisor's own restart delay
		case reply := <-s.stop:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				reply <- err
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				reply <- fmt.Errorf("the worker did not stop within 60s of SIGTERM")
			}
			return
		}
		var err error
		if cmd, done, err = s.spawn(); err != nil {
			reply := <-s.stop
			reply <- err
			return
		}
	}
}

// Kill sends SIGKILL to the running worker (if any) and lets it restart.
func (s *supervisor) Kill() {
	ack := make(chan struct{})
	s.kill <- ack
	<-ack
}

// Stop sends SIGTERM and returns the worker's exit status.
func (s *supervisor) Stop() error {
	reply := make(chan error)
	s.stop <- reply
	return <-reply
}

func (s *supervisor) stats() (starts, kills int, exits []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts, s.kills, append([]string(nil), s.exits...)
}

// scrapeMetrics returns the worker's /metrics text, or "" when it does not
// answer (it may be restarting).
func scrapeMetrics(ctx context.Context, addr string) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// logLines returns the lines of the worker's log containing every one of subs.
func logLines(path string, subs ...string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}
