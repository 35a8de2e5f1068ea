package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/fleetgen"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// The benchmark data sets come from the fleet simulator's model (see
// internal/fleetgen): 30 days of 5,000 installations and 20,000 users,
// scaled to 1M, 3M or 10M events and written straight into a store with
// Ingest. Stores are cached under os.UserCacheDir()/ttmon-bench, named by
// the generator's fingerprint and the store's schema version, so a change
// to either regenerates them; nothing large is written into the repository.

// benchEnd is the end of the generated month.
var benchEnd = fleetgen.End

// benchSizes are the data sets a benchmark runs on: 1M by default, 1M, 3M
// and 10M with TTMON_BENCH_LARGE=1, or the list in TTMON_BENCH_SIZES
// ("1M,3M", "200k").
func benchSizes() []int {
	spec := os.Getenv("TTMON_BENCH_SIZES")
	if spec == "" && os.Getenv("TTMON_BENCH_LARGE") == "1" {
		spec = "1M,3M,10M"
	}
	if spec == "" {
		spec = "1M"
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(strings.ToUpper(f))
		mul := 1
		if n, ok := strings.CutSuffix(f, "M"); ok {
			f, mul = n, 1_000_000
		} else if n, ok := strings.CutSuffix(f, "K"); ok {
			f, mul = n, 1000
		}
		if n, err := strconv.Atoi(f); err == nil && n > 0 {
			out = append(out, n*mul)
		}
	}
	return out
}

func sizeName(n int) string {
	if n%1_000_000 == 0 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return fmt.Sprintf("%dk", n/1000)
}

func benchCacheDir(tb testing.TB) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "ttmon-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

var fingerprint = sync.OnceValue(fleetgen.Fingerprint)

// benchPlan is the exact plan for size events, cached next to the stores.
func benchPlan(tb testing.TB, size int) fleetgen.Plan {
	tb.Helper()
	path := filepath.Join(benchCacheDir(tb), fmt.Sprintf("plan-%s-%s.json", fingerprint(), sizeName(size)))
	var p fleetgen.Plan
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &p) == nil && p.Events == int64(size) {
		return p
	}
	p, err := fleetgen.PlanExact(int64(size))
	if err != nil {
		tb.Fatal(err)
	}
	b, _ := json.Marshal(p)
	_ = os.WriteFile(path, b, 0o644)
	return p
}

// benchPath generates (once) and returns the cached store of size events.
func benchPath(tb testing.TB, size int) string {
	tb.Helper()
	name := fmt.Sprintf("fleet-%s-v%d.%d-%s.db", fingerprint(), len(migrations), index.Format, sizeName(size))
	path := filepath.Join(benchCacheDir(tb), name)
	if _, err := os.Stat(path + ".done"); err == nil {
		return path
	}
	// Stores of this size from an older generator or schema go first.
	old, _ := filepath.Glob(filepath.Join(benchCacheDir(tb), "fleet-*-"+sizeName(size)+".db*"))
	for _, p := range old {
		_ = os.Remove(p)
	}
	start := time.Now()
	n, err := generate(tb, path, benchPlan(tb, size))
	if err != nil {
		tb.Fatal(err)
	}
	if n != size {
		tb.Fatalf("fleetgen made %d events for a data set named %s; refusing to cache it", n, sizeName(size))
	}
	if err := os.WriteFile(path+".done", nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("generated %d events into %s in %v", n, path, time.Since(start))
	return path
}

// generate writes the plan's events into a new store at path with Ingest,
// in batches of 10,000, logging the ingest rate per million as it grows.
func generate(tb testing.TB, path string, plan fleetgen.Plan) (int, error) {
	s, err := Open(path)
	if err != nil {
		return 0, err
	}
	batches := make(chan []Event, 4)
	go func() {
		defer close(batches)
		batch := make([]Event, 0, 10000)
		for e := range fleetgen.Events(plan) {
			batch = append(batch, Event(e))
			if len(batch) == cap(batch) {
				batches <- batch
				batch = make([]Event, 0, 10000)
			}
		}
		if len(batch) > 0 {
			batches <- batch
		}
	}()
	n, mark := 0, time.Now()
	for b := range batches {
		if _, err := s.Ingest(context.Background(), b); err != nil {
			s.Close()
			return n, err
		}
		if n/1_000_000 != (n+len(b))/1_000_000 {
			tb.Logf("%s: %d events, last million at %.0f events/s", filepath.Base(path), n+len(b), 1e6/time.Since(mark).Seconds())
			mark = time.Now()
		}
		n += len(b)
	}
	if _, err := s.wdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		s.Close()
		return n, err
	}
	return n, s.Close()
}

// benchStore opens the cached store of size events.
func benchStore(tb testing.TB, size int, opts ...Option) *Store {
	tb.Helper()
	path := benchPath(tb, size)
	s, err := Open(path, append([]Option{WithClock(func() time.Time { return benchEnd })}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// benchEvents returns the first n events of the 1M data set, for ingest
// benchmarks that need TimeTracker-shaped traffic without a store.
func benchEvents(tb testing.TB, n int) []Event {
	out := make([]Event, 0, n)
	for e := range fleetgen.Events(benchPlan(tb, 1_000_000)) {
		out = append(out, Event(e))
		if len(out) == n {
			break
		}
	}
	return out
}

// newestVersion is the simulated fleet's latest release.
var newestVersion = sync.OnceValue(func() string {
	rs := fleetgen.Model().Releases()
	return rs[len(rs)-1].Version
})

// benchQuery is the 24h or 30d range ending with the generated data,
// optionally with the "Docker users on latest" cohort.
func benchQuery(span string, cohort bool) datasource.Query {
	r, _ := datasource.ParseRange(span, benchEnd)
	q := datasource.Query{Range: r, TZ: "Europe/Berlin"}
	if cohort {
		q.Filters = []datasource.Filter{
			{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpEq, Values: []string{"docker"}},
			{Scope: datasource.ScopePerson, Key: "current_version", Op: datasource.OpEq, Values: []string{newestVersion()}},
		}
	}
	return q
}
