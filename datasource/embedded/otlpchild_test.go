package embedded

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ttmon/ttmon/datasource/embedded/internal/fleetgen"
	"github.com/ttmon/ttmon/datasource/simulate"
)

// otlpChild is httpChild for TTMON_HTTP_MODE otlp-json, otlp-protobuf
// and otlp-sdk: the same simulated fleet's events as TimeTracker 5.x
// records (simulate.ToRecord; events 5.x does not send are skipped), sent
// to /v1/logs in exports of 250 records. otlp-json and otlp-protobuf post
// pre-encoded exports with plain HTTP, as replay does for /batch/;
// otlp-sdk runs OpenTelemetry Go SDK exporters (protobuf, the batch
// processor's default export size) in the clients.
func otlpChild(mode string, n, clients int) {
	var recs []*collogspb.ExportLogsServiceRequest // one record each
	for e := range fleetgen.Model().Backfill(fleetgen.End, fleetgen.End.Add(14*24*time.Hour)) {
		r, ok := simulate.ToRecord(e.Clone())
		if !ok {
			continue
		}
		req := &collogspb.ExportLogsServiceRequest{}
		if err := protojson.Unmarshal(r.JSON(), req); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		if recs = append(recs, req); len(recs) == n {
			break
		}
	}
	if mode == "otlp-sdk" {
		sdkChild(recs, clients)
		return
	}
	var bodies [][]byte
	for i := 0; i < len(recs); i += 250 {
		exp := &collogspb.ExportLogsServiceRequest{}
		for _, r := range recs[i:min(i+250, len(recs))] {
			exp.ResourceLogs = append(exp.ResourceLogs, r.ResourceLogs...)
		}
		var b []byte
		var err error
		if mode == "otlp-json" {
			b, err = protojson.Marshal(exp)
		} else {
			b, err = proto.Marshal(exp)
		}
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		bodies = append(bodies, b)
	}
	ctype := "application/json"
	if mode == "otlp-protobuf" {
		ctype = "application/x-protobuf"
	}
	debug.SetGCPercent(-1)
	waitGo()
	url := os.Getenv("TTMON_HTTP_URL") + "/v1/logs"
	auth := simulate.AuthHeader("1:" + os.Getenv("TTMON_HTTP_TOKEN"))
	var delivered, failed, next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				cnt := int64(min(250, len(recs)-i*250))
				if postOTLP(url, auth, ctype, bodies[i]) {
					delivered.Add(cnt)
				} else {
					failed.Add(cnt)
				}
			}
		}()
	}
	wg.Wait()
	reportDone(delivered.Load(), failed.Load())
}

func postOTLP(url, auth, ctype string, body []byte) bool {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// sdkChild emits recs through clients OpenTelemetry SDK logger providers,
// each with its own exporter and batch processor, and counts a record
// delivered once its provider has shut down (flushed) without an error.
func sdkChild(recs []*collogspb.ExportLogsServiceRequest, clients int) {
	debug.SetGCPercent(-1)
	waitGo()
	url := os.Getenv("TTMON_HTTP_URL") + "/v1/logs"
	auth := simulate.AuthHeader("1:" + os.Getenv("TTMON_HTTP_TOKEN"))
	var delivered, failed atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(url),
				otlploghttp.WithHeaders(map[string]string{"Authorization": auth}))
			if err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
			var mine []*collogspb.ExportLogsServiceRequest
			for i := c * 1000; i < len(recs); i += clients * 1000 {
				mine = append(mine, recs[i:min(i+1000, len(recs))]...)
			}
			lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exp,
				sdklog.WithMaxQueueSize(len(mine)+1))))
			l := lp.Logger("timetracker.telemetry")
			for _, r := range mine {
				l.Emit(ctx, sdkRecord(r))
			}
			if err := lp.Shutdown(ctx); err != nil {
				failed.Add(int64(len(mine)))
				return
			}
			delivered.Add(int64(len(mine)))
		}()
	}
	wg.Wait()
	reportDone(delivered.Load(), failed.Load())
}

// sdkRecord is the SDK's form of the one record in r. The SDK has one
// resource per provider, so the record's resource attributes (the app
// version, the environment) travel as record attributes.
func sdkRecord(r *collogspb.ExportLogsServiceRequest) otellog.Record {
	rl := r.ResourceLogs[0]
	lr := rl.ScopeLogs[0].LogRecords[0]
	var out otellog.Record
	out.SetTimestamp(time.Unix(0, int64(lr.TimeUnixNano)))
	out.SetBody(attribute.StringValue(lr.Body.GetStringValue()))
	for _, kv := range append(rl.Resource.GetAttributes(), lr.Attributes...) {
		out.AddAttributes(attribute.KeyValue{Key: attribute.Key(kv.Key), Value: sdkValue(kv.Value)})
	}
	return out
}

func sdkValue(v *commonpb.AnyValue) attribute.Value {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_BoolValue:
		return attribute.BoolValue(x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return attribute.Int64Value(x.IntValue)
	case *commonpb.AnyValue_DoubleValue:
		return attribute.Float64Value(x.DoubleValue)
	case *commonpb.AnyValue_StringValue:
		return attribute.StringValue(x.StringValue)
	}
	return attribute.StringValue(strconv.Quote(v.String()))
}
