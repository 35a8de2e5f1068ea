package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"
)

// BenchmarkPostHogRSS is issue 7's memory row: the monitor (ttmon
// --source posthog, the real command on a 120x40 pseudo-terminal) polls a
// fake PostHog every second, whose figures change on every answer, while
// its resident set size is sampled from /proc. It reports the peak and the
// slope of a least-squares line through the samples after the first
// tenth, in MB per hour, and the same for the Go heap's live bytes after
// each collection (runtime/metrics, sampled in the child), which tells a
// leak in ttmon from the runtime settling its RSS. TTMON_SOAK sets the
// length (default 1m):
//
//	go test ./cmd -run '^$' -bench PostHogRSS -benchtime 1x
//	TTMON_SOAK=15m go test ./cmd -run '^$' -bench PostHogRSS -benchtime 1x -timeout 30m -v
//
// The child is this test binary re-executed with TTMON_CMD_CHILD set,
// running cmd.Run as main does (the binary also holds the tests, a
// few MB of text that RSS counts only as far as it is paged in).
func BenchmarkPostHogRSS(b *testing.B) {
	soak := time.Minute
	if s := os.Getenv("TTMON_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("TTMON_SOAK=%q: %v", s, err)
		}
		soak = d
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("no /proc here")
	}
	for b.Loop() {
		api := &soakAPI{}
		srv := httptest.NewServer(api)
		heapLog := filepath.Join(b.TempDir(), "heap")
		child := startMonitor(b, srv.URL, heapLog)
		every := max(soak/120, time.Second)
		var samples [][2]float64 // seconds since start, MB
		start := time.Now()
		for time.Since(start) < soak {
			time.Sleep(every)
			mb, err := rssMB(child.Process.Pid)
			if err != nil {
				b.Fatalf("monitor gone after %s: %v", time.Since(start).Round(time.Second), err)
			}
			samples = append(samples, [2]float64{time.Since(start).Seconds(), mb})
			if testing.Verbose() && len(samples)%10 == 0 {
				b.Logf("%6s  %6.1f MB  %d polls", time.Since(start).Round(time.Second), mb, api.n.Load())
			}
		}
		child.Process.Kill()
		child.Wait()
		srv.Close()
		peak := 0.0
		for _, s := range samples {
			peak = max(peak, s[1])
		}
		b.ReportMetric(peak, "MB-peak-rss")
		b.ReportMetric(slope(samples[len(samples)/10:])*3600, "MB/h-slope")
		if heap := readHeapLog(b, heapLog); len(heap) > 1 {
			b.ReportMetric(heap[len(heap)-1][1], "MB-heap-live")
			b.ReportMetric(slope(heap[len(heap)/10:])*3600, "MB/h-heap-slope")
		}
		b.ReportMetric(float64(api.n.Load())/soak.Seconds(), "polls/s")
	}
}

func TestMain(m *testing.M) {
	if os.Getenv("TTMON_CMD_CHILD") != "" {
		if path := os.Getenv("TTMON_CMD_HEAPLOG"); path != "" {
			go logHeap(path)
		}
		args := strings.Split(os.Getenv("TTMON_CMD_CHILD"), "\x1f")
		os.Exit(Run(context.Background(), args, os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}

// startMonitor runs the monitor on PostHog at host in a 120x40 pty whose
// output is read and dropped, as a terminal would.
func startMonitor(b *testing.B, host, heapLog string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	args := []string{"--source", "posthog", "--posthog-host", host, "--project", "12345",
		"--interval", "1s", "--query-budget", "100000/h", "--log", filepath.Join(dir, "ttmon.log")}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "TTMON_CMD_CHILD="+strings.Join(args, "\x1f"), "TERM=xterm-256color",
		"TTMON_POSTHOG_API_KEY=phx_soak", "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "GOMAXPROCS=2", "TTMON_CMD_HEAPLOG="+heapLog)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		io.Copy(io.Discard, tty)
		tty.Close()
	}()
	return cmd
}

// logHeap appends "seconds MB" lines to path every 5 s: the heap's live
// bytes as of the last collection, the figure a leak would move.
func logHeap(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	start := time.Now()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	for range time.Tick(5 * time.Second) {
		metrics.Read(s)
		fmt.Fprintf(f, "%.1f %.3f\n", time.Since(start).Seconds(), float64(s[0].Value.Uint64())/(1<<20))
	}
}

// readHeapLog reads logHeap's samples.
func readHeapLog(b *testing.B, path string) [][2]float64 {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Logf("no heap log: %v", err)
		return nil
	}
	var out [][2]float64
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var p [2]float64
		if _, err := fmt.Sscanf(line, "%g %g", &p[0], &p[1]); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// rssMB reads the resident set size of pid.
func rssMB(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

// slope is the least-squares slope of y over x.
func slope(pts [][2]float64) float64 {
	if len(pts) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		sx, sy, sxx, sxy = sx+p[0], sy+p[1], sxx+p[0]*p[0], sxy+p[0]*p[1]
	}
	n := float64(len(pts))
	if d := n*sxx - sx*sx; d != 0 {
		return (n*sxy - sx*sy) / d
	}
	return 0
}

// soakAPI answers the snapshot query like PostHog, with a fleet of 40
// versions and figures that move on every answer, so each poll makes the
// monitor parse, diff and redraw.
type soakAPI struct{ n atomic.Int64 }

func (s *soakAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer phx_soak" || r.URL.Path != "/api/projects/12345/query/" {
		w.WriteHeader(404)
		io.WriteString(w, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`)
		return
	}
	n := s.n.Add(1)
	rows := [][]any{{"tot", "", 0, 90000 + n, 1200 + n%7, 300 + n%11, 2700 + n}, {"prev", "", 0, 1100, 0, 0, 0}}
	for b := range 24 {
		rows = append(rows, []any{"bkt", "", b, 900 + (int64(b)*37+n)%50, (int64(b)*7 + n) % 9, 100 + int64(b), 0})
		rows = append(rows, []any{"hour", "", b, 10 + (int64(b)*13+n)%300, 0, 0, 0})
	}
	for v := range 40 {
		rows = append(rows, []any{"ver", fmt.Sprintf("4.%d.%d", v/10, v%10), 0, 5 + (int64(v)*17+n)%90, 0, 0, 0})
		if v%4 == 0 {
			rows = append(rows, []any{"errv", fmt.Sprintf("4.%d.%d", v/10, v%10), 0, 1 + (int64(v)+n)%20, 0, 0, 0})
		}
	}
	json.NewEncoder(w).Encode(map[string]any{
		"columns": []string{"tag", "k", "b", "v1", "v2", "v3", "v4"},
		"types":   [][2]string{{"tag", "String"}, {"k", "Nullable(String)"}, {"b", "Int64"}, {"v1", "UInt64"}, {"v2", "UInt64"}, {"v3", "UInt64"}, {"v4", "UInt64"}},
		"results": rows, "hasMore": false, "limit": 50000,
	})
}
