package collector

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestBodyShapes(t *testing.T) {
	ev1 := `{"event":"a","distinct_id":"u1","properties":{"k":1}}`
	ev2 := `{"event":"b","$distinct_id":"u2"}`
	cases := map[string]string{
		"batch api_key": `{"api_key":"` + testToken + `","batch":[` + ev1 + `,` + ev2 + `]}`,
		"batch token":   `{"token":"` + testToken + `","sent_at":"2025-06-01T12:00:00Z","batch":[` + ev1 + `,` + ev2 + `]}`,
		"array":         `[` + strings.Replace(ev1, `"k":1`, `"k":1,"token":"`+testToken+`"`, 1) + `,` + ev2 + `]`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			c, rec := newTestCollector(t)
			wantOK(t, postJSON(c, "/batch/", body))
			evs := rec.got()
			if len(evs) != 2 || evs[0].Name != "a" || evs[0].DistinctID != "u1" ||
				evs[1].Name != "b" || evs[1].DistinctID != "u2" {
				t.Fatalf("stored %+v", evs)
			}
			if evs[0].Properties["k"] != float64(1) {
				t.Fatalf("properties %v", evs[0].Properties)
			}
			if evs[1].Properties == nil {
				t.Fatal("nil properties handed to the store")
			}
		})
	}
	t.Run("single", func(t *testing.T) {
		c, rec := newTestCollector(t)
		wantOK(t, postJSON(c, "/capture/", `{"api_key":"`+testToken+`","event":"solo","properties":{"distinct_id":"u3"}}`))
		if evs := rec.got(); len(evs) != 1 || evs[0].Name != "solo" || evs[0].DistinctID != "u3" {
			t.Fatalf("stored %+v", evs)
		}
	})
}

// TestTimeTrackerPythonShape posts what posthog-python sends for
// TimeTracker's identify: a /batch/ with api_key, sentAt and a nested
// $set inside properties.$set. The collector keeps the nesting as PostHog
// would; flattening it is the store's job (ARCHITECTURE.md, TimeTracker's data).
func TestTimeTrackerPythonShape(t *testing.T) {
	c, rec := newTestCollector(t)
	body := `{"batch": [{"event": "$identify", "distinct_id": "3f2a9c0e7b",
	  "properties": {"$set": {"$set": {"current_version": "4.2.0", "deployment_method": "docker"},
	                          "$set_once": {"first_seen_version": "4.0.1"}},
	                 "$lib": "posthog-python", "$lib_version": "3.7.0", "$geoip_disable": true},
	  "timestamp": "2025-06-01T11:59:58.123456+00:00", "context": {}, "type": "capture",
	  "uuid": "5C1D3A0E-8B7F-4E2A-9D1C-0A2B3C4D5E6F", "library": "posthog-python", "library_version": "3.7.0"},
	 {"event": "telemetry.health", "distinct_id": "3f2a9c0e7b",
	  "properties": {"app_version": "4.2.0", "platform": "Linux", "$groups": {"version": "4.2.0"}},
	  "timestamp": "2025-06-01T11:59:59+00:00", "uuid": ""}],
	 "historical_migration": false, "sentAt": "2025-06-01T12:00:05+00:00", "api_key": "` + testToken + `"}`
	wantOK(t, do(c, http.MethodPost, "/batch/", "application/json", gzipBytes(t, []byte(body)), "Content-Encoding", "gzip"))
	evs := rec.got()
	if len(evs) != 2 {
		t.Fatalf("stored %d events", len(evs))
	}
	id := evs[0]
	if id.Name != "$identify" || id.DistinctID != "3f2a9c0e7b" || id.UUID != "5c1d3a0e-8b7f-4e2a-9d1c-0a2b3c4d5e6f" {
		t.Fatalf("identify %+v", id)
	}
	nested := id.Properties["$set"].(map[string]any)["$set"].(map[string]any)
	if nested["deployment_method"] != "docker" {
		t.Fatalf("$set %v", id.Properties["$set"])
	}
	// posthog-python's sentAt is not PostHog's sent_at: no skew correction.
	if want := "2025-06-01T11:59:58.123456Z"; id.Timestamp.Format("2006-01-02T15:04:05.999999Z07:00") != want {
		t.Fatalf("timestamp %v, want %s", id.Timestamp, want)
	}
	if evs[1].UUID != "" || evs[1].Properties["platform"] != "Linux" {
		t.Fatalf("heartbeat %+v", evs[1])
	}
}

