package simulate

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkBackfill measures pure model generation, the path a store
// benchmark fills millions of events through. One op is the whole window.
//
//	go test -run '^$' -bench Backfill -benchmem ./datasource/simulate/
func BenchmarkBackfill(b *testing.B) {
	for _, c := range []struct {
		name            string
		installs, users int
		window          time.Duration
	}{
		{"500x2000x7d", 500, 2000, week},
		{"5000x20000x2d", 5000, 20000, 2 * 24 * time.Hour},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := NewModel(ModelConfig{Seed: 1, Now: testNow, Installs: c.installs, Users: c.users})
			events := 0
			for b.Loop() {
				for e := range m.Backfill(testNow.Add(-c.window), testNow) {
					_ = e
					events++
				}
			}
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkRunBackfill sends the default backfill (500 installations, 2000
// users, 7 days) through posthog-go to a server that only reads the bodies:
// the time a local `ttmon demo` needs before it goes live, minus the
// collector's own work.
//
//	go test -run '^$' -bench RunBackfill -benchtime 1x ./datasource/simulate/
func BenchmarkRunBackfill(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"status":"Ok"}`))
	}))
	defer srv.Close()
	var events int64
	for range NewModel(ModelConfig{Seed: 1, Now: testNow}).Backfill(testNow.Add(-week), testNow) {
		events++
	}
	for b.Loop() {
		cfg := Config{Host: srv.URL, Token: "phc_bench", Rate: -1, Seed: 1,
			Interval: 50 * time.Millisecond, Clock: func() time.Time { return testNow }}
		if err := Run(context.Background(), cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events), "events/op")
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
