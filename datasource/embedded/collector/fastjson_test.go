package collector

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// stdParse is parseBody's encoding/json path alone.
func stdParse(text []byte, maxDepth int) (*request, error) {
	text = bytes.TrimSpace(text)
	if len(text) == 0 {
		return nil, badPayload("empty_payload", "request missing data payload")
	}
	if err := checkDepth(text, maxDepth); err != nil {
		return nil, err
	}
	req := &request{}
	switch text[0] {
	case '[':
		if err := json.Unmarshal(text, &req.events); err != nil {
			return nil, err
		}
	case '{':
		var body wireBody
		if err := json.Unmarshal(text, &body); err != nil {
			return nil, err
		}
		req.sentAt, req.hasSentAt = parseTimeValue(body.SentAt)
		if body.Batch != nil {
			req.events = body.Batch
			req.token = firstString(body.APIKey, body.Token)
		} else {
			req.events = []wireEvent{body.wireEvent}
			req.events[0].SentAt = nil
		}
	default:
		return nil, badPayload("invalid_json", "not an object or array")
	}
	if len(req.events) == 0 {
		return nil, badPayload("empty_batch", "request holds no event")
	}
	return req, nil
}

var fastSeeds = []string{
	`{"api_key":"phc_x","batch":[{"type":"capture","uuid":"0193b6e4-1f2a-7c3d-8e4f-5a6b7c8d9e0f","library":"posthog-go",` +
		`"timestamp":"2025-06-01T11:59:58.123456789Z","distinct_id":"3f2a9c0e7b","event":"timer.started",` +
		`"properties":{"$lib":"posthog-go","app_version":"4.2.0","project_id":42,"n":-1.5e3,"ok":true,"x":null,` +
		`"list":[1,"a",{"b":[]}],"nested":{"$set":{"a":"b"}}},"$set":{"k":"v"}}],"sent_at":"2025-06-01T12:00:00Z"}`,
	`[{"event":"e","properties":{"distinct_id":7,"token":"t"},"offset":12,"uuid":"0193B6E4-1F2A-7C3D-8E4F-5A6B7C8D9E0F"}]`,
	`{"event":"$identify","$distinct_id":{"x":1},"$set":{"a":1},"$set_once":{},"sent_at":1700000000000}`,
	`{"event":"e","distinct_id":"u","properties":null,"$set":null}`,
	`{"batch":[],"api_key":"k"}`,
	`{"batch":null,"event":"e","distinct_id":"u"}`,
	`{"Event":"e","distinct_id":"u"}`,
	`{"event":"e","event":"f","distinct_id":"u"}`,
	`{"event":"e","distinct_id":"u","properties":{"a":1,"a":2}}`,
	`{"event":"\u00e9\ud83d\ude00\n\"\\\/","distinct_id":"caf\u00e9 ü","properties":{"\ud800":1}}`,
	`{"event":"e","distinct_id":"u","properties":{"n":01}}`,
	`{"event":"e","distinct_id":"u","properties":{"n":1e400,"m":1e-400,"z":-0}}`,
	`{"event":"e","distinct_id":"u","batch":[{"event":"x","distinct_id":"y","batch":1}]}`,
	`[{"event":"e"},null]`,
	`[{"event":"e"}] x`,
	"{\"event\":\"a\xffb\",\"distinct_id\":\"u\"}",
	"{\"event\":\"a\x01\",\"distinct_id\":\"u\"}",
	`{"event":"e","distinct_id":"u","properties":[1]}`,
	`[[[[[[[[]]]]]]]]`,
	`{"event":"e","distinct_id":"u","properties":{"a":{"b":{"c":{"d":{"e":{}}}}}}}`,
}

// FuzzFastParse holds fastParse to encoding/json: whatever the fast path
// accepts must decode to exactly what encoding/json makes of it.
func FuzzFastParse(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := fastParse(bytes.TrimSpace(data), 6)
		if !ok {
			return
		}
		std, err := stdParse(data, 6)
		if err != nil {
			t.Fatalf("fast path accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("fast path differs for %q\nfast %#v\nstd  %#v", data, fast, std)
		}
	})
}

// TestFastParseTakesCommonBodies makes sure the fast path is not simply
// refusing everything: client bodies must go through it.
func TestFastParseTakesCommonBodies(t *testing.T) {
	for i, s := range fastSeeds[:4] {
		if _, ok := fastParse([]byte(s), 64); !ok {
			t.Errorf("seed %d refused: %s", i, s)
		}
	}
	big := `{"api_key":"k","batch":[` + strings.TrimSuffix(strings.Repeat(`{"event":"e","distinct_id":"u","properties":{"a":"b"}},`, 300), ",") + `]}`
	if req, ok := fastParse([]byte(big), 64); !ok || len(req.events) != 300 {
		t.Fatal("a 300-event batch was refused")
	}
}
