package simulate

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakePostHog answers /batch/ like PostHog's capture endpoint and keeps
// every event it receives, decoded the way the collector will decode it.
type fakePostHog struct {
	*httptest.Server
	status int // answer with this status; 0: 200

	mu       sync.Mutex
	events   []map[string]any
	requests int
	gzipped  int
	keys     map[string]bool
	histBits map[bool]int
}

func newFakePostHog(t *testing.T, status int) *fakePostHog {
	f := &fakePostHog{status: status, keys: map[string]bool{}, histBits: map[bool]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePostHog) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/batch/" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	gz := r.Header.Get("Content-Encoding") == "gzip"
	if gz {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	var batch struct {
		APIKey     string           `json:"api_key"`
		Historical bool             `json:"historical_migration"`
		Batch      []map[string]any `json:"batch"`
	}
	dec := json.NewDecoder(body)
	dec.UseNumber()
	if err := dec.Decode(&batch); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests++
	if gz {
		f.gzipped++
	}
	f.keys[batch.APIKey] = true
	f.histBits[batch.Historical] += len(batch.Batch)
	if f.status == 0 {
		f.events = append(f.events, batch.Batch...)
	}
	f.mu.Unlock()
	if f.status != 0 {
		http.Error(w, `{"type":"server_error"}`, f.status)
		return
	}
	w.Write([]byte(`{"status":"Ok"}`))
}

func (f *fakePostHog) received() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slicesClone(f.events)
}

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }

// normalise turns a model value into what it looks like after a JSON round
// trip with UseNumber, so it compares with what the server decoded.
func normalise(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkWire compares one model event with what the server received for it.
func checkWire(t *testing.T, want Event, got map[string]any) {
	t.Helper()
	props, _ := got["properties"].(map[string]any)
	if got["event"] != want.Name {
		t.Fatalf("%s: event %v, want %s", want.UUID, got["event"], want.Name)
	}
	ts, err := time.Parse(time.RFC3339Nano, got["timestamp"].(string))
	if err != nil || !ts.Equal(want.Timestamp) {
		t.Fatalf("%s %s: timestamp %v, want %v (%v)", want.Name, want.UUID, got["timestamp"], want.Timestamp, err)
	}
	distinct := got["distinct_id"]
	if want.Kind == KindAlias {
		distinct = props["distinct_id"] // posthog-go puts it only in properties
		if props["alias"] != want.Alias {
			t.Fatalf("alias %v, want %s", props["alias"], want.Alias)
		}
	}
	if distinct != want.DistinctID {
		t.Fatalf("%s: distinct_id %v, want %s", want.Name, distinct, want.DistinctID)
	}
	if want.Kind == KindIdentify {
		// TimeTracker's nested shape: "$set": {"$set": ..., "$set_once": ...}.
		nested := normalise(t, map[string]any{"$set": want.Set, "$set_once": want.SetOnce})
		if !reflect.DeepEqual(got["$set"], nested) {
			t.Fatalf("identify $set on the wire:\n%v\nwant\n%v", got["$set"], nested)
		}
		// Flattened as a collector does, it matches PostHogProperties.
		for k, v := range got["$set"].(map[string]any) {
			props[k] = v
		}
	}
	// Everything PostHogProperties promises is on the wire, except $os:
	// posthog-go v1.23.1 overwrites it with the sending machine's OS.
	for k, v := range normalise(t, want.PostHogProperties()).(map[string]any) {
		if k != "$os" && !reflect.DeepEqual(props[k], v) {
			t.Fatalf("%s property %s = %v on the wire, want %v", want.Name, k, props[k], v)
		}
	}
}

func TestRunDeliversExactlyTheModelEvents(t *testing.T) {
	for _, gz := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "gzip"}[gz], func(t *testing.T) {
			srv := newFakePostHog(t, 0)
			var progress bytes.Buffer
			cfg := Config{
				Host: srv.URL + "/", Token: "phc_test", Installs: 40, Users: 60,
				Backfill: 24 * time.Hour, Rate: -1, Seed: 9, Gzip: gz, BatchSize: 100, Interval: 50 * time.Millisecond,
				Clock: func() time.Time { return testNow },
			}
			if err := Run(context.Background(), cfg, &progress); err != nil {
				t.Fatalf("Run: %v\n%s", err, progress.String())
			}
			want := map[string]Event{}
			var kinds [4]int
			captureSets := 0
			for e := range NewModel(ModelConfig{Seed: 9, Now: testNow, Installs: cfg.Installs, Users: cfg.Users}).
				Backfill(testNow.Add(-cfg.Backfill), testNow) {
				want[e.UUID.String()] = e.Clone()
				kinds[e.Kind]++
				if e.Kind == KindCapture && e.Set != nil {
					captureSets++
				}
			}
			if slices.Contains(kinds[:], 0) || captureSets == 0 {
				t.Fatalf("the window lacks a kind of call (%v) or a capture with $set (%d)", kinds, captureSets)
			}
			got := srv.received()
			t.Logf("%d events in %d requests", len(got), srv.requests)
			if len(got) != len(want) {
				t.Fatalf("server received %d events, the model generated %d", len(got), len(want))
			}
			for _, ev := range got {
				id, _ := ev["uuid"].(string)
				w, ok := want[id]
				if !ok {
					t.Fatalf("server received an event the model did not generate: %v", ev)
				}
				delete(want, id) // a second copy of the same uuid fails above
				checkWire(t, w, ev)
			}
			if !srv.keys["phc_test"] || len(srv.keys) != 1 {
				t.Errorf("api keys seen: %v", srv.keys)
			}
			if gz && srv.gzipped != srv.requests || !gz && srv.gzipped != 0 {
				t.Errorf("%d of %d requests gzipped", srv.gzipped, srv.requests)
			}
			out := progress.String()
			if strings.Contains(out, "\r") || !strings.Contains(out, "100%") || !strings.Contains(out, " 0 failed") {
				t.Errorf("progress on a non-terminal:\n%s", out)
			}
		})
	}
}

