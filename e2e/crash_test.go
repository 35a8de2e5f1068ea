package e2e

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
)

// TestCrashSafety is the durability promise: a 200 means the events are on
// disk. Clients send batches continuously while the collector is killed with
// SIGKILL at random moments, restarted on the same store, and killed again.
// Clients retry unacknowledged batches with the same UUIDs, as posthog-go
// does. At the end every acknowledged event is stored exactly once and the
// SQLite file passes integrity_check. 24 kills with TTMON_LONG=1, 6
// otherwise.
func TestCrashSafety(t *testing.T) {
	rounds := 6
	if long() {
		rounds = 24
	}
	db := filepath.Join(t.TempDir(), "events.db")
	fleet := newCrashFleet(4)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	t.Logf("seed %d", seed)
	for round := range rounds {
		p := startCollector(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		done := fleet.run(ctx, p.addr)
		time.Sleep(time.Duration(30+rng.IntN(470)) * time.Millisecond)
		p.kill()
		cancel()
		done.Wait()
		t.Logf("round %d: %d acknowledged so far, %d batches waiting to be retried", round, fleet.ackedCount(), fleet.pendingCount())
	}
	// Last life: deliver everything still unacknowledged (much of it was
	// committed just before a kill, so this also exercises dedup), then stop
	// cleanly.
	p := startCollector(t, db)
	deadline := time.Now().Add(30 * time.Second)
	for fleet.pendingCount() > 0 && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		fleet.drain(ctx, p.addr)
		cancel()
	}
	p.stop(t)
	if n := fleet.pendingCount(); n > 0 {
		t.Fatalf("%d batches never acknowledged by a healthy collector", n)
	}

	counts := storedUUIDs(t, db, fleet.sentCount()+10)
	acked := fleet.ackedSet()
	for u := range acked {
		if counts[u] != 1 {
			t.Fatalf("acknowledged event %s stored %d times", u, counts[u])
		}
	}
	for u, n := range counts {
		if n != 1 {
			t.Fatalf("event %s stored %d times", u, n)
		}
	}
	if len(counts) != len(acked) {
		t.Fatalf("store holds %d events, %d were acknowledged (every batch was eventually acknowledged)", len(counts), len(acked))
	}
	integrityCheck(t, db)
	t.Logf("%d kills survived; %d events acknowledged, all present exactly once", rounds, len(acked))
}

// crashFleet is a few clients and what the collector acknowledged to them.
type crashFleet struct {
	clients int
	http    *http.Client

	mu      sync.Mutex
	acked   map[string]bool
	pending [][]event // batches sent but not acknowledged: retried as they are
	sent    int
	next    int
}

func newCrashFleet(clients int) *crashFleet {
	return &crashFleet{clients: clients, acked: map[string]bool{}, http: &http.Client{Timeout: 5 * time.Second}}
}

// run starts the clients against addr until ctx ends.
func (f *crashFleet) run(ctx context.Context, addr string) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range f.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				f.sendOne(ctx, addr)
			}
		}()
	}
	return &wg
}

// drain retries every pending batch once.
func (f *crashFleet) drain(ctx context.Context, addr string) {
	for f.pendingCount() > 0 && ctx.Err() == nil {
		f.sendOne(ctx, addr)
	}
}

// sendOne sends a pending batch if there is one, else a new one, and
// records the outcome.
func (f *crashFleet) sendOne(ctx context.Context, addr string) {
	b := f.take()
	code, err := postBatch(ctx, f.http, addr, b)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil && code == http.StatusOK {
		for _, e := range b {
			f.acked[e.UUID] = true
		}
		return
	}
	f.pending = append(f.pending, b)
}

func (f *crashFleet) take() []event {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.pending); n > 0 {
		b := f.pending[n-1]
		f.pending = f.pending[:n-1]
		return b
	}
	b := make([]event, 50)
	now := time.Now().UTC()
	for i := range b {
		f.next++
		b[i] = event{
			Event:      "telemetry.health",
			DistinctID: fmt.Sprintf("install-%d", f.next%97),
			UUID:       newUUID(),
			Timestamp:  now.Format(time.RFC3339Nano),
			Properties: map[string]any{"app_version": "4.9.1", "seq": f.next},
		}
	}
	f.sent += len(b)
	return b
}

func (f *crashFleet) ackedCount() int   { f.mu.Lock(); defer f.mu.Unlock(); return len(f.acked) }
func (f *crashFleet) pendingCount() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.pending) }
func (f *crashFleet) sentCount() int    { f.mu.Lock(); defer f.mu.Unlock(); return f.sent }
func (f *crashFleet) ackedSet() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.acked
}

func newUUID() string {
	var b [16]byte
	crand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// storedUUIDs opens the store the way the monitor does and counts each
// stored event's UUID.
func storedUUIDs(t *testing.T, db string, limit int) map[string]int {
	t.Helper()
	st, err := embedded.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := datasource.CustomRange(time.Now().Add(-24*time.Hour), time.Now().Add(time.Hour))
	evs, err := st.Events(context.Background(), datasource.EventsQuery{Query: datasource.Query{Range: r}, Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range evs {
		counts[e.UUID]++
	}
	return counts
}

func integrityCheck(t *testing.T, db string) {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var res string
	if err := conn.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check: %s", res)
	}
}