// TestCompression sends the same two-event array every way SDKs pack it.
func TestCompression(t *testing.T) {
	plain := `[` + eventJSON("a", "u1") + `,` + eventJSON("b", "u2") + `]`
	gz := gzipBytes(t, []byte(plain))
	b64 := base64.StdEncoding.EncodeToString([]byte(plain))
	lz := lzVectorFor(t, `"token":"phc_test"`) // lz-string compressed by the real package
	form := func(v url.Values) []byte { return []byte(v.Encode()) }
	const formCT = "application/x-www-form-urlencoded"
	cases := []struct {
		name, target, contentType string
		body                      []byte
		header                    []string
	}{
		{"plain", "/e/", "application/json", []byte(plain), nil},
		{"gzip header", "/e/", "application/json", gz, []string{"Content-Encoding", "gzip"}},
		{"gzip query", "/e/?compression=gzip", "text/plain", gz, nil},
		{"gzip-js query", "/e/?compression=gzip-js&ver=1.200.0&_=1748779200000", "text/plain", gz, nil},
		{"gzip magic only", "/batch/", "application/json", gz, nil},
		{"lz64 form", "/e/", formCT, form(url.Values{"data": {lz}, "compression": {"lz64"}}), nil},
		{"lz64 form raw plus", "/e/", formCT, []byte("data=" + lz + "&compression=lz64"), nil},
		{"lz64 query", "/e/?compression=lz64", "text/plain", []byte(lz), nil},
		{"base64 form", "/e/", formCT, form(url.Values{"data": {b64}}), nil},
		{"base64 form unescaped plus", "/e/", formCT, []byte("data=" + b64), nil},
		{"base64 body", "/e/", "text/plain", []byte(b64), nil},
		{"base64 hint", "/e/?compression=base64", "text/plain", []byte(b64), nil},
		{"base64 of gzip", "/e/", "text/plain", []byte(base64.StdEncoding.EncodeToString(gz)), nil},
		{"form of gzip-js", "/e/", formCT, form(url.Values{"data": {string(gz)}, "compression": {"gzip-js"}}), nil},
		{"json form", "/e/", formCT, form(url.Values{"data": {plain}}), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newTestCollector(t, WithTokens("phc_test"))
			wantOK(t, do(c, http.MethodPost, tc.target, tc.contentType, tc.body, tc.header...))
			evs := rec.got()
			if len(evs) != 2 {
				t.Fatalf("stored %d events", len(evs))
			}
		})
	}
	t.Run("urlsafe base64 GET", func(t *testing.T) {
		c, rec := newTestCollector(t)
		data := base64.RawURLEncoding.EncodeToString([]byte(plain))
		wantOK(t, do(c, http.MethodGet, "/e/?data="+data, "", nil))
		if len(rec.got()) != 2 {
			t.Fatal("not stored")
		}
	})
}

// lzVectorFor returns the compressed form of the generated vector whose
// plain text contains substr.
func lzVectorFor(t *testing.T, substr string) string {
	for _, v := range loadLZVectors(t) {
		if strings.HasPrefix(v.Plain, "[") && strings.Contains(v.Plain, substr) && len(v.Plain) < 1000 {
			return v.Compressed
		}
	}
	t.Fatal("no lz64 vector holds " + substr)
	return ""
}

