package embedded

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ttmon/ttmon/config/builtin"
	"github.com/ttmon/ttmon/datasource"
)

// builtinDashboards reads the dashboards ttmon ships.
func builtinDashboards(tb testing.TB) []datasource.Dashboard {
	tb.Helper()
	var f struct{ Dashboards []datasource.Dashboard }
	if err := yaml.Unmarshal(builtin.DashboardsYAML, &f); err != nil {
		tb.Fatal(err)
	}
	return f.Dashboards
}

// dashboardQuery is what the monitor asks for one dashboard: the range,
// the filters, its panes resolved, PanesOnly when it shows no built-in
// figure, else the built-in figures it shows (Figures).
func dashboardQuery(tb testing.TB, d datasource.Dashboard, span string, cohort bool) datasource.Query {
	tb.Helper()
	q := benchQuery(span, cohort)
	pqs, err := d.Queries(q.Range, benchEnd)
	if err != nil {
		tb.Fatal(err)
	}
	q.Panes, q.PanesOnly, q.Figures = pqs, len(d.Builtins()) == 0, d.Builtins()
	return q
}

// BenchmarkDashboard is one refresh of a built-in dashboard: one
// Snapshot with its built-in figures and every pane, on the generated
// stores (TTMON_BENCH_SIZES), for 24h and 30d, without filters and with
// the two-condition person cohort of BenchmarkSnapshot. "cold" counts
// every bucket of every pane (the first query with these filters);
// "refresh" is a poll while events arrive: an event lands in the last
// bucket before each query, so that bucket is counted again and the
// others are the kept ones. The first query of a process (chunks decoded,
// user pairs derived) is not timed: BenchmarkFirstDashboard. cpu-ms/op is
// the CPU both cores spent per query.
//
//	go test -run '^$' -bench '^BenchmarkDashboard$' -benchmem ./datasource/embedded/
func BenchmarkDashboard(b *testing.B) {
	for _, size := range benchSizes() {
		s, err := Open(benchPath(b, size), WithClock(func() time.Time { return benchEnd }))
		if err != nil {
			b.Fatal(err)
		}
		_, heap := loadAll(b, s) // panes read every event's distinct id
		for _, d := range builtinDashboards(b) {
			for _, span := range []string{"24h", "30d"} {
				for _, filter := range []string{"none", "cohort"} {
					q := dashboardQuery(b, d, span, filter == "cohort")
					for _, mode := range []string{"cold", "refresh"} {
						b.Run(fmt.Sprintf("%s/%s/%s/%s/%s", sizeName(size), d.Name, span, filter, mode), func(b *testing.B) {
							benchDashboard(b, s, q, mode == "cold")
							b.ReportMetric(heap, "index-MB")
						})
					}
				}
			}
		}
		s.Close()
	}
}

