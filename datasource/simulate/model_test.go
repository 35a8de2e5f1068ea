package simulate

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// testNow is a Wednesday afternoon in UTC, so a 7-day window holds one
// weekend and ends in European working hours.
var testNow = time.Date(2026, 3, 11, 15, 4, 5, 0, time.UTC)

const week = 7 * 24 * time.Hour

func defaultModel() *Model {
	return NewModel(ModelConfig{Seed: 1, Now: testNow, Installs: 500, Users: 2000})
}

// streamHash serialises every event (maps with sorted keys, as
// encoding/json writes them) into one digest and counts the events.
func streamHash(t *testing.T, events func(func(Event) bool)) (string, int) {
	t.Helper()
	h := sha256.New()
	n := 0
	enc := json.NewEncoder(h)
	for e := range events {
		type wire struct {
			Event
			UUID string
		}
		if err := enc.Encode(wire{e, e.UUID.String()}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	return fmt.Sprintf("%x", h.Sum(nil)), n
}

func TestDeterministic(t *testing.T) {
	cfg := ModelConfig{Seed: 42, Now: testNow, Installs: 60, Users: 240}
	from := testNow.Add(-3 * 24 * time.Hour)
	a, n := streamHash(t, NewModel(cfg).Backfill(from, testNow))
	b, _ := streamHash(t, NewModel(cfg).Backfill(from, testNow))
	if a != b {
		t.Fatal("same seed and clock gave different event streams")
	}
	if n < 1000 {
		t.Fatalf("only %d events; the comparison proves little", n)
	}
	// Reading the same window in several Until calls changes nothing.
	s := NewModel(cfg).Stream(from)
	split, _ := streamHash(t, func(yield func(Event) bool) {
		for _, to := range []time.Time{from.Add(7 * time.Hour), from.Add(30 * time.Hour), testNow} {
			for e := range s.Until(to) {
				if !yield(e) {
					return
				}
			}
		}
	})
	if split != a {
		t.Fatal("splitting the window into several Until calls changed the stream")
	}
	cfg.Seed = 43
	if c, _ := streamHash(t, NewModel(cfg).Backfill(from, testNow)); c == a {
		t.Fatal("another seed gave the same stream")
	}
}

func TestStreamOrderIDsAndVolume(t *testing.T) {
	var last time.Time
	seen := map[UUID]bool{}
	names := map[string]int{}
	n := 0
	for e := range defaultModel().Backfill(testNow.Add(-week), testNow) {
		if e.Timestamp.Before(last) {
			t.Fatalf("event %d (%s) at %v is before the previous one at %v", n, e.Name, e.Timestamp, last)
		}
		last = e.Timestamp
		if seen[e.UUID] {
			t.Fatalf("duplicate uuid %v", e.UUID)
		}
		seen[e.UUID] = true
		if e.DistinctID == "" || e.Name == "" {
			t.Fatalf("event without name or distinct id: %+v", e)
		}
		names[e.Name]++
		n++
	}
	// The volume check of the brief: 500 installs x 7 days sends fast.
	if n < 100_000 || n > 220_000 {
		t.Errorf("500 installs x 7 days gave %d events, want 100k-220k", n)
	}
	m := datasource.DefaultMapping()
	want := slices.Concat(m.Heartbeat, m.Errors, m.Timers, []string{
		EventInstall, EventUpdate, EventLogin, EventTimerStopped, EventTimerResumed,
		EventExportCSV, EventExportExcel, EventPageview, EventLogout, "project.created", "task.created", "report.viewed",
		"$identify", "$create_alias", "$groupidentify"})
	for _, name := range want {
		if names[name] == 0 {
			t.Errorf("no %q events in a week of a 500-install fleet", name)
		}
	}
}

// TestMonitorProperties checks that every event the monitor counts carries
// the properties it groups by.
func TestMonitorProperties(t *testing.T) {
	m := datasource.DefaultMapping()
	heartbeat := map[string]bool{}
	for _, n := range m.Heartbeat {
		heartbeat[n] = true
	}
	product := map[string]bool{}
	for _, n := range slices.Concat(m.Errors, m.Timers) {
		product[n] = true
	}
	checked := 0
	for e := range defaultModel().Backfill(testNow.Add(-2*24*time.Hour), testNow) {
		var keys []string
		switch {
		case heartbeat[e.Name]:
			keys = []string{m.VersionProperty, m.PlatformProperty, m.DeploymentProperty, "install_id", "python_version", "environment"}
		case product[e.Name]:
			keys = []string{m.VersionProperty, m.DeploymentProperty, "install_id", "environment", "$current_url", "$host", "$pathname", "$browser", "$device_type", "$os"}
		default:
			continue
		}
		for _, k := range keys {
			if v, _ := e.Properties[k].(string); v == "" {
				t.Fatalf("%s event of %s has no %s: %v", e.Name, e.DistinctID, k, e.Properties)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no heartbeat, error or timer events")
	}
}

func share(counts map[string]int, key string) float64 {
	total := 0
	for _, n := range counts {
		total += n
	}
	return float64(counts[key]) / float64(total)
}

func TestFleetShares(t *testing.T) {
	m := NewModel(ModelConfig{Seed: 3, Now: testNow, Installs: 2000, Users: 4000})
	platform, deploy, env, auth := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	admins := map[string]bool{}
	seen := map[string]bool{}
	for e := range m.Backfill(testNow.Add(-3*24*time.Hour), testNow) {
		switch {
		case e.Name == EventHealth && !seen[e.DistinctID]:
			seen[e.DistinctID] = true
			platform[e.Properties["platform"].(string)]++
			deploy[e.Properties["deployment_method"].(string)]++
			env[e.Properties["environment"].(string)]++
		case e.Kind == KindIdentify && e.Set["current_version"] != nil && !seen["auth:"+e.DistinctID]:
			seen["auth:"+e.DistinctID] = true
			auth[e.Set["auth_method"].(string)]++
		case e.Kind == KindIdentify && e.Set["role"] != nil:
			admin, ok := e.Set["is_admin"].(bool)
			if !ok {
				t.Fatalf("is_admin is %T, want a JSON bool", e.Set["is_admin"])
			}
			admins[e.DistinctID] = admin
		}
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if got < want-tol || got > want+tol {
			t.Errorf("%s share %.3f, want %.2f +- %.2f", what, got, want, tol)
		}
	}
	t.Logf("platform %v deploy %v env %v auth %v", platform, deploy, env, auth)
	near("Linux", share(platform, "Linux"), 0.80, 0.04)
	near("Windows", share(platform, "Windows"), 0.12, 0.03)
	near("Darwin", share(platform, "Darwin"), 0.08, 0.03)
	near("docker", share(deploy, "docker"), 0.70, 0.04)
	near("production", share(env, "production"), 0.86, 0.04)
	near("oidc installs", share(auth, "oidc"), 0.25, 0.04)
	nAdmin := 0
	for _, a := range admins {
		if a {
			nAdmin++
		}
	}
	if len(admins) < 1500 {
		t.Fatalf("only %d users identified in 3 days", len(admins))
	}
	t.Logf("%d of %d users are admins", nAdmin, len(admins))
	near("is_admin", float64(nAdmin)/float64(len(admins)), 0.10, 0.025)
}
