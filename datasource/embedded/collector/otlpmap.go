package collector

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// MaxOTLPAttributes caps the attribute values of one log record (and of
// one resource), nested ones (in kvlist and array values) included.
// TimeTracker sends about 30 and OpenTelemetry SDKs keep 128 by default;
// a record with more is rejected on its own, named in the answer's
// partial_success.
const MaxOTLPAttributes = 1024

// otlpLogs decodes one /v1/logs export, turns its records into events,
// stores them and builds the answer. Records that cannot be events are
// left out and named in partial_success; the rest are stored before the
// answer, so a 200 means durable.
func (c *Collector) otlpLogs(r *http.Request, body []byte, enc otlpEncoding) (otlpReply, *apiError) {
	req, aerr := decodeLogsRequest(body, enc, c.limits.MaxDepth)
	if aerr != nil {
		return nil, aerr
	}
	n := 0
	for _, rl := range req.GetResourceLogs() {
		for _, sl := range rl.GetScopeLogs() {
			n += len(sl.GetLogRecords())
		}
	}
	if n > c.limits.MaxEvents {
		return nil, tooLarge("too_many_events", "request holds %d log records; the limit is %d", n, c.limits.MaxEvents)
	}
	c.received.Add(uint64(n))
	events, rej := logsToEvents(req, c.now().UTC())
	c.dropped.Add(uint64(rej.n))
	if aerr := c.store(r, events); aerr != nil {
		return nil, aerr
	}
	if rej.n > 0 {
		return exportReply{rejected: rej.n, message: rej.message()}, nil
	}
	return exportReply{}, nil
}

// otlpRejects collects the records left out of one export.
type otlpRejects struct {
	n    int64
	some []string // the first few, for the answer's error_message
}

func (r *otlpRejects) add(ri, si, li int, why string) {
	r.n++
	if len(r.some) < 5 {
		r.some = append(r.some, fmt.Sprintf("resourceLogs[%d].scopeLogs[%d].logRecords[%d]: %s", ri, si, li, why))
	}
}

func (r *otlpRejects) message() string {
	msg := fmt.Sprintf("%d log records rejected: %s", r.n, strings.Join(r.some, "; "))
	if int64(len(r.some)) < r.n {
		msg += "; ..."
	}
	return msg
}

// logsToEvents maps every log record of req to a store event (see
// logToEvent); now settles records without a time and clamps future ones.
func logsToEvents(req *logspb.LogsData, now time.Time) ([]embedded.Event, otlpRejects) {
	var (
		events []embedded.Event
		rej    otlpRejects
		det    = proto.MarshalOptions{Deterministic: true}
	)
	for ri, rl := range req.GetResourceLogs() {
		resAttrs := rl.GetResource().GetAttributes()
		res := attrMap(resAttrs)
		// The record's id hashes what identifies it: its resource, scope
		// and own bytes. Deterministic encoding makes a retried export,
		// in JSON or protobuf, hash the same.
		resBytes, _ := det.Marshal(rl.GetResource())
		for si, sl := range rl.GetScopeLogs() {
			scopeBytes, _ := det.Marshal(sl.GetScope())
			for li, lr := range sl.GetLogRecords() {
				if countValues(resAttrs, MaxOTLPAttributes) > MaxOTLPAttributes || countValues(lr.GetAttributes(), MaxOTLPAttributes) > MaxOTLPAttributes {
					rej.add(ri, si, li, fmt.Sprintf("more than %d attribute values", MaxOTLPAttributes))
					continue
				}
				recBytes, _ := det.Marshal(lr)
				ev, why := logToEvent(lr, res, recordUUID(resBytes, scopeBytes, recBytes), now)
				if why != "" {
					rej.add(ri, si, li, why)
					continue
				}
				events = append(events, ev)
			}
		}
	}
	return events, rej
}

// countValues counts attribute values, nested ones included, stopping once
// past limit so a hostile list costs no more than limit steps.
func countValues(kvs []*commonpb.KeyValue, limit int) int {
	n := 0
	for _, kv := range kvs {
		n += 1 + nestedValues(kv.GetValue(), limit-n)
		if n > limit {
			break
		}
	}
	return n
}

func nestedValues(v *commonpb.AnyValue, limit int) int {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_KvlistValue:
		return countValues(x.KvlistValue.GetValues(), limit)
	case *commonpb.AnyValue_ArrayValue:
		n := 0
		for _, e := range x.ArrayValue.GetValues() {
			n += 1 + nestedValues(e, limit-n)
			if n > limit {
				break
			}
		}
		return n
	}
	return 0
}

