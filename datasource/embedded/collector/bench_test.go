package collector

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posthog/posthog-go"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// nopIngester is a store that commits instantly, so benchmarks measure
// the collector (and the clients), not SQLite.
type nopIngester struct{ n atomic.Int64 }

func (n *nopIngester) Ingest(_ context.Context, evs []embedded.Event) (embedded.IngestResult, error) {
	n.n.Add(int64(len(evs)))
	return embedded.IngestResult{Stored: len(evs)}, nil
}

// BenchmarkCapturePosthogGo measures events/s through HTTP /batch/ from 8
// concurrent posthog-go clients (default batches of 250) into a no-op
// store. The clients run in the same process, so their marshalling and
// gzip share the CPU with the collector: this is a floor for the collector.
//
//	go test -run '^$' -bench CapturePosthogGo -benchmem ./datasource/embedded/collector/
func BenchmarkCapturePosthogGo(b *testing.B) {
	for name, mode := range map[string]posthog.CompressionMode{
		"plain": posthog.CompressionNone,
		"gzip":  posthog.CompressionGzip,
	} {
		b.Run(name, func(b *testing.B) { benchPosthogGo(b, 8, mode) })
	}
}

func benchPosthogGo(b *testing.B, clients int, mode posthog.CompressionMode) {
	ing := &nopIngester{}
	c := New(ing, WithTokens(testToken), WithLimits(Limits{MaxInFlight: 2 * clients}))
	srv := httptest.NewServer(c)
	defer srv.Close()
	props := posthog.NewProperties().Set("app_version", "4.2.0").Set("platform", "Linux").
		Set("deployment_method", "docker").Set("project_id", 42).Set("duration_seconds", 1800)
	perClient := b.N/clients + 1
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client, err := posthog.NewWithConfig(testToken, posthog.Config{
				Endpoint: srv.URL, Compression: mode, Interval: 50 * time.Millisecond,
				MaxQueueSize: perClient + 1000, Logger: &phLogger{},
			})
			if err != nil {
				b.Error(err)
				return
			}
			for j := 0; j < perClient && i*perClient+j < b.N; j++ {
				if err := client.Enqueue(posthog.Capture{DistinctId: fmt.Sprintf("fp-%d", j%500),
					Event: "timer.started", Properties: props}); err != nil {
					b.Error(err)
				}
			}
			_ = client.Close() // flushes and waits for delivery
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if got := ing.n.Load(); got != int64(b.N) {
		b.Fatalf("stored %d of %d events", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkDecodeBatch measures the collector alone: a 250-event batch as
// posthog-go sends it, from bytes to store events, without HTTP.
func BenchmarkDecodeBatch(b *testing.B) {
	ev := `{"type":"capture","uuid":"0193b6e4-1f2a-7c3d-8e4f-5a6b7c8d9e0f","library":"posthog-go","library_version":"1.23.1",` +
		`"timestamp":"2025-06-01T11:59:58.123456789Z","distinct_id":"3f2a9c0e7b","event":"timer.started",` +
		`"properties":{"$lib":"posthog-go","$lib_version":"1.23.1","$os":"linux","$geoip_disable":true,` +
		`"app_version":"4.2.0","platform":"Linux","project_id":42,"duration_seconds":1800}}`
	body := []byte(`{"api_key":"` + testToken + `","batch":[` + strings.TrimSuffix(strings.Repeat(ev+",", 250), ",") + `]}`)
	c := New(&nopIngester{}, WithTokens(testToken))
	p := payload{body: body, query: url.Values{}, contentType: "application/json"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		evs, err := c.decode(p, routeBatch, 20<<20)
		if err != nil || len(evs) != 250 {
			b.Fatalf("%d events, %v", len(evs), err)
		}
	}
	b.ReportMetric(float64(b.N*250)/b.Elapsed().Seconds(), "events/s")
}
