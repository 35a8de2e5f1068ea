package embedded

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// BenchmarkIngest measures acknowledged events per second: 8 goroutines
// each sending batches of 100, as a busy collector would.
//
//	go test -run '^$' -bench Ingest -benchmem ./datasource/embedded/
func BenchmarkIngest(b *testing.B) {
	pool := benchEvents(b, 200_000)
	cases := []struct {
		name           string
		full           bool
		noUUID, noPers bool
	}{
		{name: "sync=NORMAL"},
		{name: "sync=FULL", full: true},
		{name: "sync=NORMAL/no-uuid", noUUID: true},
		{name: "sync=NORMAL/no-person-updates", noPers: true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "ingest.db"), WithSync(c.full), withEngine(sqlRef))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			evs := make([]Event, b.N)
			for j := range evs {
				evs[j] = pool[j%len(pool)]
				evs[j].UUID = fmt.Sprintf("%08x-0000-4000-8000-%012x", 0xbe, j)
				if c.noUUID {
					evs[j].UUID = ""
				}
				if c.noPers {
					evs[j].Properties = maps.Clone(evs[j].Properties)
					delete(evs[j].Properties, "$set")
				}
			}
			b.ResetTimer()
			start := time.Now()
			ingestParallel(b, s, evs, 8, 100)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
			b.StopTimer()
			if st, err := s.Stats(context.Background()); err == nil && st.Events > 0 {
				b.ReportMetric(float64(st.Bytes)/float64(st.Events), "disk-B/event")
			}
		})
	}
}

// ingestParallel sends evs in batches from workers goroutines.
func ingestParallel(b *testing.B, s *Store, evs []Event, workers, batch int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(int64(batch))) - batch
				if i >= len(evs) {
					return
				}
				if _, err := s.Ingest(context.Background(), evs[i:min(i+batch, len(evs))]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkSnapshot runs a full 4-pane Snapshot on the generated stores
// (1M events; 1M, 3M and 10M with TTMON_BENCH_LARGE=1) for 24h and 30d:
// without filters, with the "Docker users on latest" person cohort, and
// with an event filter (app_version = newest; not a target, for scale).
// disk-B/event is the store's file size per event, index-MB the Go heap
// once the index holds the whole store. TTMON_BENCH_SQL=1 adds the SQL
// engine (the tests' reference; seconds per query).
//
//	go test -run '^$' -bench Snapshot -benchmem ./datasource/embedded/
func BenchmarkSnapshot(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes() {
		// Opened here, not with benchStore: a closed store must be
		// garbage before the next one's heap is measured.
		s, err := Open(benchPath(b, size), WithClock(func() time.Time { return benchEnd }))
		if err != nil {
			b.Fatal(err)
		}
		before := heapMB()
		lean, heap := loadAll(b, s)
		st, err := s.Stats(ctx)
		if err != nil {
			b.Fatal(err)
		}
		engines := []namedEngine{{"", s.idx}}
		if os.Getenv("TTMON_BENCH_SQL") == "1" {
			engines = append(engines, namedEngine{"sql/", sqlEngine(s)})
		}
		for _, eng := range engines {
			for _, span := range []string{"24h", "30d"} {
				for _, filter := range []string{"none", "cohort", "event", "prop"} {
					q := benchQuery(span, filter == "cohort")
					switch filter {
					case "event": // a Mapping property: the attribute tuples answer
						q.Filters = []datasource.Filter{{Scope: datasource.ScopeEvent, Key: "app_version",
							Op: datasource.OpEq, Values: []string{newestVersion()}}}
					case "prop": // any other event property: its postings answer
						q.Filters = []datasource.Filter{{Scope: datasource.ScopeEvent, Key: "auth_method",
							Op: datasource.OpEq, Values: []string{"oidc"}}}
					}
					name := fmt.Sprintf("%s/%s%s/%s", sizeName(size), eng.name, span, filter)
					b.Run(name, func(b *testing.B) {
						b.ReportAllocs()
						// The first event filter loads the property index
						// (once per process; BenchmarkFirstEventFilter):
						// not part of the steady state measured here.
						if _, err := s.snapshotOn(ctx, eng.e, q); err != nil {
							b.Fatal(err)
						}
						for b.Loop() {
							snap, err := s.snapshotOn(ctx, eng.e, q)
							if err != nil {
								b.Fatal(err)
							}
							// Heartbeats carry no auth_method: prop has no installs.
							if snap.Totals.Events == 0 || (snap.Installs.Active == 0 && filter != "prop") {
								b.Fatal("empty snapshot")
							}
						}
						b.ReportMetric(float64(st.Bytes)/float64(st.Events), "disk-B/event")
						b.ReportMetric(heap, "index-MB")
						b.ReportMetric((lean-before)*(1<<20)/float64(st.Events), "lean-B/event")
						b.ReportMetric((heap-before)*(1<<20)/float64(st.Events), "index-B/event")
					})
				}
			}
		}
		s.Close()
	}
}

// BenchmarkFirstEventFilter is the one-off cost of the first query with a
// filter on an event property other than the Mapping's in a process whose
// index is loaded (a running monitor adding its first such filter): it
// reads the key's pairs and its postings for the chunks of the range.
//
//	go test -run '^$' -bench FirstEventFilter -benchmem ./datasource/embedded/
func BenchmarkFirstEventFilter(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes() {
		for _, span := range []string{"24h", "30d"} {
			b.Run(sizeName(size)+"/"+span, func(b *testing.B) {
				q := benchQuery(span, false)
				q.Filters = []datasource.Filter{{Scope: datasource.ScopeEvent, Key: "auth_method",
					Op: datasource.OpEq, Values: []string{"oidc"}}}
				for b.Loop() {
					b.StopTimer()
					s, err := Open(benchPath(b, size), WithClock(func() time.Time { return benchEnd }))
					if err != nil {
						b.Fatal(err)
					}
					loadAll(b, s)
					b.StartTimer()
					if _, err := s.snapshotOn(ctx, s.idx, q); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					s.Close()
					b.StartTimer()
				}
			})
		}
	}
}

// BenchmarkSwitchRange is a running monitor's first 30d Snapshot after
// it has shown 24h: the saved chunks of the rest of the month are decoded
// on the way (without, or with the cohort).
//
//	go test -run '^$' -bench SwitchRange ./datasource/embedded/
func BenchmarkSwitchRange(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes() {
		for _, cohort := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/cohort=%v", sizeName(size), cohort), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					s, err := Open(benchPath(b, size), WithClock(func() time.Time { return benchEnd }), WithHugePages(true))
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s.Snapshot(ctx, benchQuery("24h", cohort)); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := s.Snapshot(ctx, benchQuery("30d", cohort)); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					s.Close()
					b.StartTimer()
				}
			})
		}
	}
}

