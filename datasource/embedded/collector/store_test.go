package collector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posthog/posthog-go"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
)

// TestIntoRealStore runs the whole path: posthog-go and a raw
// posthog-python-shaped request -> collector -> embedded store on a temp
// file, then reads the result back through the store's Source methods.
func TestIntoRealStore(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	store, err := embedded.Open(filepath.Join(t.TempDir(), "ttmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	}()
	c := New(store, WithTokens(testToken), WithClock(func() time.Time { return now }))
	srv := httptest.NewServer(c)
	defer srv.Close()

	client, log, cb := newPosthogClient(t, srv.URL, posthog.Config{Compression: posthog.CompressionGzip})
	hb := func(uuid, id, version, deploy string, at time.Time) posthog.Capture {
		return posthog.Capture{Uuid: uuid, DistinctId: id, Event: "telemetry.health", Timestamp: at,
			Properties: posthog.NewProperties().Set("app_version", version).Set("platform", "Linux").
				Set("deployment_method", deploy).
				Set("$set", map[string]any{"$set": map[string]any{"deployment_method": deploy, "current_version": version}})}
	}
	for _, m := range []posthog.Message{
		hb("0193b6e4-1f2a-7c3d-8e4f-00000000000a", "fp-a", "4.2.0", "docker", now.Add(-2*time.Hour)),
		hb("0193b6e4-1f2a-7c3d-8e4f-00000000000b", "fp-b", "4.1.0", "native", now.Add(-90*time.Minute)),
		hb("0193b6e4-1f2a-7c3d-8e4f-00000000000a", "fp-a", "4.2.0", "docker", now.Add(-2*time.Hour)), // a retry
		posthog.Capture{DistinctId: "fp-a", Event: "error_occurred", Timestamp: now.Add(-time.Hour),
			Properties: posthog.NewProperties().Set("app_version", "4.2.0").Set("error_type", "DB")},
	} {
		if err := client.Enqueue(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	if cb.success != 4 || len(log.problems) != 0 {
		t.Fatalf("posthog-go: %d delivered, log %q", cb.success, log.problems)
	}
	// posthog-python, as TimeTracker sends it: a third installation.
	py := `{"api_key":"` + testToken + `","sentAt":"` + now.Format(time.RFC3339) + `","batch":[
	  {"event":"telemetry.health","distinct_id":"fp-c","timestamp":"` + now.Add(-30*time.Minute).Format(time.RFC3339Nano) + `",
	   "properties":{"app_version":"4.2.0","platform":"Windows","deployment_method":"docker",
	     "$set":{"$set":{"deployment_method":"docker"},"$set_once":{"first_seen_version":"4.0.0"}}},
	   "uuid":"0193b6e4-1f2a-7c3d-8e4f-00000000000c"}]}`
	res, err := http.Post(srv.URL+"/batch/", "application/json", strings.NewReader(py))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("python batch: %d", res.StatusCode)
	}

	if s := c.Stats(); s.EventsStored != 4 || s.EventsDuplicate != 1 {
		t.Fatalf("collector stats %+v", s)
	}
	checkStoreContents(t, store, now)
}

func checkStoreContents(t *testing.T, store *embedded.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	r, err := datasource.ParseRange("24h", now)
	if err != nil {
		t.Fatal(err)
	}
	q := datasource.Query{Range: r}
	evs, err := store.Events(ctx, datasource.EventsQuery{Query: q, Kind: datasource.KindHeartbeat})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("heartbeats %+v", evs)
	}
	newest := evs[0]
	if newest.DistinctID != "fp-c" || newest.UUID != "0193b6e4-1f2a-7c3d-8e4f-00000000000c" ||
		!newest.Time.Equal(now.Add(-30*time.Minute)) || newest.Properties["platform"] != "Windows" {
		t.Fatalf("newest heartbeat %+v", newest)
	}
	snap, err := store.Snapshot(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Totals.Events != 4 || snap.Installs.Active != 3 || snap.Errors.Total != 1 {
		t.Fatalf("snapshot totals %+v installs %+v errors %+v", snap.Totals, snap.Installs, snap.Errors)
	}
	// The nested TimeTracker $set reached the person profiles.
	f, err := datasource.ParseFilter("person.deployment_method = docker")
	if err != nil {
		t.Fatal(err)
	}
	snap, err = store.Snapshot(ctx, q.WithFilters(f))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Installs.Active != 2 {
		t.Fatalf("docker installations %d, want 2 (fp-a, fp-c)", snap.Installs.Active)
	}
}
