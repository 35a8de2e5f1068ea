package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLoad holds 16 concurrent clients against one collector for 60 s with
// TTMON_LONG=1 (5 s otherwise): every batch must be acknowledged (a 503,
// the collector shedding load, is retried as real clients do), latency
// is reported as p50/p99, and the collector's memory must stay bounded.
func TestLoad(t *testing.T) {
	const clients, batch = 16, 100
	dur := 5 * time.Second
	if long() {
		dur = 60 * time.Second
	}
	db := filepath.Join(t.TempDir(), "events.db")
	p := startCollector(t, db)
	defer p.kill()

	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  []string
		acked     int
		shed      int // 503 answers a retry then carried
	)
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	rss := sampleRSS(ctx, p.cmd.Process.Pid, 250*time.Millisecond)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Timeout: 30 * time.Second}
			for n := 0; ctx.Err() == nil; n++ {
				evs := loadBatch(c, n, batch)
				t0 := time.Now()
				// The request itself must not be cut by the test's end:
				// a cancelled request is not the collector's failure.
				code, err := postBatch(context.Background(), hc, p.addr, evs)
				// A 503 is the collector shedding load with Retry-After
				// (nothing was stored); posthog-go and TimeTracker's
				// clients send the batch again, and so does this one.
				for try := 0; err == nil && code == http.StatusServiceUnavailable && try < 10; try++ {
					mu.Lock()
					shed++
					mu.Unlock()
					time.Sleep(500 * time.Millisecond) // the client's back-off, not synchronisation
					code, err = postBatch(context.Background(), hc, p.addr, evs)
				}
				d := time.Since(t0)
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, err.Error())
				case code != http.StatusOK:
					failures = append(failures, "HTTP "+strconv.Itoa(code))
				default:
					latencies = append(latencies, d)
					acked += len(evs)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	peak := <-rss
	p.stop(t)

	if len(failures) > 0 {
		t.Fatalf("%d of %d requests failed, first: %s", len(failures), len(failures)+len(latencies), failures[0])
	}
	slices.Sort(latencies)
	pct := func(q float64) time.Duration { return latencies[int(q*float64(len(latencies)-1))] }
	t.Logf("%d clients x %v: %d requests, %d events acknowledged (%.0f events/s), ack latency p50 %v p99 %v max %v (retries after 503 included: %d), collector peak RSS %d MB",
		clients, dur, len(latencies), acked, float64(acked)/elapsed.Seconds(), pct(0.5), pct(0.99), latencies[len(latencies)-1], shed, peak>>20)
	if peak > 512<<20 {
		t.Errorf("collector RSS peaked at %d MB; bounded means well under 512 MB for this load", peak>>20)
	}
	// Every load event has its own UUID and every request was acknowledged
	// once, so the store must hold exactly that many rows (counted in SQL:
	// decoding a million events through Events, or counting distinct
	// UUIDs, would dominate the test under -race; TestCrashSafety checks
	// UUIDs one by one).
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var rows int
	if err := conn.QueryRow(`SELECT count(*) FROM events`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != acked {
		t.Fatalf("store holds %d events, %d were acknowledged", rows, acked)
	}
}

func loadBatch(client, n, size int) []event {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	evs := make([]event, size)
	for i := range evs {
		evs[i] = event{
			Event:      []string{"telemetry.health", "timer.started", "error_occurred", "auth.login"}[i%4],
			DistinctID: fmt.Sprintf("c%d-install-%d", client, (n*size+i)%50),
			UUID:       newUUID(),
			Timestamp:  now,
			Properties: map[string]any{"app_version": "4.9.1", "platform": "Linux", "deployment_method": "docker", "$set": map[string]any{"last_seen": now}},
		}
	}
	return evs
}

// sampleRSS reports the process's peak resident set size (bytes) once ctx
// ends.
func sampleRSS(ctx context.Context, pid int, every time.Duration) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			peak = max(peak, readRSS(pid))
			select {
			case <-ctx.Done():
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// readRSS reads VmRSS from /proc (0 where there is no /proc).
func readRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
