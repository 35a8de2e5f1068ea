package tui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/ttmon/ttmon/tui/tuitest"
)

// The benchmarks in this file run the monitor as a child process on a
// pseudo-terminal that never answers anything (no OSC 11 background reply,
// no cursor position report), like a relayed or scripted pty. The child is
// this test binary re-executed with TTMON_TUI_CHILD set.
//
//	go test ./tui -run '^$' -bench FirstFrame -benchtime 5x
//	go test ./tui -run '^$' -bench IdleCPU -benchtime 1x
//
// Bubble Tea v1.3.10 queried the terminal background from a package init,
// before main, and waited 5 s for the answer on a silent pty (first frame
// 5,060 ms); ttmon used to carry a patched copy without that init. Bubble
// Tea v2 asks only whether synchronized output is supported (DECRQM 2026
// and 2027) and never waits for the answer, so these benchmarks measure
// ttmon's own first frame.

func TestMain(m *testing.M) {
	if os.Getenv("TTMON_TUI_CHILD") != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// runChild is the monitor on stdin/stdout with the fake source, as ttmon
// would run it.
func runChild() int {
	fps, _ := strconv.Atoi(os.Getenv("TTMON_TUI_FPS"))
	o := Options{TZ: "UTC", FPS: fps}
	if os.Getenv("TTMON_TUI_PAUSED") != "" {
		o.Interval = time.Hour
	}
	if err := Run(context.Background(), &tuitest.Source{Drift: true}, o, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// child starts the monitor on a silent 120x40 pty; out collects what it
// writes, with the time each chunk arrived.
type child struct {
	cmd   *exec.Cmd
	tty   *os.File
	start time.Time
	out   chan chunk
}

type chunk struct {
	at time.Time
	b  []byte
}

func startChild(b *testing.B, env ...string) *child {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"TTMON_TUI_CHILD=1", "TERM=xterm-256color"}, env...)...)
	c := &child{cmd: cmd, out: make(chan chunk, 1024)}
	c.start = time.Now()
	c.tty, err = pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		defer close(c.out)
		for {
			buf := make([]byte, 64<<10)
			n, err := c.tty.Read(buf)
			if n > 0 {
				c.out <- chunk{time.Now(), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// waitFor returns when marker has been written, and when the first bytes
// of output (the terminal query, if any) arrived.
func (c *child) waitFor(b *testing.B, marker string, limit time.Duration) (first, at time.Time) {
	b.Helper()
	var seen bytes.Buffer
	timeout := time.After(limit)
	for {
		select {
		case ch, ok := <-c.out:
			if !ok {
				b.Fatalf("child exited before %q; output %q", marker, seen.String())
			}
			if first.IsZero() {
				first = ch.at
			}
			seen.Write(ch.b)
			if strings.Contains(seen.String(), marker) {
				return first, ch.at
			}
		case <-timeout:
			b.Fatalf("no %q after %v; output %q", marker, limit, seen.String())
		}
	}
}

func (c *child) stop() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
	c.tty.Close()
}

// BenchmarkFirstFrame is exec to the first frame (the panes' titles on
// screen) on a pty that answers nothing, as TERM=xterm-256color and as
// TERM=tmux-256color (termenv never queries under tmux or screen).
// first-output-ms is when the process first wrote: with Bubble Tea's init
// query, that is the OSC 11 it then waits 5 s for.
func BenchmarkFirstFrame(b *testing.B) {
	for _, term := range []string{"xterm-256color", "tmux-256color"} {
		b.Run(term, func(b *testing.B) {
			var frame, first time.Duration
			n := 0
			for b.Loop() {
				c := startChild(b, "TERM="+term)
				f, at := c.waitFor(b, "Error rate", 15*time.Second) // the health dashboard's last pane
				frame += at.Sub(c.start)
				first += f.Sub(c.start)
				n++
				c.stop()
			}
			b.ReportMetric(float64(frame.Microseconds())/1000/float64(n), "ms-first-frame")
			b.ReportMetric(float64(first.Microseconds())/1000/float64(n), "ms-first-output")
		})
	}
}

// BenchmarkIdleCPU is the CPU the monitor uses while nothing happens, as a
// percentage of one core over 20 s after the first frame: paused (no polls
// at all) and polling the fake source every 5 s (its data drifts, so each
// poll redraws), at the default frame rate and at 60 and 10. ttmon's copy
// of Bubble Tea's renderer does not tick while idle
// (third_party/bubbletea/TTMON.md), so the frame rate should make no
// difference.
func BenchmarkIdleCPU(b *testing.B) {
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"paused", []string{"TTMON_TUI_PAUSED=1"}},
		{"polling-5s", nil},
		{"paused-60fps", []string{"TTMON_TUI_PAUSED=1", "TTMON_TUI_FPS=60"}},
		{"paused-10fps", []string{"TTMON_TUI_PAUSED=1", "TTMON_TUI_FPS=10"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				c := startChild(b, tc.env...)
				c.waitFor(b, "● live", 15*time.Second)
				go func() { // keep draining output
					for range c.out {
					}
				}()
				time.Sleep(time.Second) // let the first poll and frame settle
				const window = 20 * time.Second
				t0 := cpuTime(b, c.cmd.Process.Pid)
				time.Sleep(window)
				used := cpuTime(b, c.cmd.Process.Pid) - t0
				c.stop()
				b.ReportMetric(100*used.Seconds()/window.Seconds(), "%cpu")
			}
		})
	}
}

// cpuTime sums the on-CPU time of every thread of pid, in nanoseconds
// (/proc/PID/task/*/schedstat), which is far finer than the clock ticks of
// /proc/PID/stat.
func cpuTime(b *testing.B, pid int) time.Duration {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		b.Skip("no /proc schedstat here")
	}
	var total time.Duration
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue // the thread exited
		}
		ns, _ := strconv.ParseInt(strings.Fields(string(data))[0], 10, 64)
		total += time.Duration(ns)
	}
	return total
}
