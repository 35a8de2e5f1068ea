package embedded

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
			s, err := Open(filepath.Join(b.TempDir(), "ingest.db"), WithSync(c.full), withoutIndex())
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

// BenchmarkSnapshot runs a full 4-pane Snapshot on the generated store
// (1M events; TTMON_BENCH_LARGE=1 for 10M) with both engines, for 24h and
// 30d, with and without the two-condition person cohort.
//
//	go test -run '^$' -bench Snapshot -benchmem ./datasource/embedded/
func BenchmarkSnapshot(b *testing.B) {
	s := benchStore(b, benchSizes()[0])
	waitReady(b, s)
	ctx := context.Background()
	for _, eng := range []struct {
		name string
		e    engine
	}{{"index", s.idx}, {"sql", s.sqlE}} {
		for _, span := range []string{"24h", "30d"} {
			for _, cohort := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/cohort=%v", eng.name, span, cohort)
				q := benchQuery(span, cohort)
				b.Run(name, func(b *testing.B) {
					if eng.name == "sql" && os.Getenv("TTMON_BENCH_SQL") == "0" {
						b.Skip("TTMON_BENCH_SQL=0")
					}
					for i := 0; i < b.N; i++ {
						snap, err := s.snapshotOn(ctx, eng.e, q)
						if err != nil {
							b.Fatal(err)
						}
						if snap.Totals.Events == 0 {
							b.Fatal("empty snapshot")
						}
					}
				})
			}
		}
	}
}

// BenchmarkIndexLoad is the background build at Open: reading every event
// into the column index.
func BenchmarkIndexLoad(b *testing.B) {
	s := benchStore(b, benchSizes()[0], withoutIndex())
	for i := 0; i < b.N; i++ {
		x := newIndex(s.rdb, s.opts.mapping, func(string, ...any) {})
		if err := x.load(context.Background()); err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			st, _ := s.Stats(context.Background())
			b.ReportMetric(float64(st.Bytes)/float64(st.Events), "disk-B/event")
		}
	}
}

// BenchmarkCatchUpIdle is what every poll pays when nothing changed.
func BenchmarkCatchUpIdle(b *testing.B) {
	s := openTest(b)
	mustIngest(b, s, hb("i1", at(1, 0), "1.0.0"))
	waitReady(b, s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.idx.catchUp(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
