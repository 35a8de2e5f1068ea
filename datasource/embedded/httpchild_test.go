package embedded

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded/internal/fleetgen"
	"github.com/ttmon/ttmon/datasource/simulate"
)

// HTTPChildEnv makes the test binary a posthog-go client for
// BenchmarkIngestHTTP (in embedded_test): the clients run in their own
// process, as real ones do, so their heap does not burden the collector's.
const HTTPChildEnv = "TTMON_HTTP_CHILD"

// httpChild sends TTMON_HTTP_EVENTS events of the simulated fleet's days
// after the generated month to TTMON_HTTP_URL with TTMON_HTTP_CLIENTS
// posthog-go clients. It builds every event first, says "ready", waits for
// a line on stdin, sends, and reports "done delivered failed user-ms sys-ms".
// With TTMON_HTTP_MODE=replay it first records what posthog-go sends (to a
// server of its own) and then posts those very bodies with plain HTTP, so
// the collector's capacity shows without the clients' JSON encoding.
func httpChild() {
	n, _ := strconv.Atoi(os.Getenv("TTMON_HTTP_EVENTS"))
	clients, _ := strconv.Atoi(os.Getenv("TTMON_HTTP_CLIENTS"))
	if mode := os.Getenv("TTMON_HTTP_MODE"); strings.HasPrefix(mode, "otlp-") {
		otlpChild(mode, n, clients)
		return
	}
	evs := make([]simulate.Event, 0, n)
	for e := range fleetgen.Model().Backfill(fleetgen.End, fleetgen.End.Add(7*24*time.Hour)) {
		evs = append(evs, e.Clone())
		if len(evs) == n {
			break
		}
	}
	if os.Getenv("TTMON_HTTP_MODE") == "replay" {
		replayChild(evs, clients)
		return
	}
	debug.SetGCPercent(-1) // the events are all live; collecting would only cost
	waitGo()
	var delivered, failed int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snd, err := simulate.NewSender(simulate.Config{Host: os.Getenv("TTMON_HTTP_URL"),
				Token: os.Getenv("TTMON_HTTP_TOKEN"), BatchSize: 250, Interval: 20 * time.Millisecond, Retries: 9})
			if err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
			// Blocks of 1,000 consecutive events in turn, so all clients
			// send about the same stretch of time, as a live fleet does.
			for i := c * 1000; i < len(evs); i += clients * 1000 {
				for _, e := range evs[i:min(i+1000, len(evs))] {
					_ = snd.Send(context.Background(), e)
				}
			}
			_ = snd.Flush(context.Background())
			_ = snd.Close()
			st := snd.Stats()
			mu.Lock()
			delivered += st.Delivered
			failed += st.Failed
			mu.Unlock()
		}()
	}
	wg.Wait()
	reportDone(delivered, failed)
}

// cpuAtGo is the process's CPU time when sending started, so the report
// counts only the sending.
var cpuAtGo syscall.Rusage

func waitGo() {
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpuAtGo)
}

func reportDone(delivered, failed int64) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	user := (ru.Utime.Nano() - cpuAtGo.Utime.Nano()) / 1e6
	sys := (ru.Stime.Nano() - cpuAtGo.Stime.Nano()) / 1e6
	fmt.Println("done", delivered, failed, user, sys)
}

// replayChild records posthog-go's request bodies for evs, then replays
// them to the collector from clients goroutines.
func replayChild(evs []simulate.Event, clients int) {
	var mu sync.Mutex
	var bodies [][]byte
	counts := map[int]int64{}
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var batch struct{ Batch []json.RawMessage }
		_ = json.Unmarshal(b, &batch)
		mu.Lock()
		counts[len(bodies)] = int64(len(batch.Batch))
		bodies = append(bodies, b)
		mu.Unlock()
		w.Write([]byte(`{"status":"Ok"}`))
	}))
	snd, err := simulate.NewSender(simulate.Config{Host: rec.URL, Token: os.Getenv("TTMON_HTTP_TOKEN"),
		BatchSize: 250, Interval: 20 * time.Millisecond})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for _, e := range evs {
		_ = snd.Send(context.Background(), e)
	}
	_ = snd.Flush(context.Background())
	_ = snd.Close()
	rec.Close()
	debug.SetGCPercent(-1)
	waitGo()
	url := os.Getenv("TTMON_HTTP_URL") + "/batch/"
	var delivered, failed atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				resp, err := http.Post(url, "application/json", bytes.NewReader(bodies[i]))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(counts[i])
					continue
				}
				delivered.Add(counts[i])
			}
		}()
	}
	wg.Wait()
	reportDone(delivered.Load(), failed.Load())
}
