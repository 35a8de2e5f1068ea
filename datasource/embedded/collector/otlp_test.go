package collector

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ttmon/ttmon/datasource/simulate"
)

const installA = "6f1c2a34-9b7e-4d21-8c55-0e2f3a4b5c6d"

// heartbeat5 is a base_telemetry.heartbeat as TimeTracker 5.x posts it.
func heartbeat5(at time.Time, deploy string) simulate.Record {
	return simulate.Record{
		Name: "base_telemetry.heartbeat", Identity: installA, ServiceVersion: "5.10.0", Time: at,
		Props: []simulate.Prop{
			{Key: "install_id", Value: installA}, {Key: "telemetry_fingerprint", Value: "ab12"},
			{Key: "app_version", Value: "5.10.0"}, {Key: "platform", Value: "Linux"},
			{Key: "deployment_type", Value: deploy},
		},
	}
}

// timer5 is a product event from user 1 of installA.
func timer5(at time.Time) simulate.Record {
	return simulate.Record{
		Name: "timer.started", Identity: "1", Detailed: true, ServiceVersion: "5.10.0", Time: at,
		Props: []simulate.Prop{
			{Key: "project_id", Value: 7}, {Key: "install_id", Value: installA},
			{Key: "deployment_method", Value: "docker"}, {Key: "took", Value: 1.5},
		},
	}
}

func basicAuth(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

// postOTLP posts an OTLP body with the test token as Bearer unless header
// says otherwise.
func postOTLP(h http.Handler, path, ct string, body []byte, header ...string) *httptest.ResponseRecorder {
	hs := append([]string{"Authorization", "Bearer " + testToken}, header...)
	return do(h, http.MethodPost, path, ct, body, hs...)
}

// logsResponse decodes a 200's ExportLogsServiceResponse.
func logsResponse(t *testing.T, w *httptest.ResponseRecorder) *collogs.ExportLogsServiceResponse {
	t.Helper()
	wantStatus(t, w, http.StatusOK)
	resp := &collogs.ExportLogsServiceResponse{}
	var err error
	switch ct := w.Header().Get("Content-Type"); ct {
	case "application/json":
		err = protojson.Unmarshal(w.Body.Bytes(), resp)
	case "application/x-protobuf":
		err = proto.Unmarshal(w.Body.Bytes(), resp)
	default:
		t.Fatalf("Content-Type %q", ct)
	}
	if err != nil {
		t.Fatalf("response %q: %v", w.Body.String(), err)
	}
	return resp
}

// wantStatusBody checks a refusal's status and google.rpc.Status body.
func wantStatusBody(t *testing.T, w *httptest.ResponseRecorder, code int) *status.Status {
	t.Helper()
	wantStatus(t, w, code)
	st := &status.Status{}
	var err error
	if w.Header().Get("Content-Type") == "application/x-protobuf" {
		err = proto.Unmarshal(w.Body.Bytes(), st)
	} else {
		err = protojson.Unmarshal(w.Body.Bytes(), st)
	}
	if err != nil || st.GetMessage() == "" {
		t.Fatalf("status body %q: %v", w.Body.String(), err)
	}
	return st
}

func TestOTLPTimeTrackerJSONMapping(t *testing.T) {
	c, rec := newTestCollector(t)
	at := fixedNow.Add(-time.Hour).Add(123456789)
	for _, path := range []string{"/v1/logs", "/otlp/v1/logs/"} {
		for _, r := range []simulate.Record{heartbeat5(at, "docker"), timer5(at)} {
			resp := logsResponse(t, postOTLP(c, path, "application/json", r.JSON(), "Authorization", basicAuth("inst-1:"+testToken)))
			if resp.GetPartialSuccess() != nil {
				t.Fatalf("partial success %v", resp.GetPartialSuccess())
			}
		}
	}
	got := rec.got()
	if len(got) != 2 {
		t.Fatalf("stored %d events, want 2 (the second path resent the same records)", len(got))
	}
	hb, tm := got[0], got[1]
	if hb.Name != "base_telemetry.heartbeat" || hb.DistinctID != installA || !hb.Timestamp.Equal(at) {
		t.Fatalf("heartbeat %+v", hb)
	}
	set, _ := hb.Properties["$set"].(map[string]any)
	if set["deployment_type"] != "docker" || set["app_version"] != "5.10.0" || set["identity"] != nil {
		t.Fatalf("heartbeat $set %v", set)
	}
	if hb.Properties["service.name"] != "timetracker" || hb.Properties["event_name"] != nil {
		t.Fatalf("heartbeat properties %v", hb.Properties)
	}
	if tm.DistinctID != installA+":1" || tm.Properties["$set"] != nil {
		t.Fatalf("timer %+v", tm)
	}
	if tm.Properties["project_id"] != int64(7) || tm.Properties["took"] != 1.5 || tm.Properties["detailed"] != true ||
		tm.Properties["app_version"] != "5.10.0" || tm.Properties["event_category"] != "timer" {
		t.Fatalf("timer properties %v", tm.Properties)
	}
	if hb.UUID == "" || hb.UUID == tm.UUID {
		t.Fatalf("uuids %q %q", hb.UUID, tm.UUID)
	}
	if s := c.Stats(); s.EventsStored != 2 || s.EventsDuplicate != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// logsProto builds a protobuf export of one record per name; an empty
// name leaves event_name out.
func logsProto(t *testing.T, names ...string) []byte {
	t.Helper()
	b, err := logsProtoBytes(names...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// logsProtoSeed is a two-record export, one nameless, for the fuzz target.
func logsProtoSeed() []byte {
	b, _ := logsProtoBytes("auth.login", "")
	return b
}

func logsProtoBytes(names ...string) ([]byte, error) {
	sl := &logspb.ScopeLogs{Scope: &commonpb.InstrumentationScope{Name: "test"}}
	for i, n := range names {
		attrs := []*commonpb.KeyValue{strAttr("identity", "u"+string(rune('a'+i)))}
		if n != "" {
			attrs = append(attrs, strAttr("event_name", n))
		}
		sl.LogRecords = append(sl.LogRecords, &logspb.LogRecord{ObservedTimeUnixNano: uint64(fixedNow.Add(-time.Minute).UnixNano()), Attributes: attrs})
	}
	return proto.Marshal(&collogs.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource:  &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strAttr("service.version", "5.9.0")}},
		ScopeLogs: []*logspb.ScopeLogs{sl},
	}}})
}