func TestRunReportsServerErrors(t *testing.T) {
	srv := newFakePostHog(t, http.StatusInternalServerError)
	var progress bytes.Buffer
	cfg := Config{
		Host: srv.URL, Token: "phc_test", Installs: 10, Users: 20, Backfill: 6 * time.Hour,
		Rate: 5, Seed: 1, Retries: -1, Clock: func() time.Time { return testNow },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := Run(ctx, cfg, &progress)
	if err == nil {
		t.Fatalf("Run claimed success against a server answering 500:\n%s", progress.String())
	}
	if ctx.Err() != nil {
		t.Fatal("Run went live after a backfill that delivered nothing")
	}
	if !strings.Contains(err.Error(), "none of") || !strings.Contains(err.Error(), "500") {
		t.Errorf("error does not say what happened: %v", err)
	}
	if srv.requests == 0 {
		t.Fatal("the server saw no request")
	}
	if !strings.Contains(progress.String(), "failed") {
		t.Errorf("progress does not mention the failures:\n%s", progress.String())
	}
}

// stepClock is a Config.Clock that moves by step at every reading, up to
// end if set, so live traffic covers simulated hours in a few of Run's
// ticks and what it sends does not depend on how fast the machine is.
type stepClock struct {
	mu     sync.Mutex
	t, end time.Time
	step   time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.t
	if !c.end.IsZero() && now.After(c.end) {
		now = c.end
	}
	c.t = c.t.Add(c.step)
	return now
}

// TestRunLiveSendsAroundNow: with no backfill, live traffic is exactly the
// model's events from the anchor to the last clock reading, each stamped
// with its own time, delivered once: the same model as a backfill of that
// window, not a sped-up one.
func TestRunLiveSendsAroundNow(t *testing.T) {
	srv := newFakePostHog(t, 0)
	end := testNow.Add(40 * time.Minute)
	clock := &stepClock{t: testNow, end: end, step: 5 * time.Minute}
	model := map[string]time.Time{}
	for e := range NewModel(ModelConfig{Seed: 2, Now: testNow, Installs: 500, Users: 2000}).Backfill(testNow, end) {
		model[e.UUID.String()] = e.Timestamp
	}
	cfg := Config{
		Host: srv.URL, Token: "phc_test", Installs: 500, Users: 2000, Backfill: -1,
		Rate: 1000, Seed: 2, Interval: 100 * time.Millisecond, Clock: clock.Now,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- Run(ctx, cfg, io.Discard) }()
	// Stop once the clock has stopped and everything has arrived; the
	// deadline only guards a hang, so a loaded machine makes the test
	// slower, not flaky.
	for deadline := time.Now().Add(30 * time.Second); len(srv.received()) < len(model) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := srv.received()
	for _, ev := range got {
		ts, _ := time.Parse(time.RFC3339Nano, ev["timestamp"].(string))
		want, ok := model[ev["uuid"].(string)]
		if !ok || !ts.Equal(want) {
			t.Fatalf("live event %v at %v: the model has it at %v (%v)", ev["uuid"], ts, want, ok)
		}
	}
	if len(got) != len(model) {
		t.Fatalf("live traffic delivered %d events; the model has %d from %v to %v", len(got), len(model), testNow, end)
	}
}

func TestHistoricalMigrationOnlyForOldEvents(t *testing.T) {
	srv := newFakePostHog(t, 0)
	cfg := Config{
		Host: srv.URL, Token: "phc_test", Installs: 10, Users: 30, Backfill: 3 * 24 * time.Hour,
		Rate: -1, Seed: 4, HistoricalMigration: true, Interval: 50 * time.Millisecond, Clock: func() time.Time { return testNow },
	}
	if err := Run(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	old, recent := 0, 0
	for e := range NewModel(ModelConfig{Seed: 4, Now: testNow, Installs: 10, Users: 30}).
		Backfill(testNow.Add(-cfg.Backfill), testNow) {
		if e.Timestamp.Before(testNow.Add(-historicalAge)) {
			old++
		} else {
			recent++
		}
	}
	if srv.histBits[true] != old || srv.histBits[false] != recent {
		t.Errorf("historical_migration on %d events and off on %d; want %d old and %d recent",
			srv.histBits[true], srv.histBits[false], old, recent)
	}
}

func TestRunNeedsHostAndToken(t *testing.T) {
	for _, cfg := range []Config{{Token: "phc"}, {Host: "http://localhost:1"}} {
		if err := Run(context.Background(), cfg, nil); err == nil {
			t.Errorf("Run(%+v) did not refuse", cfg)
		}
	}
}

func TestBackfillDoneFiresOnceBeforeLive(t *testing.T) {
	srv := newFakePostHog(t, 0)
	clock := &stepClock{t: testNow, step: 30 * time.Minute}
	var atDone, calls atomic.Int64
	cfg := Config{
		Host: srv.URL, Token: "phc_test", Installs: 5, Users: 20, Backfill: 6 * time.Hour,
		Rate: 50, Seed: 3, Interval: 50 * time.Millisecond, Clock: clock.Now,
		BackfillDone: func() { calls.Add(1); atDone.Store(int64(len(srv.received()))) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Run(ctx, cfg, io.Discard) }()
	for deadline := time.Now().Add(20 * time.Second); (calls.Load() == 0 || int64(len(srv.received())) <= atDone.Load()) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	var backfill int64
	for range NewModel(ModelConfig{Seed: 3, Now: testNow, Installs: 5, Users: 20}).Backfill(testNow.Add(-6*time.Hour), testNow) {
		backfill++
	}
	if calls.Load() != 1 {
		t.Fatalf("BackfillDone called %d times", calls.Load())
	}
	if at := atDone.Load(); at < backfill*9/10 || int64(len(srv.received())) <= at {
		t.Fatalf("at BackfillDone %d events were delivered (backfill ~%d); after: %d", at, backfill, len(srv.received()))
	}
}
