package collector

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// opsServer is a collector on a real store behind Ops.Wrap, as ttmon
// collect serves it.
func opsServer(t *testing.T) (*httptest.Server, *embedded.Store) {
	t.Helper()
	m := NewMetrics()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "events.db"), embedded.WithCommitHook(m.ObserveCommit))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m.WatchStore(st)
	col := New(st, WithTokens(testToken), WithMetrics(m), WithClock(func() time.Time { return fixedNow }))
	srv := httptest.NewServer(Ops{Probe: st, Metrics: m}.Wrap(col, true))
	t.Cleanup(srv.Close)
	return srv, st
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// scrape reads /metrics with Prometheus's own text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	return fams
}

// value finds the sample of fam whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, fam string, want map[string]string) float64 {
	t.Helper()
	f, ok := fams[fam]
	if !ok {
		t.Fatalf("no metric family %s", fam)
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("%s has no sample with %v", fam, want)
	return 0
}

func TestMetricsExposition(t *testing.T) {
	srv, _ := opsServer(t)
	batch := `{"api_key":"` + testToken + `","batch":[
		{"event":"telemetry.health","distinct_id":"a","uuid":"0190a0b0-0000-7000-8000-000000000001","properties":{"app_version":"4.9.1"}},
		{"event":"telemetry.health","distinct_id":"b","uuid":"0190a0b0-0000-7000-8000-000000000002"},
		{"event":"telemetry.health","uuid":"0190a0b0-0000-7000-8000-000000000003"}]}`
	if code := post(t, srv.URL+"/batch/", batch); code != 200 {
		t.Fatalf("batch: %d", code)
	}
	if code := post(t, srv.URL+"/batch/", batch); code != 200 { // a client's retry
		t.Fatalf("retry: %d", code)
	}
	if code := post(t, srv.URL+"/e/", `{"api_key":"phc_wrong","event":"x","distinct_id":"a"}`); code != 401 {
		t.Fatalf("bad token: %d", code)
	}
	if code := post(t, srv.URL+"/capture/", `{"api_key":`); code != 400 {
		t.Fatalf("bad json: %d", code)
	}

	fams := scrape(t, srv.URL)
	checks := []struct {
		fam    string
		labels map[string]string
		want   float64
	}{
		{"ttmon_collector_events_total", map[string]string{"endpoint": "/batch", "outcome": "accepted"}, 2},
		{"ttmon_collector_events_total", map[string]string{"endpoint": "/batch", "outcome": "duplicate"}, 2},
		{"ttmon_collector_events_dropped_total", map[string]string{"reason": "missing_distinct_id"}, 2},
		{"ttmon_collector_requests_rejected_total", map[string]string{"endpoint": "/e", "code": "401"}, 1},
		{"ttmon_collector_requests_rejected_total", map[string]string{"endpoint": "/capture", "code": "400"}, 1},
		{"ttmon_collector_rejects_total", map[string]string{"reason": "invalid_api_key"}, 1},
		{"ttmon_collector_rejects_total", map[string]string{"reason": "invalid_json"}, 1},
		{"ttmon_collector_request_duration_seconds", map[string]string{"endpoint": "/batch", "code": "200"}, 2},
		{"ttmon_collector_request_duration_seconds", map[string]string{"endpoint": "/e", "code": "401"}, 1},
		{"ttmon_collector_batch_events", map[string]string{"endpoint": "/batch"}, 2},
		{"ttmon_store_commit_duration_seconds", nil, 2},
		{"ttmon_store_events", nil, 2},
		{"ttmon_store_writer_queue_depth", nil, 0},
		{"ttmon_store_index_lag_events", nil, 0},
		{"ttmon_store_stats_up", nil, 1},
	}
	for _, c := range checks {
		if got := value(t, fams, c.fam, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.fam, c.labels, got, c.want)
		}
	}
	if b := value(t, fams, "ttmon_store_bytes", nil); b <= 0 {
		t.Errorf("ttmon_store_bytes = %v", b)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("Go runtime metrics missing")
	}
}

func TestMetricsEndpointLabelIsBounded(t *testing.T) {
	srv, _ := opsServer(t)
	for _, p := range []string{"/random1", "/random2/x", "/wp-login.php"} {
		post(t, srv.URL+p, "{}")
	}
	// posthog-go with POSTHOG_HOST ending in "/" posts to "//batch/": it
	// must reach the collector, not a redirect.
	if code := post(t, srv.URL+"//batch/", `{"api_key":"`+testToken+`","batch":[{"event":"e","distinct_id":"a"}]}`); code != 200 {
		t.Fatalf("//batch/: %d", code)
	}
	fams := scrape(t, srv.URL)
	if got := value(t, fams, "ttmon_collector_requests_rejected_total", map[string]string{"endpoint": "other", "code": "404"}); got != 3 {
		t.Errorf("404s under other = %v, want 3", got)
	}
	for _, m := range fams["ttmon_collector_request_duration_seconds"].Metric {
		for _, l := range m.Label {
			if l.GetName() == "endpoint" && strings.Contains(l.GetValue(), "random") {
				t.Errorf("endpoint label %q: paths must not become series", l.GetValue())
			}
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthAndReadiness(t *testing.T) {
	srv, st := opsServer(t)
	if code, body := get(t, srv.URL+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	code, body := get(t, srv.URL+"/readyz")
	if code != 200 || !strings.HasPrefix(body, "ready\n") || !strings.Contains(body, "store: writable") {
		t.Errorf("/readyz on a good store: %d %q", code, body)
	}
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only files: cannot make the store unwritable")
	}
	if err := os.Chmod(st.Path(), 0o444); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(st.Path(), 0o644)
	code, body = get(t, srv.URL+"/readyz")
	if code != 503 || !strings.HasPrefix(body, "not ready\n") || !strings.Contains(body, "store: not writable") {
		t.Errorf("/readyz on a read-only store: %d %q", code, body)
	}
}

// fakeProbe reports what a test sets.
type fakeProbe struct {
	writeErr error
	lag      int
	held     bool
}

func (p fakeProbe) Writable() error                 { return p.writeErr }
func (p fakeProbe) IndexLag() (rows int, held bool) { return p.lag, p.held }

func TestReadinessIndexLag(t *testing.T) {
	cases := []struct {
		p     fakeProbe
		ready bool
		want  string
	}{
		{fakeProbe{}, true, "index: none in this process"},
		{fakeProbe{lag: 10, held: true}, true, "index: caught up (10 events pending)"},
		{fakeProbe{lag: maxReadyLag + 1, held: true}, false, "events behind the store"},
		{fakeProbe{writeErr: io.ErrClosedPipe}, false, "store: not writable"},
	}
	for _, c := range cases {
		h := Ops{Probe: c.p}.Handler()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if (rec.Code == 200) != c.ready || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%+v: %d %q, want ready=%v and %q", c.p, rec.Code, rec.Body.String(), c.ready, c.want)
		}
	}
	// Ops.Handler serves nothing but the operator's paths.
	rec := httptest.NewRecorder()
	Ops{Probe: fakeProbe{}}.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/batch/", nil))
	if rec.Code != 404 {
		t.Errorf("/batch/ on the metrics address: %d", rec.Code)
	}
}
