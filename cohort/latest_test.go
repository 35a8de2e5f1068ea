package cohort

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
	fig "github.com/ttmon/ttmon/datasource/figures"
)

// oldFleet is a store whose data ended two months before now: ten docker
// installations on 4.9.1, four native ones, and one event claiming 5.0.0
// from an installation nobody else ever saw.
func oldFleet(t *testing.T) (*embedded.Store, time.Time) {
	t.Helper()
	s, err := embedded.Open(filepath.Join(t.TempDir(), "e.db"), embedded.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	day := now.Add(-60 * 24 * time.Hour).Truncate(24 * time.Hour)
	var evs []embedded.Event
	for i := range 14 {
		deploy := "docker"
		if i >= 10 {
			deploy = "native"
		}
		evs = append(evs, hbAt(fmt.Sprintf("i%02d", i), day.Add(time.Duration(i)*time.Hour), "4.9.1", deploy))
	}
	evs = append(evs, hbAt("stray", day.Add(20*time.Hour), "5.0.0", "docker"))
	if _, err := s.Ingest(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	return s, day
}

func hbAt(id string, ts time.Time, version, deploy string) embedded.Event {
	return embedded.Event{Name: "telemetry.health", DistinctID: id, Timestamp: ts, Properties: M{
		"app_version": version, "deployment_method": deploy,
		"$set": M{"current_version": version, "deployment_method": deploy},
	}}
}

// TestLatestFollowsTheQueryRange: on a store whose data is older than 30
// days, "Docker users on latest" over those dates finds the ten docker
// installations on 4.9.1 (it failed with "no app_version seen in the last
// 30 days"), and the stray 5.0.0 takes over neither the ★ nor the cohort.
func TestLatestFollowsTheQueryRange(t *testing.T) {
	store, day := oldFleet(t)
	src := fig.New(store, datasource.DefaultLatestRule())
	ctx := context.Background()
	fs, err := Catalog{}.ResolveName(ctx, src, DockerOnLatest)
	if err != nil {
		t.Fatalf("resolving the preset: %v", err)
	}
	q := datasource.Query{Range: datasource.CustomRange(day, day.Add(24*time.Hour)), Filters: fs, TZ: "UTC"}
	snap, err := src.Snapshot(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Installs.Active != 10 || snap.Latest.Version != "4.9.1" || snap.Latest.Rule != datasource.LatestThreshold {
		t.Errorf("docker on latest over the old dates: %d active, latest %+v; want 10 on 4.9.1 by threshold", snap.Installs.Active, snap.Latest)
	}
	if got := datasource.FilterStrings(snap.Query.Filters); got[1] != "current_version is latest" {
		t.Errorf("the snapshot's query says %q: it must keep `is latest`", got)
	}
	// The whole fleet over those dates: the ★ stays on 4.9.1.
	snap, err = src.Snapshot(ctx, datasource.Query{Range: q.Range, TZ: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range snap.Versions {
		if v.Latest != (v.Version == "4.9.1") {
			t.Errorf("version %s latest=%v", v.Version, v.Latest)
		}
	}
	// The last 24h hold nothing: no error, an empty cohort.
	r, _ := datasource.ParseRange("24h", now)
	snap, err = src.Snapshot(ctx, datasource.Query{Range: r, Filters: fs})
	if err != nil || snap.Installs.Active != 0 || snap.Latest.Rule != datasource.LatestNone {
		t.Errorf("empty range: %v, %+v", err, snap)
	}
}

// TestLatestRollout: a genuine release takes over "latest", and the
// cohort, once enough installations run it.
func TestLatestRollout(t *testing.T) {
	store, day := oldFleet(t)
	ctx := context.Background()
	rule := datasource.LatestRule{MinInstalls: 5, MinShare: 0.2}
	fs := parse(t, "deployment_method=docker", "current_version is latest")
	rng := datasource.CustomRange(day, day.Add(48*time.Hour))
	for i, want := range []string{"4.9.1", "4.9.1", "5.0.0"} {
		if i > 0 { // two docker installations upgrade per step (the stray is the third on 5.0.0)
			up := day.Add(30 * time.Hour)
			if _, err := store.Ingest(ctx, []embedded.Event{
				hbAt(fmt.Sprintf("i%02d", 2*i-2), up, "5.0.0", "docker"),
				hbAt(fmt.Sprintf("i%02d", 2*i-1), up, "5.0.0", "docker"),
			}); err != nil {
				t.Fatal(err)
			}
		}
		src := fig.New(store, rule) // a fresh decorator: nothing remembered
		snap, err := src.Snapshot(ctx, datasource.Query{Range: rng, Filters: fs})
		if err != nil {
			t.Fatal(err)
		}
		if snap.Latest.Version != want {
			t.Errorf("step %d: latest %+v, want %s", i, snap.Latest, want)
		}
		for _, v := range snap.Versions {
			if v.Version != want {
				t.Errorf("step %d: the cohort holds %s installations", i, v.Version)
			}
		}
	}
}
