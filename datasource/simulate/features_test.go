package simulate

import (
	"strings"
	"testing"
	"time"
)

// role each user's identify set.
type roleCounts struct {
	role   map[string]string // distinct id -> role
	events map[string]map[string]int
}

// TestUsersActByRole: admins create projects and clients and export more
// than plain users per head, both roles do both, and every user carries
// role, is_admin and auth_method as TimeTracker's identify sets them.
func TestUsersActByRole(t *testing.T) {
	rc := roleCounts{role: map[string]string{}, events: map[string]map[string]int{}}
	logins := map[string]int{}
	for e := range defaultModel().Backfill(testNow.Add(-week), testNow) {
		if e.Kind == KindIdentify && e.Set["role"] != nil {
			role, _ := e.Set["role"].(string)
			admin, _ := e.Set["is_admin"].(bool)
			if (role == "admin") != admin || e.Set["auth_method"] == nil {
				t.Fatalf("user %s: role %v, is_admin %v, auth_method %v", e.DistinctID, e.Set["role"], e.Set["is_admin"], e.Set["auth_method"])
			}
			rc.role[e.DistinctID] = role
			continue
		}
		if e.Name == EventLogin {
			logins[e.Properties["auth_method"].(string)]++
		}
		role := rc.role[e.DistinctID]
		if role == "" {
			continue
		}
		if rc.events[e.Name] == nil {
			rc.events[e.Name] = map[string]int{}
		}
		rc.events[e.Name][role]++
	}
	heads := map[string]int{}
	for _, r := range rc.role {
		heads[r]++
	}
	perHead := func(name, role string) float64 { return float64(rc.events[name][role]) / float64(heads[role]) }
	for _, name := range []string{"project.created", "client.created", EventExportCSV, EventExportExcel} {
		t.Logf("%s: admins %d (%.2f per head), users %d (%.2f per head)", name,
			rc.events[name]["admin"], perHead(name, "admin"), rc.events[name]["user"], perHead(name, "user"))
		if rc.events[name]["admin"] == 0 || rc.events[name]["user"] == 0 {
			t.Errorf("%s: want both roles, got %v", name, rc.events[name])
		}
		if perHead(name, "admin") < 2*perHead(name, "user") {
			t.Errorf("%s: admins %.2f per head, users %.2f: admins should do it at least twice as often",
				name, perHead(name, "admin"), perHead(name, "user"))
		}
	}
	t.Logf("auth.login by method: %v", logins)
	if logins["local"] <= logins["oidc"]+logins["ldap"] || logins["oidc"] == 0 || logins["ldap"] == 0 || logins["both"] != 0 {
		t.Errorf("auth.login methods %v: want mostly local, some oidc and ldap, never both", logins)
	}
}

// TestFeatureUsageHasCategories: a week holds the product events
// TimeTracker sends, in several first segments, with timers the largest
// product category and every feature present.
func TestFeatureUsageHasCategories(t *testing.T) {
	names, cats := map[string]int{}, map[string]int{}
	for e := range defaultModel().Backfill(testNow.Add(-week), testNow) {
		if e.Kind != KindCapture || strings.HasPrefix(e.Name, "$") {
			continue
		}
		names[e.Name]++
		cat, _, _ := strings.Cut(e.Name, ".")
		cats[cat]++
	}
	t.Logf("categories: %v", cats)
	for _, name := range append(FeatureEvents(), EventLogout) {
		if names[name] == 0 {
			t.Errorf("no %s in a week", name)
		}
	}
	for _, cat := range []string{"timer", "project", "task", "export", "auth", "report", "client"} {
		if cats[cat] == 0 {
			t.Errorf("no %s.* events in a week", cat)
		}
	}
	for cat, n := range cats {
		if cat != "timer" && cat != "telemetry" && n >= cats["timer"] {
			t.Errorf("%s.* (%d) outnumbers timer.* (%d)", cat, n, cats["timer"])
		}
	}
}

// TestInstallAndUpdatePings: telemetry.install comes once per installation,
// when it first appears, with the properties TimeTracker's ping carries;
// telemetry.update rolls out over several days after the newest release.
func TestInstallAndUpdatePings(t *testing.T) {
	m := defaultModel()
	rels := m.Releases()
	newest := rels[len(rels)-1]
	installs := map[string]int{}
	days := map[string]int{}
	for e := range m.Backfill(testNow.Add(-week), testNow) {
		switch e.Name {
		case EventInstall:
			installs[e.DistinctID]++
			for _, k := range []string{"app_version", "platform", "deployment_method", "python_version", "environment"} {
				if v, _ := e.Properties[k].(string); v == "" {
					t.Fatalf("telemetry.install without %s: %v", k, e.Properties)
				}
			}
		case EventHealth:
			if installs[e.DistinctID] == 0 && testNow.Sub(e.Timestamp) > week-time.Hour {
				installs[e.DistinctID] = -1 // running before the window: no install ping in it
			}
		case EventUpdate:
			if e.Properties["new_version"] == newest.Version {
				days[e.Timestamp.Format(time.DateOnly)]++
			}
		}
	}
	n := 0
	for fp, c := range installs {
		if c > 1 {
			t.Errorf("installation %s sent %d telemetry.install", fp[:8], c)
		}
		if c == 1 {
			n++
		}
	}
	t.Logf("%d telemetry.install; updates to %s by day: %v", n, newest.Version, days)
	if n < 5 {
		t.Errorf("only %d new installations in a week", n)
	}
	busy := 0
	for _, c := range days {
		if c >= 10 {
			busy++
		}
	}
	if busy < 3 {
		t.Errorf("updates to %s by day %v: want a roll-out over at least 3 days", newest.Version, days)
	}
}
