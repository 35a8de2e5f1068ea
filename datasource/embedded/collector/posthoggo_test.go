package collector

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posthog/posthog-go"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// phLogger keeps what posthog-go reports instead of writing to stderr.
type phLogger struct {
	mu       sync.Mutex
	problems []string
}

func (l *phLogger) Debugf(string, ...any) {}
func (l *phLogger) Logf(string, ...any)   {}
func (l *phLogger) Warnf(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, "warn: "+fmt.Sprintf(f, a...))
}
func (l *phLogger) Errorf(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, "error: "+fmt.Sprintf(f, a...))
}

// phCallback counts the messages posthog-go reports as delivered or lost.
type phCallback struct {
	mu                sync.Mutex
	success, failures int
}

func (c *phCallback) Success(posthog.APIMessage) { c.mu.Lock(); c.success++; c.mu.Unlock() }
func (c *phCallback) delivered() int             { c.mu.Lock(); defer c.mu.Unlock(); return c.success }
func (c *phCallback) Failure(posthog.APIMessage, error) {
	c.mu.Lock()
	c.failures++
	c.mu.Unlock()
}

func newPosthogClient(t *testing.T, endpoint string, cfg posthog.Config) (posthog.Client, *phLogger, *phCallback) {
	t.Helper()
	log, cb := &phLogger{}, &phCallback{}
	cfg.Endpoint = endpoint
	cfg.Logger = log
	cfg.Callback = cb
	if cfg.Interval == 0 {
		cfg.Interval = 20 * time.Millisecond
	}
	client, err := posthog.NewWithConfig(testToken, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client, log, cb
}

func byName(evs []embedded.Event) map[string]embedded.Event {
	m := make(map[string]embedded.Event, len(evs))
	for _, ev := range evs {
		m[ev.Name] = ev
	}
	return m
}

// TestPosthogGoClient sends Capture, Identify, Alias and GroupIdentify with
// the real posthog-go client, plain and gzip-compressed, and checks every
// field the store relies on.
func TestPosthogGoClient(t *testing.T) {
	for name, mode := range map[string]posthog.CompressionMode{
		"plain": posthog.CompressionNone,
		"gzip":  posthog.CompressionGzip,
	} {
		t.Run(name, func(t *testing.T) {
			c, rec := newTestCollector(t)
			srv := httptest.NewServer(c)
			defer srv.Close()
			client, log, cb := newPosthogClient(t, srv.URL, posthog.Config{Compression: mode})

			when := time.Date(2025, 5, 31, 10, 0, 0, 123456789, time.UTC)
			msgs := []posthog.Message{
				posthog.Capture{Uuid: "0193b6e4-1f2a-7c3d-8e4f-000000000001", DistinctId: "fp-1", Event: "telemetry.health",
					Timestamp: when, Properties: posthog.NewProperties().Set("app_version", "4.2.0").Set("platform", "Linux"),
					Groups: posthog.NewGroups().Set("version", "4.2.0")},
				posthog.Identify{Uuid: "0193b6e4-1f2a-7c3d-8e4f-000000000002", DistinctId: "user-1", Timestamp: when.Add(time.Second),
					Properties: posthog.NewProperties().Set("role", "admin").Set("is_admin", true)},
				posthog.Alias{Uuid: "0193b6e4-1f2a-7c3d-8e4f-000000000003", DistinctId: "user-1", Alias: "user-1-old", Timestamp: when.Add(2 * time.Second)},
				posthog.GroupIdentify{Uuid: "0193b6e4-1f2a-7c3d-8e4f-000000000004", Type: "version", Key: "4.2.0", Timestamp: when.Add(3 * time.Second),
					Properties: posthog.NewProperties().Set("released", true)},
			}
			for _, m := range msgs {
				if err := client.Enqueue(m); err != nil {
					t.Fatal(err)
				}
			}
			if err := client.Close(); err != nil {
				t.Fatal(err)
			}
			if cb.success != 4 || cb.failures != 0 || len(log.problems) != 0 {
				t.Fatalf("posthog-go: %d delivered, %d lost, log %q", cb.success, cb.failures, log.problems)
			}
			got := byName(rec.got())
			if len(got) != 4 {
				t.Fatalf("stored %+v", rec.got())
			}
			checkPosthogGoEvent(t, got["telemetry.health"], "fp-1", 1, when)
			if p := got["telemetry.health"].Properties; p["app_version"] != "4.2.0" || p["$lib"] != "posthog-go" ||
				p["$groups"].(map[string]any)["version"] != "4.2.0" {
				t.Errorf("capture properties %v", p)
			}
			checkPosthogGoEvent(t, got["$identify"], "user-1", 2, when.Add(time.Second))
			if set := got["$identify"].Properties["$set"].(map[string]any); set["role"] != "admin" || set["is_admin"] != true {
				t.Errorf("identify $set %v", set)
			}
			checkPosthogGoEvent(t, got["$create_alias"], "user-1", 3, when.Add(2*time.Second))
			if got["$create_alias"].Properties["alias"] != "user-1-old" {
				t.Errorf("alias properties %v", got["$create_alias"].Properties)
			}
			checkPosthogGoEvent(t, got["$groupidentify"], "$version_4.2.0", 4, when.Add(3*time.Second))
			if p := got["$groupidentify"].Properties; p["$group_type"] != "version" || p["$group_key"] != "4.2.0" ||
				p["$group_set"].(map[string]any)["released"] != true {
				t.Errorf("groupidentify properties %v", p)
			}
		})
	}
}

func checkPosthogGoEvent(t *testing.T, ev embedded.Event, distinctID string, n int, when time.Time) {
	t.Helper()
	if ev.DistinctID != distinctID {
		t.Errorf("%s: distinct id %q, want %q", ev.Name, ev.DistinctID, distinctID)
	}
	if want := fmt.Sprintf("0193b6e4-1f2a-7c3d-8e4f-%012d", n); ev.UUID != want {
		t.Errorf("%s: uuid %q, want %q", ev.Name, ev.UUID, want)
	}
	if !ev.Timestamp.Equal(when) {
		t.Errorf("%s: timestamp %s, want %s", ev.Name, ev.Timestamp.Format(time.RFC3339Nano), when.Format(time.RFC3339Nano))
	}
}

// TestPosthogGoRetriesAfterStoreFailure: a 503 makes posthog-go retry
// (after Retry-After), and the batch is stored exactly once.
func TestPosthogGoRetriesAfterStoreFailure(t *testing.T) {
	c, rec := newTestCollector(t)
	c.ing = &failFirst{next: rec}
	srv := httptest.NewServer(c)
	defer srv.Close()
	client, _, cb := newPosthogClient(t, srv.URL, posthog.Config{
		RetryAfter: func(int) time.Duration { return 10 * time.Millisecond },
	})
	defer client.Close()
	for i := range 3 {
		if err := client.Enqueue(posthog.Capture{DistinctId: "u", Event: fmt.Sprintf("e%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// posthog-go drops a batch that is waiting to retry when it is closed,
	// so wait for the delivery first.
	for deadline := time.Now().Add(10 * time.Second); cb.delivered() < 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("posthog-go delivered %d of 3", cb.delivered())
		}
	}
	if got := len(rec.got()); got != 3 {
		t.Fatalf("stored %d events, want 3", got)
	}
	if s := c.Stats(); s.Rejects["store_failed"] != 1 || s.EventsStored != 3 {
		t.Fatalf("stats %+v", s)
	}
}

// failFirst fails its first Ingest call and passes the rest to next.
type failFirst struct {
	next   Ingester
	called atomic.Bool
}

func (f *failFirst) Ingest(ctx context.Context, evs []embedded.Event) (embedded.IngestResult, error) {
	if !f.called.Swap(true) {
		return embedded.IngestResult{}, errors.New("database is locked")
	}
	return f.next.Ingest(ctx, evs)
}

// TestPosthogGoFeatureFlags: the flag stubs satisfy posthog-go's /flags
// client: no flags, no error.
func TestPosthogGoFeatureFlags(t *testing.T) {
	c, _ := newTestCollector(t)
	srv := httptest.NewServer(c)
	defer srv.Close()
	client, log, _ := newPosthogClient(t, srv.URL, posthog.Config{})
	defer client.Close()
	on, err := client.IsFeatureEnabled(posthog.FeatureFlagPayload{Key: "new-ui", DistinctId: "u1"})
	if err != nil || on != false {
		t.Fatalf("IsFeatureEnabled = %v, %v", on, err)
	}
	flags, err := client.GetAllFlags(posthog.FeatureFlagPayloadNoKey{DistinctId: "u1"})
	if err != nil || len(flags) != 0 {
		t.Fatalf("GetAllFlags = %v, %v", flags, err)
	}
	if len(log.problems) != 0 {
		t.Fatalf("posthog-go complained: %q", log.problems)
	}
}