// loadAll builds s's index completely and returns the Go heap in use
// afterwards, in MiB (the index, with the store's caches and buffers):
// lean, as a process that has shown only unfiltered figures holds it
// (heartbeats' distinct ids only), then full (every event's, after a
// person filter or a drill).
func loadAll(b *testing.B, s *Store) (lean, full float64) {
	waitReady(b, s)
	if err := s.idx.Cover(context.Background(), math.MinInt64, math.MaxInt64, false); err != nil {
		b.Fatal(err)
	}
	lean = heapMB()
	if err := s.idx.Cover(context.Background(), math.MinInt64, math.MaxInt64, true); err != nil {
		b.Fatal(err)
	}
	return lean, heapMB()
}

// heapMB is the Go heap in use after a collection, in MiB.
func heapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// BenchmarkOpenFirstSnapshot is the time to first data: Open an existing
// store, then the first 24h Snapshot (which builds the index from the
// saved chunks and the rows after them).
//
//	go test -run '^$' -bench OpenFirstSnapshot ./datasource/embedded/
func BenchmarkOpenFirstSnapshot(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes() {
		path := benchPath(b, size)
		q := benchQuery("24h", false)
		b.Run(sizeName(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := Open(path, WithClock(func() time.Time { return benchEnd }))
				if err != nil {
					b.Fatal(err)
				}
				snap, err := s.Snapshot(ctx, q)
				if err != nil || snap.Totals.Events == 0 {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkCatchUpIdle is what every poll pays when nothing changed.
func BenchmarkCatchUpIdle(b *testing.B) {
	s := openTest(b)
	mustIngest(b, s, hb("i1", at(1, 0), "1.0.0"))
	waitReady(b, s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.idx.CatchUp(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriterApply is the serial part of ingest alone: the writer's
// transaction (interning, person updates, dedup, the events rows, commit)
// for groups of 500 prepared events of the simulated fleet, on one
// goroutine, into a store that starts empty. Its ns/event bounds what
// one writer can commit per second; prepare and HTTP decoding run on the
// callers' goroutines and are not in it.
//
//	go test -run '^$' -bench WriterApply -benchmem ./datasource/embedded/
func BenchmarkWriterApply(b *testing.B) {
	const group = 500
	pool := benchEvents(b, 100_000)
	var s *Store
	var reqs []*ingestReq
	// Prepared hashes hold per-store seeds: a new store, new requests.
	fresh := func() {
		s = openTest(b)
		reqs = reqs[:0]
		for i := 0; i < len(pool); i += group {
			evs := pool[i:min(i+group, len(pool))]
			reqs = append(reqs, &ingestReq{evs: evs, prep: s.w.prepare(evs)})
		}
	}
	fresh()
	results := make([]IngestResult, 1)
	b.ReportAllocs()
	b.ResetTimer()
	events := 0
	for i := range b.N {
		r := reqs[i%len(reqs)]
		if i > 0 && i%len(reqs) == 0 {
			// Another pass would only find duplicates: a new store.
			b.StopTimer()
			fresh()
			b.StartTimer()
		}
		if err := s.w.apply([]*ingestReq{r}, results); err != nil {
			b.Fatal(err)
		}
		events += len(r.evs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}
