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
