package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestDemoCleansUp: `ttmon --demo` deletes its throwaway store however it
// ends: the terminal closing (SIGHUP, also as the kernel sends it when the
// terminal's master side goes away), SIGTERM, SIGINT, `q`, or an error,
// during the backfill (the monitor is open from the start; its header
// says "demo backfill N%") or while the monitor runs. Each run gets its
// own TMPDIR, which must be empty afterwards.
func TestDemoCleansUp(t *testing.T) {
	type ending struct {
		name    string
		monitor bool // wait for the monitor; otherwise end during the backfill
		end     func(d *demoProc)
	}
	signal := func(sig syscall.Signal) func(d *demoProc) {
		return func(d *demoProc) { d.cmd.Process.Signal(sig) }
	}
	endings := []ending{
		{"SIGHUP in the monitor", true, signal(syscall.SIGHUP)},
		{"SIGTERM in the monitor", true, signal(syscall.SIGTERM)}, // hung in Bubble Tea's signal handler
		{"SIGHUP in the backfill", false, signal(syscall.SIGHUP)},
		{"SIGTERM in the backfill", false, signal(syscall.SIGTERM)},
		{"SIGINT in the backfill", false, signal(syscall.SIGINT)},
		{"terminal closed in the backfill", false, func(d *demoProc) { d.tty.Close() }},
	}
	// The default run has the two endings in the monitor that used to
	// leave the store.
	if long() {
		endings = append(endings,
			ending{"q in the monitor", true, func(d *demoProc) { d.tty.Write([]byte("q")) }},
			ending{"SIGINT in the monitor", true, signal(syscall.SIGINT)},
			ending{"terminal closed in the monitor", true, func(d *demoProc) { d.tty.Close() }},
		)
	}
	for _, e := range endings {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t)
			marker := "backfill"
			if e.monitor {
				marker = "Active installations"
			}
			d.waitFor(t, marker)
			e.end(d)
			d.wait(t)
			d.noStoreLeft(t)
		})
	}
	t.Run("refused setting", func(t *testing.T) {
		t.Parallel()
		d := startDemo(t, "--range", "bogus")
		d.wait(t)
		d.noStoreLeft(t)
	})
}

// demoProc is one `ttmon --demo` on a pseudo-terminal.
type demoProc struct {
	cmd    *exec.Cmd
	tty    *os.File
	tmp    string
	mu     sync.Mutex
	out    bytes.Buffer
	seen   chan struct{} // signalled after each read
	exited chan struct{}
}

func startDemo(t testing.TB, args ...string) *demoProc {
	t.Helper()
	d := &demoProc{tmp: t.TempDir(), seen: make(chan struct{}, 1), exited: make(chan struct{})}
	d.cmd = exec.Command(bin, append([]string{"--demo"}, args...)...)
	d.cmd.Env = append(os.Environ(), "TMPDIR="+d.tmp, "TERM=xterm-256color",
		"XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
	tty, err := pty.StartWithSize(d.cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	d.tty = tty
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := tty.Read(buf)
			d.mu.Lock()
			d.out.Write(buf[:n])
			d.mu.Unlock()
			select {
			case d.seen <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.exited
		tty.Close()
	})
	return d
}

func (d *demoProc) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// waitFor waits until marker has been written to the terminal; the limit
// only guards a hang (a loaded machine makes the backfill slow).
func (d *demoProc) waitFor(t testing.TB, marker string) {
	t.Helper()
	limit := time.After(3 * time.Minute)
	for !strings.Contains(d.output(), marker) {
		select {
		case <-d.seen:
		case <-d.exited:
			t.Fatalf("ttmon exited before %q: %q", marker, tail(d.output()))
		case <-limit:
			t.Fatalf("no %q in 3 minutes: %q", marker, tail(d.output()))
		}
	}
}

// wait waits for the process to end by itself.
func (d *demoProc) wait(t *testing.T) {
	t.Helper()
	select {
	case <-d.exited:
	case <-time.After(time.Minute):
		t.Fatalf("ttmon still running a minute after it was told to stop: %q", tail(d.output()))
	}
}

func (d *demoProc) noStoreLeft(t *testing.T) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(d.tmp, "*"))
	if len(left) > 0 {
		t.Errorf("left behind: %v (exit %v; output %q)", left, d.cmd.ProcessState, tail(d.output()))
	}
}

func tail(s string) string {
	if len(s) > 400 {
		return "..." + s[len(s)-400:]
	}
	return s
}

// TestNohupCollectorKeepsRunning: a collector started with SIGHUP ignored
// (`nohup ttmon collect &`, then the terminal closes) keeps serving after
// SIGHUP; ttmon listens for SIGHUP only where it would otherwise die of it.
func TestNohupCollectorKeepsRunning(t *testing.T) {
	nohup, err := exec.LookPath("nohup")
	if err != nil {
		t.Skip("no nohup on this machine")
	}
	p := startCollectorUnder(t, []string{nohup}, filepath.Join(t.TempDir(), "events.db"))
	defer p.kill()
	// The kernel's view, which no timing can blur: SIGHUP still ignored
	// once the collector serves, not caught.
	if ign, cgt := sigMasks(t, p.cmd.Process.Pid); ign&1 == 0 || cgt&1 != 0 {
		t.Errorf("under nohup SIGHUP is not ignored (SigIgn %x, SigCgt %x)", ign, cgt)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// Whatever SIGHUP would do is done by the time a request is answered
	// after a second one; then the process must still be there.
	p.cmd.Process.Signal(syscall.SIGHUP)
	hc := &http.Client{Timeout: 30 * time.Second}
	evs := []event{{Event: "telemetry.health", DistinctID: "fp-1", UUID: newUUID(), Timestamp: time.Now().UTC().Format(time.RFC3339)}}
	if code, err := postBatch(context.Background(), hc, p.addr, evs); err != nil || code != http.StatusOK {
		t.Fatalf("after SIGHUP: %d %v (%s)", code, err, p.stderr.String())
	}
	select {
	case <-p.exited:
		t.Fatalf("the collector ended on SIGHUP under nohup: %v: %s", p.err, p.stderr.String())
	default:
	}
	p.stop(t)
}

// sigMasks reads a process's ignored and caught signal masks from /proc
// (bit n-1 is signal n).
func sigMasks(t *testing.T, pid int) (ignored, caught uint64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		switch k {
		case "SigIgn":
			ignored = n
		case "SigCgt":
			caught = n
		}
	}
	return ignored, caught
}
