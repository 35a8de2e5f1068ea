package embedded

import (
	"context"
	"fmt"
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
// figure.
func dashboardQuery(tb testing.TB, d datasource.Dashboard, span string, cohort bool) datasource.Query {
	tb.Helper()
	q := benchQuery(span, cohort)
	pqs, err := d.Queries(q.Range, benchEnd)
	if err != nil {
		tb.Fatal(err)
	}
	q.Panes, q.PanesOnly = pqs, len(d.Builtins()) == 0
	return q
}

// BenchmarkDashboard is one refresh of a built-in dashboard: one
// Snapshot with its built-in figures and every pane, on the generated
// stores (TTMON_BENCH_SIZES), for 24h and 30d, without filters and with
// the two-condition person cohort of BenchmarkSnapshot. The first query
// (chunks decoded, user pairs derived) is not timed: BenchmarkFirstDashboard.
//
//	go test -run '^$' -bench Dashboard -benchmem ./datasource/embedded/
func BenchmarkDashboard(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes() {
		s, err := Open(benchPath(b, size), WithClock(func() time.Time { return benchEnd }))
		if err != nil {
			b.Fatal(err)
		}
		heap := loadAll(b, s)
		for _, d := range builtinDashboards(b) {
			for _, span := range []string{"24h", "30d"} {
				for _, filter := range []string{"none", "cohort"} {
					q := dashboardQuery(b, d, span, filter == "cohort")
					b.Run(fmt.Sprintf("%s/%s/%s/%s", sizeName(size), d.Name, span, filter), func(b *testing.B) {
						b.ReportAllocs()
						if _, err := s.snapshotOn(ctx, s.idx, q); err != nil {
							b.Fatal(err)
						}
						for b.Loop() {
							snap, err := s.snapshotOn(ctx, s.idx, q)
							if err != nil {
								b.Fatal(err)
							}
							if len(snap.Panes) != len(q.Panes) || snap.Panes[0].Total == 0 {
								b.Fatalf("panes %+v", snap.Panes)
							}
						}
						b.ReportMetric(heap, "index-MB")
					})
				}
			}
		}
		s.Close()
	}
}

// BenchmarkFirstDashboard is the one-off cost of the first dashboard
// refresh in a process (health, 24h): it reads the postings of the day's
// chunks and derives the user pairs.
//
//	go test -run '^$' -bench FirstDashboard -benchmem ./datasource/embedded/
func BenchmarkFirstDashboard(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes() {
		b.Run(sizeName(size), func(b *testing.B) {
			q := dashboardQuery(b, builtinDashboards(b)[0], "24h", false)
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
