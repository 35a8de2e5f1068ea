package collector

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// wireEvent is one event as SDKs send it. Fields whose type varies between
// SDKs (or that a buggy client may get wrong) are `any`, so one odd event is
// dropped instead of failing the whole batch; properties, $set and
// $set_once must be objects, as in PostHog's RawEvent.
type wireEvent struct {
	Event            any            `json:"event"`
	DistinctID       any            `json:"distinct_id"`
	DollarDistinctID any            `json:"$distinct_id"`
	Properties       map[string]any `json:"properties"`
	Timestamp        any            `json:"timestamp"`
	Offset           any            `json:"offset"`
	UUID             any            `json:"uuid"`
	SentAt           any            `json:"sent_at"`
	Token            any            `json:"token"`
	APIKey           any            `json:"api_key"`
	DollarToken      any            `json:"$token"`
	Set              map[string]any `json:"$set"`
	SetOnce          map[string]any `json:"$set_once"`
}

// wireBody is a JSON object body: a batch wrapper, or a single event.
type wireBody struct {
	wireEvent
	Batch []wireEvent `json:"batch"`
}

// request is a decoded body: its events plus what applies to all of them.
type request struct {
	events    []wireEvent
	token     string // from the batch wrapper or single event; "" if none
	sentAt    time.Time
	hasSentAt bool
}

// parseBody decodes JSON text in one of the three body shapes.
func parseBody(text []byte, maxDepth int) (*request, error) {
	text = bytes.TrimSpace(text)
	if len(text) == 0 {
		return nil, badPayload("empty_payload", "request missing data payload")
	}
	if req, ok := fastParse(text, maxDepth); ok {
		return req, nil
	}
	if err := checkDepth(text, maxDepth); err != nil {
		return nil, err
	}
	req := &request{}
	switch text[0] {
	case '[':
		if err := json.Unmarshal(text, &req.events); err != nil {
			return nil, badPayload("invalid_json", "failed to parse request: %s", jsonProblem(err))
		}
	case '{':
		var body wireBody
		if err := json.Unmarshal(text, &body); err != nil {
			return nil, badPayload("invalid_json", "failed to parse request: %s", jsonProblem(err))
		}
		req.sentAt, req.hasSentAt = parseTimeValue(body.SentAt)
		if body.Batch != nil {
			req.events = body.Batch
			req.token = firstString(body.APIKey, body.Token)
		} else {
			req.events = []wireEvent{body.wireEvent}
			// A single event's own sent_at is the request's.
			req.events[0].SentAt = nil
		}
	default:
		return nil, badPayload("invalid_json", "failed to parse request: body is not a JSON object or array")
	}
	if len(req.events) == 0 {
		return nil, badPayload("empty_batch", "request holds no event")
	}
	return req, nil
}

// jsonProblem describes a JSON error without quoting the payload.
func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return "invalid JSON at byte " + strconv.FormatInt(e.Offset, 10)
	case *json.UnmarshalTypeError:
		// A number too large for a float64 is the only type error that
		// can reach a field of type any.
		if e.Type.Kind() == reflect.Float64 {
			return "number out of range at byte " + strconv.FormatInt(e.Offset, 10)
		}
		// A batch item that is not an object fails as the field "batch"
		// (or, for an array body, no field) with the event's struct type.
		if e.Field == "" || e.Type.Kind() == reflect.Struct {
			return "an event must be an object"
		}
		want := "an object"
		if e.Type.Kind() == reflect.Slice {
			want = "an array"
		}
		return "field " + strconv.Quote(e.Field) + " must be " + want
	}
	return "invalid JSON"
}

