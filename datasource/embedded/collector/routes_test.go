package collector

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

func TestCaptureRoutes(t *testing.T) {
	c, rec := newTestCollector(t)
	paths := []string{"/batch", "/capture", "/e", "/i/v0/e", "/track", "/engage"}
	n := 0
	for _, p := range paths {
		for _, target := range []string{p, p + "/", p + "/?ver=1.2.3", "/" + p + "/"} {
			wantOK(t, postJSON(c, target, eventJSON("ping", "u-"+target)))
			n++
			if got := len(rec.got()); got != n {
				t.Fatalf("%s: %d events stored, want %d", target, got, n)
			}
			if got := rec.got()[n-1].DistinctID; got != "u-"+target {
				t.Fatalf("%s: stored distinct id %q", target, got)
			}
		}
	}
}

func TestCaptureGETWithData(t *testing.T) {
	c, rec := newTestCollector(t)
	q := url.Values{"data": {eventJSON("get.event", "u1")}}
	wantOK(t, do(c, http.MethodGet, "/e/?"+q.Encode(), "", nil))
	if evs := rec.got(); len(evs) != 1 || evs[0].Name != "get.event" {
		t.Fatalf("stored %+v", evs)
	}
	// A GET without data has nothing to store.
	wantError(t, do(c, http.MethodGet, "/e/", "", nil), http.StatusBadRequest, "validation_error", "invalid_payload")
}

func TestUnknownPathAndMethod(t *testing.T) {
	c, _ := newTestCollector(t)
	for _, p := range []string{"/", "/api/event", "/batchx", "/i/v0", "/e/e/"} {
		wantError(t, postJSON(c, p, eventJSON("x", "u")), http.StatusNotFound, "invalid_request", "not_found")
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead} {
		w := do(c, m, "/batch/", "application/json", nil)
		if m == http.MethodHead {
			wantStatus(t, w, http.StatusMethodNotAllowed)
			continue
		}
		wantError(t, w, http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed")
		if w.Header().Get("Allow") == "" {
			t.Errorf("%s: no Allow header", m)
		}
	}
	s := c.Stats()
	if s.Rejects["not_found"] != 5 || s.Rejects["method_not_allowed"] != 4 {
		t.Fatalf("rejects %v", s.Rejects)
	}
}

func TestCORSPreflight(t *testing.T) {
	c, _ := newTestCollector(t)
	w := do(c, http.MethodOptions, "/e/", "", nil,
		"Origin", "https://app.example.com",
		"Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type")
	wantOK(t, w)
	h := w.Header()
	if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		h.Get("Access-Control-Allow-Credentials") != "true" ||
		h.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Fatalf("CORS headers %v", h)
	}
	// The actual POST carries the origin too, or the browser drops the answer.
	w = do(c, http.MethodPost, "/e/", "text/plain", []byte(eventJSON("x", "u")), "Origin", "https://app.example.com")
	wantOK(t, w)
	if w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("POST without CORS headers: %v", w.Header())
	}
}

func TestFlagsAndDecide(t *testing.T) {
	c, rec := newTestCollector(t)
	for _, tc := range []struct{ method, target string }{
		{http.MethodPost, "/flags/?v=2"},
		{http.MethodPost, "/flags?v=2&config=true"},
		{http.MethodGet, "/flags/"},
		{http.MethodPost, "/decide/?v=3"},
		{http.MethodPost, "/decide"},
	} {
		w := do(c, tc.method, tc.target, "application/json", []byte(`{"api_key":"anything","distinct_id":"u"}`))
		wantStatus(t, w, http.StatusOK)
		var body struct {
			Flags        map[string]any `json:"flags"`
			FeatureFlags map[string]any `json:"featureFlags"`
			Errors       *bool          `json:"errorsWhileComputingFlags"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v", tc.target, err)
		}
		if body.Flags == nil || len(body.Flags) != 0 || body.FeatureFlags == nil || body.Errors == nil || *body.Errors {
			t.Fatalf("%s: body %s", tc.target, w.Body.String())
		}
	}
	if len(rec.got()) != 0 {
		t.Fatal("a flags request stored events")
	}
}

func TestBeaconAnswersNoContent(t *testing.T) {
	c, rec := newTestCollector(t)
	w := do(c, http.MethodPost, "/e/?beacon=1", "text/plain", []byte(eventJSON("leave", "u")))
	wantStatus(t, w, http.StatusNoContent)
	if len(rec.got()) != 1 {
		t.Fatal("beacon event not stored")
	}
}

func TestTokens(t *testing.T) {
	c, rec := newTestCollector(t, WithTokens("phc_second"))
	ev := `{"event":"e","distinct_id":"u"}`
	cases := []struct {
		name, target, body string
		status             int
		code               string
	}{
		{"missing", "/batch/", `{"batch":[` + ev + `]}`, 401, "missing_api_key"},
		{"missing single", "/e/", ev, 401, "missing_api_key"},
		{"unknown", "/batch/", `{"api_key":"phc_nope","batch":[` + ev + `]}`, 401, "invalid_api_key"},
		{"empty", "/batch/", `{"api_key":"  ","batch":[` + ev + `]}`, 401, "missing_api_key"},
		{"prefix of valid", "/batch/", `{"api_key":"phc_testtoken12","batch":[` + ev + `]}`, 401, "invalid_api_key"},
		{"api_key in body", "/batch/", `{"api_key":"` + testToken + `","batch":[` + ev + `]}`, 200, ""},
		{"token in body", "/batch/", `{"token":"phc_second","batch":[` + ev + `]}`, 200, ""},
		{"token in event props", "/e/", `[{"event":"e","distinct_id":"u","properties":{"token":"` + testToken + `"}}]`, 200, ""},
		{"$token in event", "/e/", `{"event":"e","distinct_id":"u","$token":"` + testToken + `"}`, 200, ""},
		{"api_key in event", "/capture/", `{"event":"e","distinct_id":"u","api_key":"` + testToken + `"}`, 200, ""},
		{"token in query", "/e/?token=" + testToken, ev, 200, ""},
		{"api_key in query", "/batch/?api_key=phc_second", `{"batch":[` + ev + `]}`, 200, ""},
		{"padded token", "/batch/", `{"api_key":" ` + testToken + ` ","batch":[` + ev + `]}`, 200, ""},
	}
	stored := 0
	for _, tc := range cases {
		w := postJSON(c, tc.target, tc.body)
		if tc.status == 200 {
			wantOK(t, w)
			stored++
		} else {
			wantError(t, w, tc.status, "authentication_error", tc.code)
		}
		if got := len(rec.got()); got != stored {
			t.Fatalf("%s: %d events stored, want %d", tc.name, got, stored)
		}
	}
	// Events whose tokens disagree belong to no one project.
	w := postJSON(c, "/e/", `[{"event":"e","distinct_id":"u","token":"`+testToken+`"},{"event":"e","distinct_id":"u","token":"phc_second"}]`)
	wantError(t, w, http.StatusBadRequest, "validation_error", "invalid_payload")
}

func TestNoTokensConfiguredRefusesAll(t *testing.T) {
	c := New(&recorder{})
	wantError(t, postJSON(c, "/batch/", `{"api_key":"`+testToken+`","batch":[`+eventJSON("e", "u")+`]}`),
		http.StatusUnauthorized, "authentication_error", "invalid_api_key")
}
