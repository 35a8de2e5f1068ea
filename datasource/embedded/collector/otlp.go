package collector

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// otlpEncoding is the body encoding of an OTLP/HTTP request, from its
// Content-Type; the answer uses the same one, as the specification asks.
type otlpEncoding int

const (
	otlpUnknown otlpEncoding = iota
	otlpJSON
	otlpProto
)

// otlpEncodingOf reads the Content-Type. OTLP/HTTP knows exactly two.
func otlpEncodingOf(contentType string) otlpEncoding {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return otlpUnknown
	}
	switch mt {
	case "application/json":
		return otlpJSON
	case "application/x-protobuf", "application/protobuf":
		return otlpProto
	}
	return otlpUnknown
}

var (
	errOTLPType = &apiError{
		status: http.StatusUnsupportedMediaType,
		typ:    "validation_error",
		code:   "unsupported_media_type",
		detail: "OTLP/HTTP bodies are application/json or application/x-protobuf",
		reason: "unsupported_media_type",
	}
	errOTLPEncoding = &apiError{
		status: http.StatusUnsupportedMediaType,
		typ:    "validation_error",
		code:   "unsupported_encoding",
		detail: "Content-Encoding must be gzip or none",
		reason: "unsupported_encoding",
	}
	errOTLPMissingToken = &apiError{
		status: http.StatusUnauthorized,
		typ:    "authentication_error",
		code:   "missing_api_key",
		detail: "no token: send Authorization: Basic or Bearer with one of the collector's --token values",
		reason: "missing_api_key",
	}
	errOTLPUnknownToken = &apiError{
		status: http.StatusForbidden,
		typ:    "authentication_error",
		code:   "invalid_api_key",
		detail: "token not accepted: set OTEL_EXPORTER_OTLP_TOKEN to one of the collector's --token values",
		reason: "invalid_api_key",
	}
)

// otlp answers one OTLP/HTTP export: authenticate from the headers (before
// the body is read, so an unauthenticated client costs nothing), read the
// body within the shared read budget, take a decode slot, decode with the
// OpenTelemetry project's generated types, store, answer. It shares
// readBody, acquire, gunzip and the Limits with the PostHog routes.
func (c *Collector) otlp(w http.ResponseWriter, r *http.Request, kind routeKind) {
	enc := otlpEncodingOf(r.Header.Get("Content-Type"))
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		c.otlpReject(w, enc, methodNotAllowed(r.Method))
		return
	}
	if enc == otlpUnknown {
		c.otlpReject(w, otlpJSON, errOTLPType)
		return
	}
	gz, aerr := otlpGzip(r.Header.Get("Content-Encoding"))
	if aerr == nil {
		aerr = c.otlpAuth(r.Header.Get("Authorization"))
	}
	if aerr != nil {
		c.otlpReject(w, enc, aerr)
		return
	}
	body, held, aerr := c.readBody(w, r, c.limits.BatchBytes)
	defer c.reads.give(held)
	if aerr != nil {
		c.otlpReject(w, enc, aerr)
		return
	}
	release, ok := c.acquire(r.Context())
	if !ok {
		c.otlpReject(w, enc, errBusy)
		return
	}
	defer release()
	if gz || isGzip(body) {
		if body, aerr = otlpGunzip(body, c.limits.BatchBytes); aerr != nil {
			c.otlpReject(w, enc, aerr)
			return
		}
	}
	var resp otlpReply
	switch kind {
	case routeOTLPLogs:
		resp, aerr = c.otlpLogs(r, body, enc)
	default:
		resp, aerr = c.otlpOther(body, enc, kind)
	}
	if aerr != nil {
		c.otlpReject(w, enc, aerr)
		return
	}
	writeOTLP(w, enc, http.StatusOK, resp)
}

// otlpGzip reads Content-Encoding: gzip, or none. Anything else cannot be
// decoded, which the specification answers with 415.
func otlpGzip(ce string) (bool, *apiError) {
	switch strings.ToLower(strings.TrimSpace(ce)) {
	case "", "identity":
		return false, nil
	case "gzip":
		return true, nil
	}
	return false, errOTLPEncoding
}

func isGzip(b []byte) bool {
	return len(b) >= 3 && b[0] == gzipMagic[0] && b[1] == gzipMagic[1] && b[2] == gzipMagic[2]
}

// otlpGunzip is gunzip with the OTLP route's limit; a gzip bomb stops at
// limit+1 bytes.
func otlpGunzip(body []byte, limit int) ([]byte, *apiError) {
	text, err := gunzip(body, limit)
	if err != nil {
		return nil, asAPIError(err)
	}
	return text, nil
}

