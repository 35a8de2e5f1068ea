package collector

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded"
)

const testToken = "phc_testtoken123"

// fixedNow is the collector's clock in unit tests.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// recorder is a fake store: it keeps what it commits, dedups by UUID like
// the real one, and fails every call while err is set.
type recorder struct {
	mu     sync.Mutex
	events []embedded.Event
	seen   map[string]bool
	calls  int
	err    error
	block  chan struct{} // when set, Ingest waits for it to close
}

func (r *recorder) Ingest(ctx context.Context, evs []embedded.Event) (embedded.IngestResult, error) {
	if r.block != nil {
		<-r.block
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return embedded.IngestResult{}, r.err
	}
	if r.seen == nil {
		r.seen = make(map[string]bool)
	}
	var res embedded.IngestResult
	for _, ev := range evs {
		if ev.UUID != "" && r.seen[ev.UUID] {
			res.Duplicates++
			continue
		}
		r.seen[ev.UUID] = ev.UUID != ""
		r.events = append(r.events, ev)
		res.Stored++
	}
	return res, nil
}

func (r *recorder) got() []embedded.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]embedded.Event(nil), r.events...)
}

func newTestCollector(t testing.TB, opts ...Option) (*Collector, *recorder) {
	t.Helper()
	rec := &recorder{}
	opts = append([]Option{WithTokens(testToken), WithClock(func() time.Time { return fixedNow })}, opts...)
	return New(rec, opts...), rec
}

// do sends one request straight to the handler.
func do(h http.Handler, method, target, contentType string, body []byte, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func postJSON(h http.Handler, target string, body string) *httptest.ResponseRecorder {
	return do(h, http.MethodPost, target, "application/json", []byte(body))
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantStatus(t testing.TB, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body.String())
	}
}

// wantError checks a refusal's status and its PostHog-shaped body.
func wantError(t testing.TB, w *httptest.ResponseRecorder, status int, typ, code string) errorBody {
	t.Helper()
	wantStatus(t, w, status)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var body errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", w.Body.String(), err)
	}
	if body.Type != typ || body.Code != code || body.Detail == "" {
		t.Fatalf("error body %+v, want type %q code %q and a detail", body, typ, code)
	}
	return body
}

func wantOK(t testing.TB, w *httptest.ResponseRecorder) {
	t.Helper()
	wantStatus(t, w, http.StatusOK)
	if got := strings.TrimSpace(w.Body.String()); got != `{"status":"Ok"}` {
		t.Fatalf("body %q", got)
	}
}

// eventJSON is a minimal valid event with the test token.
func eventJSON(name, distinctID string) string {
	return `{"event":"` + name + `","distinct_id":"` + distinctID + `","properties":{"token":"` + testToken + `"}}`
}

// long reports whether the long campaigns run (TTMON_LONG=1, which CI sets
// in a step of its own); the default run takes the same paths at a small
// size, so that the README's test command stays quick.
func long() bool { return os.Getenv("TTMON_LONG") == "1" }
