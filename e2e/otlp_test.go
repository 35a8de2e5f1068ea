package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
	"github.com/ttmon/ttmon/datasource/simulate"
)

// TestOTLPCrashSafety is the durability promise for OTLP: TimeTracker
// 5.x-shaped records (one per request, Basic id:secret) are posted while
// the collector is SIGKILLed and restarted; unacknowledged records are
// retried byte for byte. At the end every acknowledged record is stored
// exactly once (the collector's content-hash uuid deduplicates the
// retries), and `ttmon snapshot --json` counts exactly what was sent.
func TestOTLPCrashSafety(t *testing.T) {
	rounds := 10
	if testing.Short() {
		rounds = 4
	}
	db := filepath.Join(t.TempDir(), "events.db")
	fleet := &otlpFleet{http: &http.Client{Timeout: 5 * time.Second}, acked: map[int]bool{}, start: time.Now().UTC()}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	for round := range rounds {
		p := startCollector(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					fleet.sendOne(ctx, p.addr)
				}
			}()
		}
		time.Sleep(time.Duration(30+rng.IntN(300)) * time.Millisecond) // a random moment to kill at
		p.kill()
		cancel()
		wg.Wait()
		t.Logf("round %d: %d acknowledged, %d waiting", round, fleet.count(true), fleet.count(false))
	}
	p := startCollector(t, db)
	for deadline := time.Now().Add(30 * time.Second); fleet.count(false) > 0 && time.Now().Before(deadline); {
		fleet.sendOne(context.Background(), p.addr)
	}
	p.stop(t)
	if n := fleet.count(false); n > 0 {
		t.Fatalf("%d records never acknowledged by a healthy collector", n)
	}
	acked := fleet.count(true)

	st, err := embedded.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	r := datasource.CustomRange(fleet.start.Add(-time.Hour), time.Now().Add(time.Hour))
	evs, err := st.Events(context.Background(), datasource.EventsQuery{Query: datasource.Query{Range: r}, Limit: acked + 10})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range evs {
		seen[fmt.Sprint(e.Properties["seq"])]++
	}
	for seq := range fleet.acked {
		if seen[fmt.Sprint(seq)] != 1 {
			t.Fatalf("acknowledged record %d stored %d times", seq, seen[fmt.Sprint(seq)])
		}
	}
	if len(evs) != acked {
		t.Fatalf("store holds %d events, %d were acknowledged", len(evs), acked)
	}
	integrityCheck(t, db)

	cmd := exec.Command(bin, "snapshot", "--json", "--source", "embedded", "--db", db, "--range", "24h")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var snap struct {
		Totals   struct{ Events int }
		Installs struct{ Active int }
		Timers   struct{ Total int }
	}
	if err := json.Unmarshal(out, &snap); err != nil {
		t.Fatalf("snapshot --json: %v: %s", err, out)
	}
	if snap.Totals.Events != acked || snap.Timers.Total != acked || snap.Installs.Active != 0 {
		t.Fatalf("snapshot %+v, sent %d timer.started records", snap, acked)
	}
	t.Logf("%d kills survived; %d records acknowledged, each stored once, snapshot agrees", rounds, acked)
}

// otlpFleet posts TimeTracker 5.x timer.started records, one per request.
type otlpFleet struct {
	http  *http.Client
	start time.Time

	mu      sync.Mutex
	next    int
	acked   map[int]bool
	pending []int
}

func (f *otlpFleet) record(seq int) []byte {
	return simulate.Record{Name: "timer.started", Identity: "1", Detailed: true, ServiceVersion: "5.10.0",
		Time: f.start.Add(time.Duration(seq) * time.Millisecond),
		Props: []simulate.Prop{{Key: "seq", Value: seq},
			{Key: "install_id", Value: fmt.Sprintf("00000000-0000-4000-8000-%012d", seq%7)}},
	}.JSON()
}

func (f *otlpFleet) sendOne(ctx context.Context, addr string) {
	f.mu.Lock()
	var seq int
	if n := len(f.pending); n > 0 {
		seq, f.pending = f.pending[n-1], f.pending[:n-1]
	} else {
		f.next++
		seq = f.next
	}
	f.mu.Unlock()
	ok := false
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/logs", bytes.NewReader(f.record(seq)))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", simulate.AuthHeader("instance-1:"+token))
		if resp, err := f.http.Do(req); err == nil {
			resp.Body.Close()
			ok = resp.StatusCode == http.StatusOK
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ok {
		f.acked[seq] = true
	} else {
		f.pending = append(f.pending, seq)
	}
}

// count is the number of acknowledged (or, with false, waiting) records.
func (f *otlpFleet) count(acked bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if acked {
		return len(f.acked)
	}
	return len(f.pending)
}
