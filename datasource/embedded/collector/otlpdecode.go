package collector

import (
	"errors"
	"strings"

	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// decodeOTLP decodes body (already decompressed) into m with the generated
// OpenTelemetry types: protojson for JSON, proto for protobuf. Unknown JSON
// fields are ignored, as the specification requires of receivers; invalid
// UTF-8, malformed wire data and nesting past maxDepth (JSON levels, or
// messages: a log record sits four deep and each nested attribute value
// adds two or three) are 400s, and the message never quotes the body.
func decodeOTLP(body []byte, enc otlpEncoding, maxDepth int, m proto.Message) *apiError {
	if len(body) == 0 {
		// An empty protobuf message is valid: an exporter with nothing to
		// say. JSON needs at least "{}".
		if enc == otlpProto {
			return nil
		}
		return badPayload("empty_payload", "request body is empty")
	}
	var err error
	if enc == otlpJSON {
		if derr := checkDepth(body, maxDepth); derr != nil {
			return asAPIError(derr)
		}
		err = protojson.UnmarshalOptions{DiscardUnknown: true, RecursionLimit: maxDepth}.Unmarshal(body, m)
	} else {
		err = proto.UnmarshalOptions{RecursionLimit: maxDepth}.Unmarshal(body, m)
	}
	if err != nil {
		return badPayload(otlpReason(enc), "cannot decode the OTLP %s body: %s", encName(enc), otlpProblem(err))
	}
	return nil
}

func otlpReason(enc otlpEncoding) string {
	if enc == otlpProto {
		return "invalid_protobuf"
	}
	return "invalid_json"
}

func encName(enc otlpEncoding) string {
	if enc == otlpProto {
		return "protobuf"
	}
	return "JSON"
}

// otlpProblem names what is wrong without repeating payload bytes: the
// decoders' messages quote offending values.
func otlpProblem(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UTF-8"):
		return "invalid UTF-8 in a string"
	case strings.Contains(msg, "recursion") || strings.Contains(msg, "nest"):
		return "nested too deep"
	case errors.Is(err, proto.Error) && strings.Contains(msg, "cannot parse"):
		return "malformed protobuf"
	}
	return "malformed body"
}

// decodeLogsRequest is the pure part of /v1/logs, shared with the fuzz
// target: decompressed body in, request out. It decodes into LogsData,
// which the OTLP specification defines to be the same message as
// ExportLogsServiceRequest on the wire and in JSON: the collector/logs/v1
// package would link gRPC and grpc-gateway into ttmon (10 MB) for nothing.
func decodeLogsRequest(body []byte, enc otlpEncoding, maxDepth int) (*logspb.LogsData, *apiError) {
	req := &logspb.LogsData{}
	if aerr := decodeOTLP(body, enc, maxDepth, req); aerr != nil {
		return nil, aerr
	}
	return req, nil
}

// otlpOther answers /v1/traces and /v1/metrics: the body is decoded (so a
// broken exporter hears about it) and counted, and nothing is stored.
// TimeTracker's spans and metrics carry no installation id (its resource
// has service.name, service.version and deployment.environment only), so
// they cannot be told apart per installation the way every pane counts;
// see the README for what that means for the error pane.
func (c *Collector) otlpOther(body []byte, enc otlpEncoding, kind routeKind) (otlpReply, *apiError) {
	if kind == routeOTLPTraces {
		req := &tracepb.TracesData{} // = ExportTraceServiceRequest
		if aerr := decodeOTLP(body, enc, c.limits.MaxDepth, req); aerr != nil {
			return nil, aerr
		}
		n := 0
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				n += len(ss.GetSpans())
			}
		}
		c.ignored.Add(uint64(n))
		return exportReply{}, nil
	}
	req := &metricspb.MetricsData{} // = ExportMetricsServiceRequest
	if aerr := decodeOTLP(body, enc, c.limits.MaxDepth, req); aerr != nil {
		return nil, aerr
	}
	n := 0
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			n += len(sm.GetMetrics())
		}
	}
	c.ignored.Add(uint64(n))
	return exportReply{}, nil
}