func TestMalformedBodies(t *testing.T) {
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	cases := []struct {
		name, target, contentType string
		body                      []byte
		header                    []string
		reason                    string
	}{
		{"invalid json", "/e/", "application/json", []byte(`{"event":`), nil, "invalid_json"},
		{"not json", "/e/", "application/json", []byte(`hello`), nil, "invalid_json"},
		{"properties not object", "/e/", "application/json", []byte(`{"event":"e","distinct_id":"u","properties":[1]}`), nil, "invalid_json"},
		{"null event in batch", "/batch/", "application/json", []byte(`{"api_key":"x","batch":[null,1]}`), nil, "invalid_json"},
		{"empty body", "/e/", "application/json", nil, nil, "empty_payload"},
		{"empty batch", "/batch/", "application/json", []byte(`{"api_key":"` + testToken + `","batch":[]}`), nil, "empty_batch"},
		{"empty array", "/e/", "application/json", []byte(`[]`), nil, "empty_batch"},
		{"bad gzip", "/e/", "application/json", []byte{0x1f, 0x8b, 8, 0, 1, 2, 3}, nil, "invalid_gzip"},
		{"gzip hint on plain", "/e/?compression=gzip", "text/plain", []byte(eventJSON("e", "u")), nil, "invalid_gzip"},
		{"bad base64", "/e/?compression=base64", "text/plain", []byte("@@@@"), nil, "invalid_base64"},
		{"bad lz64", "/e/?compression=lz64", "text/plain", []byte("////////////////"), nil, "invalid_lz64"},
		{"form without data", "/e/", "application/x-www-form-urlencoded", []byte("compression=lz64&ver=1"), nil, "invalid_form"},
		{"bad form escape", "/e/", "application/x-www-form-urlencoded", []byte("data=%zz"), nil, "invalid_form"},
		{"too deep", "/e/", "application/json", []byte(deep), nil, "too_deep"},
	}
	c, rec := newTestCollector(t)
	for _, tc := range cases {
		w := do(c, http.MethodPost, tc.target, tc.contentType, tc.body, tc.header...)
		wantError(t, w, http.StatusBadRequest, "validation_error", "invalid_payload")
		if got := c.Stats().Rejects[tc.reason]; got == 0 {
			t.Errorf("%s: not counted under %q: %v", tc.name, tc.reason, c.Stats().Rejects)
		}
	}
	if len(rec.got()) != 0 {
		t.Fatal("a malformed request stored events")
	}
	// The collector keeps serving.
	wantOK(t, postJSON(c, "/e/", eventJSON("after", "u")))
}

func TestBadEventsAreDroppedNotFatal(t *testing.T) {
	c, rec := newTestCollector(t)
	body := `{"api_key":"` + testToken + `","batch":[
	  {"distinct_id":"u"},
	  {"event":"","distinct_id":"u"},
	  {"event":42,"distinct_id":"u"},
	  {"event":"no-id"},
	  {"event":"blank-id","distinct_id":"   "},
	  {"event":"null-id","distinct_id":null},
	  {"event":"bad-uuid","distinct_id":"u","uuid":"not-a-uuid"},
	  {"event":"num-uuid","distinct_id":"u","uuid":7},
	  {"event":"ok","distinct_id":"u","uuid":"00112233445566778899AABBCCDDEEFF"}]}`
	wantOK(t, postJSON(c, "/batch/", body))
	evs := rec.got()
	if len(evs) != 1 || evs[0].Name != "ok" || evs[0].UUID != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Fatalf("stored %+v", evs)
	}
	s := c.Stats()
	if s.EventsReceived != 9 || s.EventsDropped != 8 || s.EventsStored != 1 {
		t.Fatalf("stats %+v", s)
	}
	// A request whose events are all bad is still a success, and the
	// store is not bothered with it.
	calls := rec.calls
	wantOK(t, postJSON(c, "/batch/", `{"api_key":"`+testToken+`","batch":[{"event":"x"}]}`))
	if rec.calls != calls {
		t.Fatal("Ingest called with no events")
	}
}