// otlpAuth accepts the collector's tokens the ways OTLP exporters send
// them: "Bearer <token>", or "Basic <base64 of id:secret>" where the
// whole id:secret or either half may be the token, or "Basic <token>"
// unencoded (TimeTracker sends a token without a colon that way).
func (c *Collector) otlpAuth(header string) *apiError {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(header), " ")
	cred = strings.TrimSpace(cred)
	if cred == "" {
		return errOTLPMissingToken
	}
	var candidates []string
	switch strings.ToLower(scheme) {
	case "bearer":
		candidates = []string{cred}
	case "basic":
		candidates = []string{cred}
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			whole := string(dec)
			candidates = append(candidates, whole)
			if id, secret, ok := strings.Cut(whole, ":"); ok {
				candidates = append(candidates, id, secret)
			}
		}
	default:
		return errOTLPMissingToken
	}
	// Every candidate is compared, so timing does not tell which matched.
	ok := false
	for _, t := range candidates {
		if t != "" && c.validToken(t) {
			ok = true
		}
	}
	if !ok {
		return errOTLPUnknownToken
	}
	return nil
}

// otlpReject counts a refusal and answers it with a google.rpc.Status in
// the request's encoding, as OTLP/HTTP clients expect.
func (c *Collector) otlpReject(w http.ResponseWriter, enc otlpEncoding, e *apiError) {
	c.countReject(e)
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	writeOTLP(w, enc, e.status, statusReply{&status.Status{Code: rpcCode(e.status), Message: e.detail}})
}

// rpcCode is the gRPC code an HTTP refusal corresponds to.
func rpcCode(httpStatus int) int32 {
	switch httpStatus {
	case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusMethodNotAllowed:
		return 3 // INVALID_ARGUMENT
	case http.StatusUnauthorized:
		return 16 // UNAUTHENTICATED
	case http.StatusForbidden:
		return 7 // PERMISSION_DENIED
	case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		return 8 // RESOURCE_EXHAUSTED
	case http.StatusRequestTimeout:
		return 4 // DEADLINE_EXCEEDED
	}
	return 14 // UNAVAILABLE
}

// otlpReply is an answer body, encodable both ways.
type otlpReply interface {
	encode(enc otlpEncoding) ([]byte, error)
}

// statusReply is a refusal: google.rpc.Status, with the generated type.
type statusReply struct{ st *status.Status }

func (r statusReply) encode(enc otlpEncoding) ([]byte, error) {
	if enc == otlpProto {
		return proto.Marshal(r.st)
	}
	return protojson.Marshal(r.st)
}

// exportReply is Export{Logs,Trace,Metrics}ServiceResponse: empty, or a
// partial_success (field 1) with rejected_* (field 1, int64) and
// error_message (field 2). The three responses share this shape; it is
// written here rather than linking the collector packages (see
// decodeLogsRequest), and the tests decode it with the generated types.
type exportReply struct {
	rejected int64
	message  string
}

func (r exportReply) encode(enc otlpEncoding) ([]byte, error) {
	if enc == otlpProto {
		if r.rejected == 0 && r.message == "" {
			return nil, nil
		}
		var inner []byte
		inner = protowire.AppendTag(inner, 1, protowire.VarintType)
		inner = protowire.AppendVarint(inner, uint64(r.rejected))
		inner = protowire.AppendTag(inner, 2, protowire.BytesType)
		inner = protowire.AppendString(inner, r.message)
		out := protowire.AppendTag(nil, 1, protowire.BytesType)
		return protowire.AppendBytes(out, inner), nil
	}
	if r.rejected == 0 && r.message == "" {
		return []byte("{}"), nil
	}
	// protojson's spelling: int64 as a decimal string, lowerCamelCase.
	return json.Marshal(map[string]any{"partialSuccess": map[string]any{
		"rejectedLogRecords": strconv.FormatInt(r.rejected, 10), "errorMessage": r.message}})
}

// writeOTLP encodes r in enc (JSON when the request's was unknown).
func writeOTLP(w http.ResponseWriter, enc otlpEncoding, code int, r otlpReply) {
	ct := "application/json"
	if enc == otlpProto {
		ct = "application/x-protobuf"
	}
	body, err := r.encode(enc)
	if err != nil { // only a bug could get here: the messages are ours
		body, ct, code = []byte(fmt.Sprintf("encoding the answer failed: %v", err)), "text/plain", http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