// benchDashboard times q's Snapshot: cold drops the kept buckets before
// each, else an event is noted in the last bucket.
func benchDashboard(b *testing.B, s *Store, q datasource.Query, cold bool) {
	ctx := context.Background()
	b.ReportAllocs()
	if _, err := s.snapshotOn(ctx, s.idx, q); err != nil {
		b.Fatal(err)
	}
	last := q.Range.To.Add(-time.Millisecond).UnixMilli()
	cpu0 := cpuTime()
	for b.Loop() {
		if cold {
			s.idx.DropPaneCache()
		} else {
			s.idx.Touch(last)
		}
		snap, err := s.snapshotOn(ctx, s.idx, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Panes) != len(q.Panes) || (len(q.Panes) > 1 && snap.Panes[0].Total == 0) {
			b.Fatalf("panes %+v", snap.Panes) // a whole dashboard's first pane is never empty on these stores
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkFirstDashboard is the one-off cost of the first dashboard
// refresh in a process (health, 24h): it reads the postings of the day's
// chunks and derives the user pairs. index-MB is the heap before,
// with-panes-MB after both dashboards ran over 30 days.
//
//	go test -run '^$' -bench FirstDashboard -benchmem ./datasource/embedded/
func BenchmarkFirstDashboard(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes() {
		b.Run(sizeName(size), func(b *testing.B) {
			ds := builtinDashboards(b)
			q := dashboardQuery(b, ds[0], "24h", false)
			var before, after float64
			for b.Loop() {
				b.StopTimer()
				s, err := Open(benchPath(b, size), WithClock(func() time.Time { return benchEnd }))
				if err != nil {
					b.Fatal(err)
				}
				_, before = loadAll(b, s)
				b.StartTimer()
				if _, err := s.snapshotOn(ctx, s.idx, q); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				// What the index holds for panes once both dashboards ran
				// over 30 days: property index, pairs, columns, kept buckets.
				for _, d := range ds {
					if _, err := s.snapshotOn(ctx, s.idx, dashboardQuery(b, d, "30d", false)); err != nil {
						b.Fatal(err)
					}
				}
				after = heapMB()
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(before, "index-MB")
			b.ReportMetric(after, "with-panes-MB")
		})
	}
}

// cpuTime is the process's user and system CPU time in ns: on a machine
// shared with other work, the CPU a query takes says more than its wall
// time (two workers: wall is at best half of it).
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkDashboardPanes is each pane of the built-in dashboards alone
// (and their built-in figures alone), cold, over 30 days with the
// two-condition cohort: which pane a dashboard's time goes to.
//
//	TTMON_BENCH_SIZES=10M go test -run '^$' -bench DashboardPanes ./datasource/embedded/
func BenchmarkDashboardPanes(b *testing.B) {
	for _, size := range benchSizes() {
		s, err := Open(benchPath(b, size), WithClock(func() time.Time { return benchEnd }))
		if err != nil {
			b.Fatal(err)
		}
		loadAll(b, s)
		for _, d := range builtinDashboards(b) {
			full := dashboardQuery(b, d, "30d", true)
			q := full
			q.Panes = nil
			b.Run(fmt.Sprintf("%s/%s/figures", sizeName(size), d.Name), func(b *testing.B) { benchDashboard(b, s, q, true) })
			for i := range full.Panes {
				q := full
				q.Panes, q.PanesOnly = full.Panes[i:i+1], true
				b.Run(fmt.Sprintf("%s/%s/%s", sizeName(size), d.Name, full.Panes[i].Spec.ID), func(b *testing.B) { benchDashboard(b, s, q, true) })
			}
		}
		s.Close()
	}
}

// BenchmarkOpenDashboard is a new process's first answer to a built-in
// dashboard over 30 days, without a filter and with the cohort: Open, then
// one Snapshot that decodes the month's chunks, reads the persons for the
// cohort, derives the user pairs and folds the digests.
//
//	TTMON_BENCH_SIZES=10M go test -run '^$' -bench OpenDashboard -benchtime 5x ./datasource/embedded/
func BenchmarkOpenDashboard(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes() {
		path := benchPath(b, size)
		for _, d := range builtinDashboards(b) {
			for _, filter := range []string{"none", "cohort"} {
				q := dashboardQuery(b, d, "30d", filter == "cohort")
				b.Run(sizeName(size)+"/"+d.Name+"/30d/"+filter, func(b *testing.B) {
					for b.Loop() {
						s, err := Open(path, WithClock(func() time.Time { return benchEnd }))
						if err != nil {
							b.Fatal(err)
						}
						if _, err := s.Snapshot(ctx, q); err != nil {
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
}

// BenchmarkSwitchDashboardRange is a running monitor's first 30-day
// dashboard after it has shown the same dashboard over 24h, with the
// digests as the monitor keeps them (DigestsBackground), the panes
// scanning what is not folded yet: "cold" without prefetch (the month's
// chunks decoded and their pairs derived on the way: the worst case),
// "racing" with the prefetch started by the first query and still
// running (the switch pressed at once: what a monitor's user meets at
// worst), "prefetched" once the monitor's prefetch has decoded history
// and derived the pairs (a monitor open for a few seconds).
//
//	TTMON_BENCH_SIZES=10M go test -run '^$' -bench SwitchDashboardRange -benchtime 3x ./datasource/embedded/
func BenchmarkSwitchDashboardRange(b *testing.B) {
	for _, size := range benchSizes() {
		for _, d := range builtinDashboards(b) {
			for _, filter := range []string{"none", "cohort"} {
				for _, mode := range []string{"cold", "racing", "prefetched"} {
					b.Run(sizeName(size)+"/"+d.Name+"/"+filter+"/"+mode, func(b *testing.B) {
						benchSwitch(b, size, dashboardQuery(b, d, "24h", filter == "cohort"), dashboardQuery(b, d, "30d", filter == "cohort"), mode)
					})
				}
			}
		}
	}
}

// benchSwitch times month's Snapshot on a store that answered day, with
// the prefetch off ("cold"), running ("racing") or done ("prefetched").
func benchSwitch(b *testing.B, size int, day, month datasource.Query, mode string) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, err := Open(benchPath(b, size), WithClock(func() time.Time { return benchEnd }),
			WithDigests(DigestsBackground), WithPrefetch(mode != "cold"), WithHugePages(true))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Snapshot(ctx, day); err != nil {
			b.Fatal(err)
		}
		if mode != "racing" {
			s.idx.WaitPrefetch()
			s.idx.WaitFolds()
		}
		b.StartTimer()
		if _, err := s.Snapshot(ctx, month); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