func TestDistinctIDForms(t *testing.T) {
	long := strings.Repeat("é", 250)
	cases := map[string]string{
		`"distinct_id":"top","properties":{"distinct_id":"prop"}`: "top",
		`"$distinct_id":"dollar"`:                                 "dollar",
		`"properties":{"distinct_id":"prop"}`:                     "prop",
		`"distinct_id":23`:                                        "23",
		`"distinct_id":23.5`:                                      "23.5",
		`"distinct_id":true`:                                      "true",
		`"distinct_id":["a","b"]`:                                 `["a","b"]`,
		`"distinct_id":{"s":"a","n":3}`:                           `{"n":3,"s":"a"}`,
		`"distinct_id":"a\u0000b"`:                                "a\uFFFDb",
		`"distinct_id":"` + long + `"`:                            strings.Repeat("é", 200),
	}
	for fields, want := range cases {
		c, rec := newTestCollector(t)
		wantOK(t, postJSON(c, "/e/?token="+testToken, `{"event":"e",`+fields+`}`))
		if evs := rec.got(); len(evs) != 1 || evs[0].DistinctID != want {
			t.Errorf("%s: stored %+v, want id %q", fields, evs, want)
		}
	}
}

func TestEngageIsIdentify(t *testing.T) {
	c, rec := newTestCollector(t)
	body := `{"$set":{"role":"admin"},"$token":"` + testToken + `","$distinct_id":"u9"}`
	wantOK(t, postJSON(c, "/engage/", body))
	evs := rec.got()
	if len(evs) != 1 || evs[0].Name != "$identify" || evs[0].DistinctID != "u9" {
		t.Fatalf("stored %+v", evs)
	}
	if !reflect.DeepEqual(evs[0].Properties["$set"], map[string]any{"role": "admin"}) {
		t.Fatalf("properties %v", evs[0].Properties)
	}
	// Elsewhere a nameless event is dropped.
	wantOK(t, postJSON(c, "/e/", body))
	if len(rec.got()) != 1 {
		t.Fatal("nameless event stored outside /engage")
	}
}

func TestTopLevelSetMerged(t *testing.T) {
	c, rec := newTestCollector(t)
	body := `{"event":"$identify","distinct_id":"u","token":"` + testToken + `",
	  "properties":{"$set":{"a":1,"b":1},"$set_once":"not-an-object"},
	  "$set":{"b":2,"c":2},"$set_once":{"first":"x"}}`
	wantOK(t, postJSON(c, "/e/", body))
	p := rec.got()[0].Properties
	if !reflect.DeepEqual(p["$set"], map[string]any{"a": float64(1), "b": float64(2), "c": float64(2)}) {
		t.Fatalf("$set %v", p["$set"])
	}
	if !reflect.DeepEqual(p["$set_once"], map[string]any{"first": "x"}) {
		t.Fatalf("$set_once %v", p["$set_once"])
	}
}

func TestUUIDPassThrough(t *testing.T) {
	c, rec := newTestCollector(t)
	id := "0193b6e4-1f2a-7c3d-8e4f-5a6b7c8d9e0f"
	body := `[{"event":"e","distinct_id":"u","uuid":"` + id + `","token":"` + testToken + `"},
	          {"event":"e","distinct_id":"u","uuid":"` + strings.ToUpper(id) + `"}]`
	wantOK(t, postJSON(c, "/e/", body))
	wantOK(t, postJSON(c, "/e/", body)) // a client retry
	evs := rec.got()
	if len(evs) != 1 || evs[0].UUID != id {
		t.Fatalf("stored %+v", evs)
	}
	if s := c.Stats(); s.EventsStored != 1 || s.EventsDuplicate != 3 {
		t.Fatalf("stats %+v", s)
	}
}

// TestJSONWithFormLikeURL: a URL such as "?page=2&_=1700000000" early in a
// JSON body must not make it look like a form, whatever the content type.
func TestJSONWithFormLikeURL(t *testing.T) {
	body := `[{"event":"$pageview","properties":{"$current_url":"https://x.io/?page=2&_=1700000000&data=1",` +
		`"distinct_id":"u","token":"` + testToken + `"}}]`
	for _, ct := range []string{"text/plain", "application/json", "application/x-www-form-urlencoded"} {
		c, rec := newTestCollector(t)
		wantOK(t, do(c, http.MethodPost, "/e/", ct, []byte(body)))
		if len(rec.got()) != 1 {
			t.Fatalf("%s: not stored", ct)
		}
	}
}