// checkDepth rejects JSON nested deeper than max before it is decoded.
func checkDepth(text []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range text {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > max {
				return badPayload("too_deep", "JSON nested deeper than %d levels", max)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// requestToken finds the project token the way PostHog does: the batch
// wrapper's, else the events' own (which must agree), else a form field or
// the query string.
func requestToken(req *request, formToken, queryToken string) (string, error) {
	if req.token != "" {
		return req.token, nil
	}
	var token string
	for i := range req.events {
		t := req.events[i].token()
		if t == "" {
			continue
		}
		if token != "" && t != token {
			return "", badPayload("multiple_tokens", "batch submitted with inconsistent api_key values")
		}
		token = t
	}
	return firstNonEmpty(token, formToken, queryToken), nil
}

func (e *wireEvent) token() string {
	if t := firstString(e.Token, e.DollarToken, e.APIKey); t != "" {
		return t
	}
	return firstString(e.Properties["token"])
}

// firstString returns the first non-empty string, trimmed, among vs.
func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok {
			if s = strings.TrimSpace(s); s != "" {
				return s
			}
		}
	}
	return ""
}

// eventDefaults is what converting one event needs from its request.
type eventDefaults struct {
	name      string // the name for nameless events: "$identify" on /engage
	now       time.Time
	sentAt    time.Time
	hasSentAt bool
}

// toEvent settles one event for the store, or says why it is dropped.
func (e *wireEvent) toEvent(d eventDefaults) (embedded.Event, string) {
	name, _ := e.Event.(string)
	if name == "" {
		name = d.name
	}
	if name == "" {
		return embedded.Event{}, "missing_event_name"
	}
	distinctID := e.distinctID()
	if distinctID == "" {
		return embedded.Event{}, "missing_distinct_id"
	}
	id, ok := normalizeUUID(e.UUID)
	if !ok {
		return embedded.Event{}, "invalid_uuid"
	}
	props := e.Properties
	if props == nil {
		props = make(map[string]any)
	}
	mergeInto(props, "$set", e.Set)
	mergeInto(props, "$set_once", e.SetOnce)
	sentAt, hasSentAt := d.sentAt, d.hasSentAt
	if t, ok := parseTimeValue(e.SentAt); ok {
		sentAt, hasSentAt = t, true
	}
	if ignore, _ := props["$ignore_sent_at"].(bool); ignore {
		hasSentAt = false
	}
	return embedded.Event{
		UUID:       id,
		Name:       name,
		DistinctID: distinctID,
		Timestamp:  eventTime(e.Timestamp, e.Offset, sentAt, hasSentAt, d.now),
		Properties: props,
	}, ""
}

// distinctID follows PostHog's extract_distinct_id: the top-level field (or
// $distinct_id), else properties.distinct_id; numbers and containers are
// stringified; NULs become U+FFFD; blank means missing; at most 200
// characters are kept.
func (e *wireEvent) distinctID() string {
	v := e.DistinctID
	if v == nil {
		v = e.DollarDistinctID
	}
	if v == nil {
		v = e.Properties["distinct_id"]
	}
	var id string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		id = x
	case float64:
		id = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		id = string(b)
	}
	if strings.TrimSpace(id) == "" {
		return ""
	}
	id = strings.ReplaceAll(id, "\x00", "\uFFFD")
	if len(id) > 200 && utf8.RuneCountInString(id) > 200 {
		id = string([]rune(id)[:200])
	}
	return id
}

// normalizeUUID accepts a missing or empty uuid (""), or a UUID in hyphenated
// or plain hex form, returned lower-case and hyphenated so retries dedup
// however the client spelled it.
func normalizeUUID(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	hex := strings.ToLower(s)
	if len(hex) == 36 {
		if hex[8] != '-' || hex[13] != '-' || hex[18] != '-' || hex[23] != '-' {
			return "", false
		}
		hex = hex[:8] + hex[9:13] + hex[14:18] + hex[19:23] + hex[24:]
	}
	if len(hex) != 32 {
		return "", false
	}
	for i := 0; i < 32; i++ {
		if c := hex[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return hex[:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:], true
}

// mergeInto merges a top-level $set/$set_once into properties[key], the
// top-level values winning, as PostHog's ingestion (normalizeEvent) does.
func mergeInto(props map[string]any, key string, top map[string]any) {
	if top == nil {
		return
	}
	merged := make(map[string]any, len(top))
	if inner, ok := props[key].(map[string]any); ok {
		for k, v := range inner {
			merged[k] = v
		}
	}
	for k, v := range top {
		merged[k] = v
	}
	props[key] = merged
}
