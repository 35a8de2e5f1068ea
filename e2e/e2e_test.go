// Package e2e runs the real ttmon binary as a separate process and attacks
// it from outside: crash it, load it, feed it garbage. These tests prove the
// promises README.md makes under "Reliability".
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// long reports whether the full campaigns run (TTMON_LONG=1, which CI sets
// in a step of its own): the default run takes the same paths at a small
// size, so that the README's test command stays quick.
func long() bool { return os.Getenv("TTMON_LONG") == "1" }

// bin is the ttmon binary built once for the whole package.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ttmon-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "ttmon")
	build := exec.Command("go", "build", "-o", bin, "github.com/ttmon/ttmon")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building ttmon: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// collectorProc is one `ttmon collect` process.
type collectorProc struct {
	cmd    *exec.Cmd
	addr   string
	stderr lockedBuffer
	exited chan struct{} // closed once the process has exited
	err    error         // Wait's result, set before exited closes
}

// startCollector starts ttmon collect on a loopback port of the kernel's
// choosing (port 0: no other process can take it between choosing and
// binding), learns the port from its start message and waits until it
// answers.
func startCollector(t *testing.T, db string, extra ...string) *collectorProc {
	t.Helper()
	return startCollectorUnder(t, nil, db, extra...)
}

// startCollectorUnder is startCollector with the binary run by a wrapper
// command (such as nohup) that execs it.
func startCollectorUnder(t *testing.T, wrapper []string, db string, extra ...string) *collectorProc {
	t.Helper()
	args := append([]string{bin, "collect", "--listen", "127.0.0.1:0", "--db", db, "--token", token}, extra...)
	args = append(wrapper, args...)
	p := &collectorProc{cmd: exec.Command(args[0], args[1:]...)}
	p.cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.exited = make(chan struct{})
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	// The limit only guards a hang; a loaded machine makes it slower.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if p.addr == "" {
			p.addr = listeningOn(p.stderr.String())
		}
		if p.addr != "" {
			resp, err := http.Get("http://" + p.addr + "/flags/?v=2")
			if err == nil {
				resp.Body.Close()
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("collector exited (%v) before answering: %s", p.err, p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.kill()
	t.Fatalf("collector did not come up (address %q) in 60 s: %s", p.addr, p.stderr.String())
	return nil
}

// listeningOn reads host:port from `ttmon collect`'s start message
// ("listening on http://127.0.0.1:PORT, storing into ..."), or "".
func listeningOn(stderr string) string {
	_, rest, ok := strings.Cut(stderr, "listening on http://")
	if !ok {
		return ""
	}
	addr, _, ok := strings.Cut(rest, ",")
	if !ok {
		return ""
	}
	return addr
}

// lockedBuffer is a process's stderr, safe to read while the process runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stop ends the process gracefully (SIGINT) and waits.
func (p *collectorProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
		if p.err != nil {
			t.Fatalf("collector exited badly after SIGINT: %v: %s", p.err, p.stderr.String())
		}
	case <-time.After(15 * time.Second):
		p.kill()
		t.Fatalf("collector ignored SIGINT for 15 s: %s", p.stderr.String())
	}
}

// kill ends the process with SIGKILL: no chance to clean up. It is a no-op
// once the process has exited.
func (p *collectorProc) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

const token = "phc_e2e_test_token"

// event is a capture event as posthog-python and posthog-go send it.
type event struct {
	Event      string         `json:"event"`
	DistinctID string         `json:"distinct_id"`
	UUID       string         `json:"uuid"`
	Timestamp  string         `json:"timestamp"`
	Properties map[string]any `json:"properties"`
}

// postBatch sends one /batch/ request and returns its status.
func postBatch(ctx context.Context, c *http.Client, addr string, evs []event) (int, error) {
	_, code, err := postBatchBody(ctx, c, addr, evs)
	return code, err
}

// postBatchBody sends one /batch/ request and returns the answer's body
// and status.
func postBatchBody(ctx context.Context, c *http.Client, addr string, evs []event) (string, int, error) {
	body, _ := json.Marshal(map[string]any{"api_key": token, "batch": evs})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/batch/", bytes.NewReader(body))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var sink bytes.Buffer
	sink.ReadFrom(resp.Body)
	return sink.String(), resp.StatusCode, nil
}
