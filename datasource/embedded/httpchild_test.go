package embedded

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
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
func httpChild() {
	n, _ := strconv.Atoi(os.Getenv("TTMON_HTTP_EVENTS"))
	clients, _ := strconv.Atoi(os.Getenv("TTMON_HTTP_CLIENTS"))
	evs := make([]simulate.Event, 0, n)
	for e := range fleetgen.Model().Backfill(fleetgen.End, fleetgen.End.Add(7*24*time.Hour)) {
		evs = append(evs, e.Clone())
		if len(evs) == n {
			break
		}
	}
	debug.SetGCPercent(-1) // the events are all live; collecting would only cost
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
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
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Println("done", delivered, failed, ru.Utime.Nano()/1e6, ru.Stime.Nano()/1e6)
}