func strAttr(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func TestOTLPProtobufPartialSuccess(t *testing.T) {
	c, rec := newTestCollector(t)
	w := postOTLP(c, "/v1/logs", "application/x-protobuf", logsProto(t, "auth.login", "", "timer.started"))
	resp := logsResponse(t, w)
	ps := resp.GetPartialSuccess()
	if ps.GetRejectedLogRecords() != 1 || !strings.Contains(ps.GetErrorMessage(), "logRecords[1]: no event name") {
		t.Fatalf("partial success %v", ps)
	}
	got := rec.got()
	if len(got) != 2 || got[0].Name != "auth.login" || got[0].DistinctID != "ua" ||
		got[0].Properties["app_version"] != "5.9.0" || !got[0].Timestamp.Equal(fixedNow.Add(-time.Minute)) {
		t.Fatalf("stored %+v", got)
	}
	if s := c.Stats(); s.EventsReceived != 3 || s.EventsDropped != 1 {
		t.Fatalf("stats %+v", s)
	}
	// The same export as JSON: the same answer, in JSON, and no new events.
	req := &collogs.ExportLogsServiceRequest{}
	if err := proto.Unmarshal(logsProto(t, "auth.login", "", "timer.started"), req); err != nil {
		t.Fatal(err)
	}
	body, err := protojson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	ps = logsResponse(t, postOTLP(c, "/v1/logs", "application/json", body)).GetPartialSuccess()
	if ps.GetRejectedLogRecords() != 1 || !strings.Contains(ps.GetErrorMessage(), "logRecords[1]: no event name") {
		t.Fatalf("JSON partial success %v", ps)
	}
	if n := len(rec.got()); n != 2 {
		t.Fatalf("stored %d after the JSON resend, want 2", n)
	}
}

func TestOTLPTokens(t *testing.T) {
	c, rec := newTestCollector(t, WithTokens("instance-7:s3cret"))
	body := timer5(fixedNow).JSON()
	ok := []string{
		"Bearer " + testToken,
		basicAuth("12345:" + testToken),                // the secret half
		basicAuth(testToken + ":x"),                    // the id half
		basicAuth("instance-7:s3cret"),                 // the whole id:secret
		"Basic " + testToken,                           // TimeTracker's token without a colon
		"basic " + basicAuth("12345:" + testToken)[6:], // any case
	}
	for _, h := range ok {
		logsResponse(t, postOTLP(c, "/v1/logs", "application/json", body, "Authorization", h))
	}
	wantStatusBody(t, do(c, http.MethodPost, "/v1/logs", "application/json", body), http.StatusUnauthorized)
	for _, h := range []string{"Bearer nope", basicAuth("instance-7:wrong"), basicAuth("a:b"), "Basic !!!"} {
		wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json", body, "Authorization", h), http.StatusForbidden)
	}
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json", body, "Authorization", "Token "+testToken), http.StatusUnauthorized)
	if n := len(rec.got()); n != 1 {
		t.Fatalf("stored %d, want 1 (the same record each time)", n)
	}
}

func TestOTLPRefusals(t *testing.T) {
	c, rec := newTestCollector(t)
	body := timer5(fixedNow).JSON()
	wantStatusBody(t, postOTLP(c, "/v1/logs", "text/plain", body), http.StatusUnsupportedMediaType)
	wantStatusBody(t, postOTLP(c, "/v1/logs", "", body), http.StatusUnsupportedMediaType)
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json", body, "Content-Encoding", "br"), http.StatusUnsupportedMediaType)
	w := do(c, http.MethodGet, "/v1/logs", "application/json", nil)
	wantStatusBody(t, w, http.StatusMethodNotAllowed)
	if w.Header().Get("Allow") != "POST" {
		t.Fatalf("Allow %q", w.Header().Get("Allow"))
	}
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json", []byte(`{"resourceLogs":[`)), http.StatusBadRequest)
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json", nil), http.StatusBadRequest)
	st := wantStatusBody(t, postOTLP(c, "/v1/logs", "application/x-protobuf", []byte{0x0a, 0xff, 0xff}), http.StatusBadRequest)
	if st.GetCode() != 3 {
		t.Fatalf("rpc code %d", st.GetCode())
	}
	// An empty protobuf export is valid: nothing to store.
	logsResponse(t, postOTLP(c, "/v1/logs", "application/x-protobuf", nil))
	// gzip, announced or by its magic bytes.
	logsResponse(t, postOTLP(c, "/v1/logs", "application/json", gzipBytes(t, body), "Content-Encoding", "gzip"))
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json", []byte("not gzip"), "Content-Encoding", "gzip"), http.StatusBadRequest)
	if n := len(rec.got()); n != 1 {
		t.Fatalf("stored %d", n)
	}
}

func TestOTLPHostileBodies(t *testing.T) {
	c, rec := newTestCollector(t, WithLimits(Limits{BatchBytes: 4 << 20}))
	// A gzip bomb stops at the limit.
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json", gzipBomb(t, 64), "Content-Encoding", "gzip"), http.StatusRequestEntityTooLarge)
	// Deep nesting, in either encoding.
	deep := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"k","value":` +
		strings.Repeat(`{"kvlistValue":{"values":[{"key":"k","value":`, 40) + `{"stringValue":"x"}` +
		strings.Repeat(`}]}}`, 40) + `}]}]}]}]}`
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json", []byte(deep)), http.StatusBadRequest)
	v := &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "x"}}
	for range 100 {
		v = &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{
			Values: []*commonpb.KeyValue{{Key: "k", Value: v}}}}}
	}
	deepProto, err := proto.Marshal(&collogs.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{{Attributes: []*commonpb.KeyValue{{Key: "k", Value: v}}}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/x-protobuf", deepProto), http.StatusBadRequest)
	// Invalid UTF-8 in a string, in either encoding.
	badUTF8 := append(logsProto(t, "ok"), 0x0a, 0x0e, 0x12, 0x0c, 0x0a, 0x0a, 0x12, 0x08, 0x0a, 0x06, 'r', 'e', 's', 'o', 0xff, 0xfe)
	st := wantStatusBody(t, postOTLP(c, "/v1/logs", "application/x-protobuf", badUTF8), http.StatusBadRequest)
	if !strings.Contains(st.GetMessage(), "UTF-8") {
		t.Fatalf("message %q", st.GetMessage())
	}
	wantStatusBody(t, postOTLP(c, "/v1/logs", "application/json",
		[]byte("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"\xff\"}}]}]}]}")), http.StatusBadRequest)
	// A huge attribute list rejects that record, not the export.
	many := make([]*commonpb.KeyValue, MaxOTLPAttributes+1)
	for i := range many {
		many[i] = strAttr("k"+string(rune('a'+i%26))+strings.Repeat("x", i/26), "v")
	}
	req := &collogs.ExportLogsServiceRequest{}
	if err := proto.Unmarshal(logsProto(t, "one", "two"), req); err != nil {
		t.Fatal(err)
	}
	req.ResourceLogs[0].ScopeLogs[0].LogRecords[1].Attributes = append(req.ResourceLogs[0].ScopeLogs[0].LogRecords[1].Attributes, many...)
	b, _ := proto.Marshal(req)
	ps := logsResponse(t, postOTLP(c, "/v1/logs", "application/x-protobuf", b)).GetPartialSuccess()
	if ps.GetRejectedLogRecords() != 1 || !strings.Contains(ps.GetErrorMessage(), "logRecords[1]: more than 1024 attribute values") {
		t.Fatalf("partial success %v", ps)
	}
	// So does one attribute whose value nests that many.
	nested := &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{}}}
	for range MaxOTLPAttributes {
		nested.GetArrayValue().Values = append(nested.GetArrayValue().Values, many[0].Value)
	}
	req.ResourceLogs[0].ScopeLogs[0].LogRecords[1].Attributes = []*commonpb.KeyValue{strAttr("event_name", "x"), strAttr("identity", "u"), {Key: "big", Value: nested}}
	b, _ = proto.Marshal(req)
	ps = logsResponse(t, postOTLP(c, "/v1/logs", "application/x-protobuf", b)).GetPartialSuccess()
	if ps.GetRejectedLogRecords() != 1 || !strings.Contains(ps.GetErrorMessage(), "attribute values") {
		t.Fatalf("nested: partial success %v", ps)
	}
	if n := len(rec.got()); n != 1 {
		t.Fatalf("stored %d, want 1", n)
	}
}

func TestOTLPOverloadAndStoreFailure(t *testing.T) {
	c, rec := newTestCollector(t, WithLimits(Limits{MaxInFlight: 1, QueueWait: time.Millisecond}))
	rec.block = make(chan struct{})
	first := make(chan int)
	go func() {
		w := postOTLP(c, "/v1/logs", "application/json", timer5(fixedNow).JSON())
		first <- w.Code
	}()
	// The first request holds the only slot until block closes.
	for deadline := time.Now().Add(5 * time.Second); len(c.slots) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("first request never took its slot")
		}
		time.Sleep(time.Millisecond)
	}
	w := postOTLP(c, "/v1/logs", "application/json", heartbeat5(fixedNow, "docker").JSON())
	wantStatusBody(t, w, http.StatusServiceUnavailable)
	if w.Header().Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	close(rec.block)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first request %d", code)
	}
	rec.mu.Lock()
	rec.block, rec.err = nil, errors.New("disk full")
	rec.mu.Unlock()
	w = postOTLP(c, "/v1/logs", "application/x-protobuf", logsProto(t, "x"))
	wantStatusBody(t, w, http.StatusServiceUnavailable)
	if w.Header().Get("Retry-After") == "" || w.Header().Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("headers %v", w.Header())
	}
}

func TestOTLPTracesAndMetricsAccepted(t *testing.T) {
	c, rec := newTestCollector(t)
	for _, path := range []string{"/v1/traces", "/v1/metrics", "/otlp/v1/traces", "/otlp/v1/metrics"} {
		w := postOTLP(c, path, "application/x-protobuf", nil)
		wantStatus(t, w, http.StatusOK)
		w = postOTLP(c, path, "application/json", []byte(`{}`))
		wantStatus(t, w, http.StatusOK)
		wantStatusBody(t, postOTLP(c, path, "application/json", []byte(`{`)), http.StatusBadRequest)
		wantStatusBody(t, do(c, http.MethodPost, path, "application/json", []byte(`{}`)), http.StatusUnauthorized)
	}
	span := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"GET /","traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}]}`
	wantStatus(t, postOTLP(c, "/v1/traces", "application/json", []byte(span)), http.StatusOK)
	if len(rec.got()) != 0 || c.Stats().OTLPIgnored != 1 {
		t.Fatalf("stored %d, stats %+v", len(rec.got()), c.Stats())
	}
}
