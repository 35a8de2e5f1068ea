package collector

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// otlpExport is a 250-record export of TimeTracker-shaped records (timer5
// at distinct times, one resource and scope), as JSON and as protobuf.
func otlpExport(b *testing.B) (jsonBody, protoBody []byte) {
	b.Helper()
	req, aerr := decodeLogsRequest(timer5(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)).JSON(), otlpJSON, 64)
	if aerr != nil {
		b.Fatal(aerr)
	}
	sl := req.ResourceLogs[0].ScopeLogs[0]
	for i := 1; i < 250; i++ {
		lr := proto.Clone(sl.LogRecords[0]).(*logspb.LogRecord)
		lr.TimeUnixNano += uint64(i)
		sl.LogRecords = append(sl.LogRecords, lr)
	}
	var err error
	if protoBody, err = proto.Marshal(req); err != nil {
		b.Fatal(err)
	}
	if jsonBody, err = protojson.Marshal(req); err != nil {
		b.Fatal(err)
	}
	return jsonBody, protoBody
}

// BenchmarkDecodeOTLP measures the collector alone, next to DecodeBatch:
// a 250-record export from bytes to store events, without HTTP.
//
//	go test -run '^$' -bench DecodeOTLP -benchmem ./datasource/embedded/collector/
func BenchmarkDecodeOTLP(b *testing.B) {
	jsonBody, protoBody := otlpExport(b)
	for _, tc := range []struct {
		name string
		body []byte
		enc  otlpEncoding
	}{{"json", jsonBody, otlpJSON}, {"protobuf", protoBody, otlpProto}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				req, aerr := decodeLogsRequest(tc.body, tc.enc, 64)
				if aerr != nil {
					b.Fatal(aerr)
				}
				if evs, _ := logsToEvents(req, fixedNow); len(evs) != 250 {
					b.Fatalf("%d events", len(evs))
				}
			}
			b.ReportMetric(float64(b.N*250)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkCaptureOTLP measures records/s through HTTP /v1/logs into a
// no-op store, next to CapturePosthogGo: "sdk" is 8 OpenTelemetry Go SDK
// exporters (protobuf, the SDK's batch processor), "timetracker" is 8
// senders posting one JSON record per request, as TimeTracker 5.x does.
// Clients share the CPU with the collector: a floor for the collector.
//
//	go test -run '^$' -bench CaptureOTLP -benchmem ./datasource/embedded/collector/
func BenchmarkCaptureOTLP(b *testing.B) {
	b.Run("sdk", func(b *testing.B) { benchOTLP(b, benchSDKClient) })
	b.Run("timetracker", func(b *testing.B) { benchOTLP(b, benchTimeTrackerClient) })
}

func benchOTLP(b *testing.B, client func(b *testing.B, url string, n int)) {
	const clients = 8
	ing := &nopIngester{}
	c := New(ing, WithTokens(testToken), WithLimits(Limits{MaxInFlight: 2 * clients}))
	srv := httptest.NewServer(c)
	defer srv.Close()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		n := b.N / clients
		if i < b.N%clients {
			n++
		}
		wg.Add(1)
		go func() { defer wg.Done(); client(b, srv.URL, n) }()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if got := ing.n.Load(); got != int64(b.N) {
		b.Fatalf("stored %d of %d records", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

func benchSDKClient(b *testing.B, url string, n int) {
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(url+"/v1/logs"),
		otlploghttp.WithHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		b.Error(err)
		return
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exp, sdklog.WithMaxQueueSize(n+1))))
	l := lp.Logger("timetracker.telemetry")
	at := time.Now()
	for i := range n {
		var r otellog.Record
		r.SetTimestamp(at.Add(time.Duration(i)))
		r.SetBody(attribute.StringValue("timer.started"))
		r.AddAttributes(attribute.String("event_name", "timer.started"), attribute.String("identity", "1"),
			attribute.String("install_id", installA), attribute.Int("project_id", i%50),
			attribute.String("deployment_method", "docker"))
		l.Emit(ctx, r)
	}
	if err := lp.Shutdown(ctx); err != nil { // flushes
		b.Error(err)
	}
}

func benchTimeTrackerClient(b *testing.B, url string, n int) {
	hc := &http.Client{}
	rec := timer5(time.Now())
	for i := range n {
		rec.Time = rec.Time.Add(time.Microsecond)
		w := postOTLPTo(hc, url, rec.JSON())
		if w != http.StatusOK {
			b.Errorf("record %d: status %d", i, w)
			return
		}
	}
}

func postOTLPTo(hc *http.Client, url string, body []byte) int {
	req, err := http.NewRequest(http.MethodPost, url+"/v1/logs", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", basicAuth("1:"+testToken))
	resp, err := hc.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
