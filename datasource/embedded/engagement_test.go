package embedded

import (
	"slices"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// TestEngagementCountsUsers: the built-in engagement dashboard's Active
// users counts each user once, and neither it nor Feature usage counts
// the installation. TimeTracker's $identify carries no install_id, so a
// user who logged in was counted once under (install_id, id) and again
// under the bare id; installations' health pings made the installation a
// "user" and its telemetry a "feature". Both engines answer.
func TestEngagementCountsUsers(t *testing.T) {
	s := openTest(t)
	ts := clock0.Add(-3 * time.Hour)
	evs := []Event{
		{Name: "telemetry.health", DistinctID: "inst-1", Timestamp: ts,
			Properties: M{"install_id": "I1", "app_version": "4.9.1", "$set": M{"deployment_method": "docker"}}},
	}
	for _, u := range []string{"1", "2"} {
		evs = append(evs,
			Event{Name: "$identify", DistinctID: u, Timestamp: ts.Add(time.Minute), Properties: M{"$set": M{"role": "user"}}},
			Event{Name: "$pageview", DistinctID: u, Timestamp: ts.Add(2 * time.Minute), Properties: M{"install_id": "I1"}},
			Event{Name: "timer.started", DistinctID: u, Timestamp: ts.Add(3 * time.Minute), Properties: M{"install_id": "I1"}})
	}
	mustIngest(t, s, evs...)
	var engagement datasource.Dashboard
	for _, d := range builtinDashboards(t) {
		if d.Name == "engagement" {
			engagement = d
		}
	}
	q := dashboardQuery(t, engagement, "24h", false)
	snap := sameOnBoth(t, s, "engagement", snapOn(s, q))
	for i, pq := range q.Panes {
		p := snap.Panes[i]
		switch pq.Spec.ID {
		case "dau":
			if p.Total != 2 {
				t.Errorf("Active users: %v, want 2 (two users, one installation)", p.Total)
			}
		case "features":
			var cats []string
			for _, g := range p.Groups {
				cats = append(cats, g.Key[0])
			}
			slices.Sort(cats)
			if want := []string{"$identify", "$pageview", "timer"}; !slices.Equal(cats, want) {
				t.Errorf("Feature usage by category: %v, want %v (no installation telemetry)", cats, want)
			}
		}
	}
}

// TestInstallationEventsUnderUserFilter: the health dashboard under a
// user-only person filter (role=admin). An installation sends its
// telemetry.install and telemetry.update as itself, like its heartbeats,
// so the panes of those events are not narrowed by the filter and say so,
// as Active installations does; they read 0 when they took the product
// events' rule (the installation has no role).
func TestInstallationEventsUnderUserFilter(t *testing.T) {
	s := openTest(t)
	ts := clock0.Add(-3 * time.Hour)
	inst := M{"install_id": "I1", "app_version": "4.9.1", "platform": "Linux", "deployment_method": "docker"}
	mustIngest(t, s,
		Event{Name: "telemetry.install", DistinctID: "inst-1", Timestamp: ts, Properties: inst},
		Event{Name: "telemetry.health", DistinctID: "inst-1", Timestamp: ts.Add(time.Minute), Properties: inst},
		Event{Name: "telemetry.update", DistinctID: "inst-1", Timestamp: ts.Add(2 * time.Minute),
			Properties: M{"install_id": "I1", "old_version": "4.8.0", "new_version": "4.9.1"}},
		Event{Name: "$identify", DistinctID: "1", Timestamp: ts.Add(3 * time.Minute), Properties: M{"$set": M{"role": "admin"}}},
		Event{Name: "timer.started", DistinctID: "1", Timestamp: ts.Add(4 * time.Minute), Properties: M{"install_id": "I1"}})
	var health datasource.Dashboard
	for _, d := range builtinDashboards(t) {
		if d.Name == "health" {
			health = d
		}
	}
	q := dashboardQuery(t, health, "24h", false)
	q.Filters = []datasource.Filter{{Scope: datasource.ScopePerson, Key: "role", Op: datasource.OpEq, Values: []string{"admin"}}}
	snap := sameOnBoth(t, s, "health under role=admin", snapOn(s, q))
	want := map[string]float64{"updates": 1, "adoption": 1, "new_installs": 1, "platforms": 1}
	for i, pq := range q.Panes {
		w, ok := want[pq.Spec.ID]
		if !ok {
			continue
		}
		p := snap.Panes[i]
		if p.Total != w {
			t.Errorf("%s: total %v under role=admin, want %v (the installation's own events)", pq.Spec.ID, p.Total, w)
		}
		if !slices.Contains(p.NotNarrowed, "person.role=admin") {
			t.Errorf("%s: NotNarrowed %q, want it to name person.role=admin", pq.Spec.ID, p.NotNarrowed)
		}
	}
}
