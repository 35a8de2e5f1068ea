package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeOTLP answers /v1/logs and keeps every record's event name and the
// headers it came with.
type fakeOTLP struct {
	status int
	mu     sync.Mutex
	names  []string
	auth   map[string]bool
	types  map[string]bool
}

func (f *fakeOTLP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/logs" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	b, _ := io.ReadAll(r.Body)
	var body struct {
		ResourceLogs []struct {
			ScopeLogs []struct {
				LogRecords []struct {
					Body struct {
						StringValue string `json:"stringValue"`
					} `json:"body"`
				} `json:"logRecords"`
			} `json:"scopeLogs"`
		} `json:"resourceLogs"`
	}
	if err := json.Unmarshal(b, &body); err != nil || len(body.ResourceLogs) != 1 ||
		len(body.ResourceLogs[0].ScopeLogs) != 1 || len(body.ResourceLogs[0].ScopeLogs[0].LogRecords) != 1 {
		http.Error(w, "not one TimeTracker record", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth[r.Header.Get("Authorization")] = true
	f.types[r.Header.Get("Content-Type")] = true
	if f.status != 0 {
		http.Error(w, "no", f.status)
		return
	}
	f.names = append(f.names, body.ResourceLogs[0].ScopeLogs[0].LogRecords[0].Body.StringValue)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
}

func TestRunOTLPSendsWhatTimeTracker5Sends(t *testing.T) {
	f := &fakeOTLP{auth: map[string]bool{}, types: map[string]bool{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var progress bytes.Buffer
	cfg := Config{Host: srv.URL + "/", Token: "id:secret", Installs: 20, Users: 40, Backfill: 24 * time.Hour,
		Rate: -1, Seed: 3, OTLP: true, Clock: func() time.Time { return testNow }}
	if err := Run(context.Background(), cfg, &progress); err != nil {
		t.Fatalf("Run: %v\n%s", err, progress.String())
	}
	want := map[string]int{}
	for e := range NewModel(ModelConfig{Seed: 3, Now: testNow, Installs: 20, Users: 40}).Backfill(testNow.Add(-24*time.Hour), testNow) {
		if r, ok := ToRecord(e); ok {
			want[r.Name]++
		}
	}
	got := map[string]int{}
	for _, n := range f.names {
		got[n]++
	}
	if len(got) != len(want) || want[EventHeartbeat] == 0 || want[EventIdentify5] == 0 {
		t.Fatalf("names sent %v, want %v", got, want)
	}
	for n, c := range want {
		if got[n] != c {
			t.Errorf("%s: %d sent, want %d", n, got[n], c)
		}
	}
	if len(f.auth) != 1 || !f.auth["Basic aWQ6c2VjcmV0"] || len(f.types) != 1 || !f.types["application/json"] {
		t.Errorf("headers: auth %v, types %v", f.auth, f.types)
	}
	if out := progress.String(); !strings.Contains(out, "100%") || !strings.Contains(out, " 0 failed") {
		t.Errorf("progress:\n%s", out)
	}
}

func TestRunOTLPReportsRefusals(t *testing.T) {
	f := &fakeOTLP{status: http.StatusForbidden, auth: map[string]bool{}, types: map[string]bool{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var progress bytes.Buffer
	cfg := Config{Host: srv.URL, Token: "tok", Installs: 5, Users: 5, Backfill: 6 * time.Hour,
		Rate: -1, Seed: 1, OTLP: true, Clock: func() time.Time { return testNow }}
	err := Run(context.Background(), cfg, &progress)
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("Run against a server answering 403: %v\n%s", err, progress.String())
	}
	if !f.auth["Basic tok"] {
		t.Errorf("auth %v", f.auth)
	}
}
