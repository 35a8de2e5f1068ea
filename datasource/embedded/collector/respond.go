package collector

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is a refusal: the HTTP status and PostHog-shaped body a client
// gets, plus the finer reason Stats counts it under.
type apiError struct {
	status     int
	typ        string // PostHog's "type": validation_error, authentication_error, ...
	code       string // PostHog's "code": invalid_payload, invalid_api_key, ...
	detail     string // human-readable; never holds a token or payload bytes
	reason     string // Stats key; finer than code
	retryAfter int    // seconds; sent as Retry-After when > 0
}

func (e *apiError) Error() string { return e.reason + ": " + e.detail }

// badPayload is a 400 for a body that cannot be decoded. PostHog's Django
// capture used code "invalid_payload" for all of them; the detail and the
// Stats reason say which problem it was.
func badPayload(reason, format string, args ...any) *apiError {
	return &apiError{
		status: http.StatusBadRequest,
		typ:    "validation_error",
		code:   "invalid_payload",
		detail: fmt.Sprintf(format, args...),
		reason: reason,
	}
}

// tooLarge is a 413: the body, its decompressed form or its event count is
// over the route's limit.
func tooLarge(reason, format string, args ...any) *apiError {
	return &apiError{
		status: http.StatusRequestEntityTooLarge,
		typ:    "validation_error",
		code:   "payload_too_large",
		detail: fmt.Sprintf(format, args...),
		reason: reason,
	}
}

var (
	errMissingToken = &apiError{
		status: http.StatusUnauthorized,
		typ:    "authentication_error",
		code:   "missing_api_key",
		detail: "API key not provided. You can find your project API key in PostHog project settings.",
		reason: "missing_api_key",
	}
	errUnknownToken = &apiError{
		status: http.StatusUnauthorized,
		typ:    "authentication_error",
		code:   "invalid_api_key",
		detail: "Project API key invalid. You can find your project API key in PostHog project settings.",
		reason: "invalid_api_key",
	}
	errNotFound = &apiError{
		status: http.StatusNotFound,
		typ:    "invalid_request",
		code:   "not_found",
		detail: "Endpoint not found.",
		reason: "not_found",
	}
	errBodyTimeout = &apiError{
		status: http.StatusRequestTimeout,
		typ:    "validation_error",
		code:   "body_read_timeout",
		detail: "client stopped sending data",
		reason: "body_read_timeout",
	}
	// errBusy tells a client to come back shortly: the bodies being received
	// fill the read budget, or every decode slot is taken. posthog-go
	// honours Retry-After on 503.
	errBusy = &apiError{
		status:     http.StatusServiceUnavailable,
		typ:        "server_error",
		code:       "server_busy",
		detail:     "Too many requests in flight. Please try again.",
		reason:     "busy",
		retryAfter: 1,
	}
	// errClientGone is counted when the client disconnects before the
	// store commits; it never reads the answer.
	errClientGone = &apiError{
		status:     http.StatusServiceUnavailable,
		typ:        "server_error",
		code:       "server_error",
		detail:     "Request cancelled before the events were stored.",
		reason:     "client_gone",
		retryAfter: 1,
	}
	// errStore is PostHog's answer when Kafka does not acknowledge: nothing
	// may be taken as stored, so the client must retry (uuids dedup).
	errStore = &apiError{
		status:     http.StatusServiceUnavailable,
		typ:        "server_error",
		code:       "server_error",
		detail:     "Unable to store event. Please try again. If you are the owner of this app you can check the logs for further details.",
		reason:     "store_failed",
		retryAfter: 1,
	}
)

func methodNotAllowed(method string) *apiError {
	return &apiError{
		status: http.StatusMethodNotAllowed,
		typ:    "invalid_request",
		code:   "method_not_allowed",
		detail: fmt.Sprintf("Method %q not allowed.", method),
		reason: "method_not_allowed",
	}
}

type errorBody struct {
	Type   string  `json:"type"`
	Code   string  `json:"code"`
	Detail string  `json:"detail"`
	Attr   *string `json:"attr"`
}

// okBody is the capture service's success answer (CaptureResponse with
// status Ok); clients only look at the status code.
var okBody = []byte(`{"status":"Ok"}` + "\n")

// flagsBody answers /flags/ and /decide/: no flags and no errors, in both the
// v4 ("flags") and v3 ("featureFlags") shapes so every SDK generation parses
// it. The remote-config fields posthog-js reads carry PostHog's defaults for
// a new project, with the paid features (recordings, surveys) off.
var flagsBody = []byte(`{"flags":{},"featureFlags":{},"featureFlagPayloads":{},` +
	`"errorsWhileComputingFlags":false,"quotaLimited":[],` +
	`"config":{"enable_collect_everything":true},"sessionRecording":false,` +
	`"supportedCompression":["gzip","gzip-js"],"toolbarParams":{},` +
	`"isAuthenticated":false,"siteApps":[],"heatmaps":false,"surveys":false,` +
	`"capturePerformance":false,"autocapture_opt_out":false}` + "\n")

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client may be gone; nothing useful to do
}

func writeError(w http.ResponseWriter, e *apiError) {
	body, _ := json.Marshal(errorBody{Type: e.typ, Code: e.code, Detail: e.detail})
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	if e.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
	}
	writeJSON(w, e.status, append(body, '\n'))
}

// setCORS lets browser posthog-js post from any page, as PostHog's very
// permissive CorsLayer does (mirror the origin, allow credentials).
func setCORS(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "600")
	}
}
