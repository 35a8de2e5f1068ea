package e2e

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkDemoFirstFrame: how long `ttmon --demo` takes from exec to its
// first frame (the dashboard's pane titles on the terminal), on a 100x30
// pty: the wait a person has after typing the command. It reports the
// median of b.N starts as first-frame-ms, and the fastest and slowest.
//
//	go test ./e2e -run '^$' -bench DemoFirstFrame -benchtime 5x
func BenchmarkDemoFirstFrame(b *testing.B) {
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		d := startDemo(b)
		d.waitFor(b, "Active installations")
		took = append(took, time.Since(start))
		d.tty.Write([]byte("q"))
		select {
		case <-d.exited:
		case <-time.After(time.Minute):
			b.Fatalf("ttmon --demo still running a minute after q")
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(median(took)), "first-frame-ms")
	b.ReportMetric(ms(slices.Min(took)), "min-ms")
	b.ReportMetric(ms(slices.Max(took)), "max-ms")
	b.ReportMetric(0, "ns/op")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
