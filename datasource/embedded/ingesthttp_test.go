package embedded_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded"
	"github.com/ttmon/ttmon/datasource/embedded/collector"
)

// BenchmarkIngestHTTP is the collector's ingest rate: posthog-go clients
// (8, or TTMON_HTTP_CLIENTS; batches of 250; in a child process that
// builds its events before the clock starts) post the simulated fleet's next days to /batch/ of a
// collector whose store already holds 0, 1M, 3M or 10M events. An event
// counts once its 200 came back, i.e. once it was committed. One op is
// TTMON_HTTP_EVENTS events (default 300,000).
//
// clients=posthog-go runs the real clients; on one 2-core machine they
// need as much CPU as the collector. clients=replay posts the bodies
// posthog-go produced for the same events (recorded before the clock
// starts) with plain HTTP: the collector's own capacity. clients=otlp-json
// and otlp-protobuf post the same fleet's events as TimeTracker 5.x
// records to /v1/logs, pre-encoded in exports of 250 (the collector's
// capacity for OTLP); clients=otlp-sdk sends them through OpenTelemetry Go
// SDK exporters (protobuf) in the clients (otlpChild).
//
// Reported: events/s; cpu-% of the collector process (of 2 cores = 200%) and
// of the clients; the collector's CPU time per event and the writer's time
// in transactions per event (its inverse bounds the rate); VmHWM-MB, the
// collector process's peak RSS; disk-B/event of the store afterwards.
//
//	TTMON_BENCH_LARGE=1 go test -run '^$' -bench IngestHTTP ./datasource/embedded/
func BenchmarkIngestHTTP(b *testing.B) {
	n := 300_000
	if v, err := strconv.Atoi(os.Getenv("TTMON_HTTP_EVENTS")); err == nil && v > 0 {
		n = v
	}
	clients := 8
	if v, err := strconv.Atoi(os.Getenv("TTMON_HTTP_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	for _, mode := range []string{"posthog-go", "replay", "otlp-json", "otlp-protobuf", "otlp-sdk"} {
		for _, size := range append([]int{0}, embedded.BenchSizes()...) {
			b.Run("clients="+mode+"/store="+sizeLabel(size), func(b *testing.B) {
				for range b.N {
					ingestHTTP(b, mode, size, n, clients)
				}
			})
		}
	}
}

func sizeLabel(n int) string {
	if n == 0 {
		return "empty"
	}
	return embedded.SizeName(n)
}

func ingestHTTP(b *testing.B, mode string, size, n, clients int) {
	b.StopTimer()
	path := filepath.Join(b.TempDir(), "ingest.db")
	if size > 0 {
		copyFile(b, embedded.BenchPath(b, size), path)
	}
	var busy atomic.Int64 // time the writer spent in transactions
	st, err := embedded.Open(path, embedded.WithCommitHook(func(_ int, took time.Duration, _ error) { busy.Add(int64(took)) }))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const token = "phc_bench"
	srv := httptest.NewServer(collector.New(st, collector.WithTokens(token)))
	defer srv.Close()
	// A running collector has warmed its caches on its first write; so
	// does this one before the clock starts.
	if _, err := st.Ingest(context.Background(), []embedded.Event{{Name: "warm", DistinctID: "warm"}}); err != nil {
		b.Fatal(err)
	}
	before, _ := st.Stats(context.Background())
	groups0 := embedded.Groups(st)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), embedded.HTTPChildEnv+"=1", "TTMON_HTTP_URL="+srv.URL, "TTMON_HTTP_TOKEN="+token,
		"TTMON_HTTP_EVENTS="+strconv.Itoa(n), "TTMON_HTTP_CLIENTS="+strconv.Itoa(clients), "TTMON_HTTP_MODE="+mode)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		b.Fatalf("client: %q", lines.Text())
	}
	cpu0 := selfCPU()
	busy.Store(0)
	start := time.Now()
	b.StartTimer()
	io.WriteString(stdin, "go\n")
	if !lines.Scan() {
		b.Fatal("client died")
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := selfCPU() - cpu0
	var delivered, failed, user, sys int64
	if _, err := fmt.Sscanf(lines.Text(), "done %d %d %d %d", &delivered, &failed, &user, &sys); err != nil {
		b.Fatalf("client: %q", lines.Text())
	}
	after, _ := st.Stats(context.Background())
	if failed != 0 || delivered != int64(n) || after.Events-before.Events != int64(n) {
		b.Fatalf("%d delivered, %d failed, %d stored of %d", delivered, failed, after.Events-before.Events, n)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(n)/float64(embedded.Groups(st)-groups0), "events/commit")
	b.ReportMetric(100*cpu.Seconds()/elapsed.Seconds(), "collector-cpu-%")
	// Per event, so that a machine shared with other work still shows
	// what one event costs: the collector's CPU, and the writer's time in
	// transactions (serial: 1e6 over it bounds events/s).
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "collector-cpu-us/event")
	b.ReportMetric(float64(busy.Load())/1e3/float64(n), "writer-us/event")
	b.ReportMetric(100*float64(user+sys)/1000/elapsed.Seconds(), "clients-cpu-%")
	b.ReportMetric(float64(user+sys)*1000/float64(n), "clients-cpu-us/event")
	b.ReportMetric(float64(vmHWM())/1024, "VmHWM-MB")
	b.ReportMetric(float64(after.Bytes)/float64(after.Events), "disk-B/event")
}

func copyFile(b *testing.B, from, to string) {
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is this process's peak resident set in KiB (Linux), 0 elsewhere.
func vmHWM() int64 { return procStatus("VmHWM:") }

// vmRSS is this process's resident set in KiB (Linux), 0 elsewhere.
func vmRSS() int64 { return procStatus("VmRSS:") }

func procStatus(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
