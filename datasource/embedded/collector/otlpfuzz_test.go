package collector

import (
	"encoding/json"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ttmon/ttmon/datasource/simulate"
)

// checkOTLPDecode is what both OTLP fuzz targets ask of a body: a refusal
// is a 400, never a panic; what is accepted maps to events the store can
// take (named, keyed, a 36-character uuid, JSON-encodable properties); and
// when requeue is set, the same request sent again as protobuf gets the
// same uuids, so a retry in either encoding is not counted twice.
func checkOTLPDecode(t *testing.T, data []byte, enc otlpEncoding, requeue bool) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	req, aerr := decodeLogsRequest(data, enc, 16)
	if aerr != nil {
		if aerr.status != 400 {
			t.Fatalf("refused with %d", aerr.status)
		}
		return
	}
	events, rej := logsToEvents(req, now)
	for _, ev := range events {
		if ev.Name == "" || ev.DistinctID == "" || len(ev.DistinctID) > 200 || len(ev.UUID) != 36 || ev.Properties == nil {
			t.Fatalf("incomplete event %+v", ev)
		}
		if ev.Timestamp.Sub(now) > futureCutoff {
			t.Fatalf("timestamp %s", ev.Timestamp)
		}
		if _, err := json.Marshal(ev.Properties); err != nil {
			t.Fatalf("properties not JSON: %v", err)
		}
	}
	if rej.n > 0 && rej.message() == "" {
		t.Fatal("rejects without a message")
	}
	if !requeue {
		return
	}
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	again, aerr := decodeLogsRequest(b, otlpProto, 16)
	if aerr != nil {
		t.Fatalf("our own protobuf refused: %v", aerr)
	}
	events2, _ := logsToEvents(again, now)
	if len(events2) != len(events) {
		t.Fatalf("%d events from protobuf, %d from JSON", len(events2), len(events))
	}
	for i := range events {
		if events[i].UUID != events2[i].UUID {
			t.Fatalf("uuid %s from JSON, %s from protobuf", events[i].UUID, events2[i].UUID)
		}
	}
}

// FuzzOTLPJSON drives the OTLP/HTTP JSON decoder (protojson with the
// generated types) and the record mapping.
func FuzzOTLPJSON(f *testing.F) {
	at := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	f.Add(heartbeat5(at, "docker").JSON())
	f.Add(timer5(at).JSON())
	f.Add(simulate.Record{Name: "analytics.identify", Identity: "1", Props: []simulate.Prop{{Key: "$set", Value: map[string]any{"a": nil}}}}.JSON())
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"observed_time_unix_nano":1,"event_name":"e","body":{"kvlistValue":{"values":[{"key":"k","value":{"arrayValue":{"values":[{"bytesValue":"AAE="},{"doubleValue":"NaN"}]}}}]}},"attributes":[{"key":"identity","value":{"intValue":7}}]}]}]}]}`))
	f.Add([]byte(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.instance.id","value":{"stringValue":"i"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"18446744073709551615","body":{"stringValue":"x"}}]}]}]}`))
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]}]}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[[[[`))
	f.Fuzz(func(t *testing.T, data []byte) { checkOTLPDecode(t, data, otlpJSON, true) })
}

// FuzzOTLPProto drives the OTLP/HTTP protobuf decoder and the mapping.
func FuzzOTLPProto(f *testing.F) {
	at := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	for _, r := range []simulate.Record{heartbeat5(at, "native"), timer5(at)} {
		req, aerr := decodeLogsRequest(r.JSON(), otlpJSON, 64)
		if aerr != nil {
			f.Fatal(aerr)
		}
		b, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(logsProtoSeed())
	f.Add([]byte{0x0a, 0x00})
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) { checkOTLPDecode(t, data, otlpProto, false) })
}