// recordUUID is a UUID (version 8, name-based) from a hash of the record.
func recordUUID(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		for i := range n {
			n[i] = byte(uint64(len(p)) >> (8 * i))
		}
		h.Write(n[:]) // lengths keep part boundaries apart
		h.Write(p)
	}
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	s := hex.EncodeToString(u[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// bookkeeping are the attributes TimeTracker adds to every record about the
// record itself; they are not facts about an installation, so the
// heartbeat's person properties leave them out.
var bookkeeping = map[string]bool{
	"event_name": true, "identity": true, "detailed": true,
	"event_category": true, "trace_id": true, "span_id": true,
}

// logToEvent maps one record the way TimeTracker 5.x fills it:
//
//   - name: attribute event_name, else the record's own event_name (newer
//     OpenTelemetry SDKs), else a string body;
//   - time: timeUnixNano, else observedTimeUnixNano, else now;
//   - properties: the resource's attributes, then the record's (which
//     win); resource service.version fills app_version when absent;
//   - distinct id: the installation (install_id) for its own records
//     (identity is the install_id or the telemetry_fingerprint), and
//     install_id:identity for users, whose ids are local database ids
//     that repeat on every installation; a record without install_id
//     keeps its identity (else service.instance.id);
//   - a record whose identity is its install_id (the base telemetry
//     heartbeat and first_seen) sets the installation's person
//     properties from its attributes, so cohorts such as
//     deployment_type=docker work.
func logToEvent(lr *logspb.LogRecord, res map[string]any, uuid string, now time.Time) (embedded.Event, string) {
	props := make(map[string]any, len(res)+len(lr.GetAttributes())+1)
	for k, v := range res {
		props[k] = v
	}
	own := attrMap(lr.GetAttributes())
	for k, v := range own {
		props[k] = v
	}
	name, _ := props["event_name"].(string)
	delete(props, "event_name")
	if name == "" {
		name = firstNonEmpty(lr.GetEventName(), lr.GetBody().GetStringValue())
	}
	if strings.TrimSpace(name) == "" {
		return embedded.Event{}, "no event name (attribute event_name or a string body)"
	}
	if _, ok := props["app_version"]; !ok {
		if v, ok := res["service.version"]; ok {
			props["app_version"] = v
		}
	}
	did, installation := otlpDistinctID(props)
	if did == "" {
		return embedded.Event{}, "no identity (attribute identity or install_id, or resource service.instance.id)"
	}
	if len(did) > 200 {
		return embedded.Event{}, "identity longer than 200 bytes"
	}
	if installation {
		set := make(map[string]any, len(own))
		for k, v := range own {
			if !bookkeeping[k] {
				set[k] = v
			}
		}
		props["$set"] = set
	}
	return embedded.Event{
		UUID:       uuid,
		Name:       name,
		DistinctID: did,
		Timestamp:  recordTime(lr, now),
		Properties: props,
	}, ""
}

// otlpDistinctID keys a record's sender; installation reports that the
// record is the installation's own base telemetry (identity = install_id).
func otlpDistinctID(props map[string]any) (id string, installation bool) {
	install := stringProp(props, "install_id")
	identity := stringProp(props, "identity")
	switch {
	case install == "":
		return firstNonEmpty(identity, stringProp(props, "service.instance.id")), false
	case identity == "" || identity == install:
		return install, true
	case identity == stringProp(props, "telemetry_fingerprint"):
		return install, false
	}
	return install + ":" + identity, false
}

func stringProp(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return strings.TrimSpace(s)
}

// recordTime is timeUnixNano, else observedTimeUnixNano, else now; more
// than futureCutoff ahead of now is clamped to now, as on the capture
// routes.
func recordTime(lr *logspb.LogRecord, now time.Time) time.Time {
	ns := lr.GetTimeUnixNano()
	if ns == 0 {
		ns = lr.GetObservedTimeUnixNano()
	}
	if ns == 0 || ns > math.MaxInt64 {
		return now
	}
	t := time.Unix(0, int64(ns)).UTC()
	if t.Sub(now) > futureCutoff {
		return now
	}
	return t
}

// attrMap converts attributes to properties; a repeated key keeps its
// last value, and empty keys and values are left out.
func attrMap(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		if kv.GetKey() == "" {
			continue
		}
		if v, ok := anyValue(kv.GetValue()); ok {
			m[kv.GetKey()] = v
		}
	}
	return m
}

// anyValue converts an OTLP AnyValue into the JSON-shaped values the store
// keeps: ints stay int64 (exact), bytes become base64 text.
func anyValue(v *commonpb.AnyValue) (any, bool) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue, true
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue, true
	case *commonpb.AnyValue_IntValue:
		return x.IntValue, true
	case *commonpb.AnyValue_DoubleValue:
		if math.IsNaN(x.DoubleValue) || math.IsInf(x.DoubleValue, 0) {
			return nil, false // JSON cannot hold them
		}
		return x.DoubleValue, true
	case *commonpb.AnyValue_BytesValue:
		return base64.StdEncoding.EncodeToString(x.BytesValue), true
	case *commonpb.AnyValue_ArrayValue:
		vals := x.ArrayValue.GetValues()
		out := make([]any, 0, len(vals))
		for _, e := range vals {
			if ev, ok := anyValue(e); ok {
				out = append(out, ev)
			}
		}
		return out, true
	case *commonpb.AnyValue_KvlistValue:
		return attrMap(x.KvlistValue.GetValues()), true
	}
	return nil, false
}
