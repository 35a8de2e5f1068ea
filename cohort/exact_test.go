package cohort

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
	fig "github.com/ttmon/ttmon/datasource/figures"
)

// now is the fixed clock: the 24h range is [03-10 12:00, 03-11 12:00) UTC
// and the previous period [03-09 12:00, 03-10 12:00).
var now = time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC)

func at(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, time.UTC) }

type M = map[string]any

// fleet is four installations and three users. Every figure of TestExact
// is counted by hand from this list.
//
//	person  person properties ($set)                             events in range
//	iA      current_version 4.9.1, deployment_method docker       hA1 hb 4.9.1 Linux docker; eA error 4.9.1
//	iB      current_version 4.9.0, docker, environment "self hosted"  hB hb 4.9.0 Linux docker
//	iC      current_version 4.9.1, native                         hC hb 4.9.1 Windows native; eC error 4.9.1
//	iD      current_version 4.8.0 (no deployment_method)          hD hb 4.8.0 Darwin
//	u1      is_admin true, auth_method oidc                       id; t 4.9.1 docker x2; e 4.9.1
//	u2      is_admin true, auth_method local                      id; t 4.9.0 docker; e 4.9.0
//	u3      is_admin false, auth_method oidc                      id; t 4.9.1 native
//
// Previous period: hA0 (iA, 4.9.0 Linux docker) and hD0 (iD, 4.8.0 Darwin).
func fleet() []embedded.Event {
	hb := func(id string, ts time.Time, v, platform, deploy string, set M) embedded.Event {
		p := M{"app_version": v, "platform": platform}
		if deploy != "" {
			p["deployment_method"] = deploy
		}
		if set != nil {
			p["$set"] = set
		}
		return embedded.Event{Name: "telemetry.health", DistinctID: id, Timestamp: ts, Properties: p}
	}
	ev := func(name, id string, ts time.Time, p M) embedded.Event {
		return embedded.Event{Name: name, DistinctID: id, Timestamp: ts, Properties: p}
	}
	return []embedded.Event{
		hb("iA", at(10, 6, 0), "4.9.0", "Linux", "docker", M{"current_version": "4.9.0", "deployment_method": "docker"}),
		hb("iD", at(10, 8, 0), "4.8.0", "Darwin", "", nil),
		hb("iA", at(11, 1, 0), "4.9.1", "Linux", "docker", M{"current_version": "4.9.1"}),
		ev("error_occurred", "iA", at(11, 2, 0), M{"app_version": "4.9.1", "error_type": "DB", "error_message": "database is locked"}),
		hb("iB", at(11, 3, 0), "4.9.0", "Linux", "docker", M{"current_version": "4.9.0", "deployment_method": "docker", "environment": "self hosted"}),
		hb("iC", at(11, 4, 0), "4.9.1", "Windows", "native", M{"current_version": "4.9.1", "deployment_method": "native"}),
		ev("error_occurred", "iC", at(11, 5, 0), M{"app_version": "4.9.1", "error_type": "Crash"}),
		hb("iD", at(11, 6, 0), "4.8.0", "Darwin", "", M{"current_version": "4.8.0"}),
		ev("$identify", "u1", at(11, 0, 30), M{"$set": M{"is_admin": true, "auth_method": "oidc"}}),
		ev("timer.started", "u1", at(11, 7, 0), M{"app_version": "4.9.1", "deployment_method": "docker"}),
		ev("timer.started", "u1", at(11, 8, 0), M{"app_version": "4.9.1", "deployment_method": "docker"}),
		ev("error_occurred", "u1", at(11, 8, 30), M{"app_version": "4.9.1", "error_type": "DB"}),
		ev("$identify", "u2", at(11, 0, 40), M{"$set": M{"is_admin": true, "auth_method": "local"}}),
		ev("timer.started", "u2", at(11, 9, 0), M{"app_version": "4.9.0", "deployment_method": "docker"}),
		ev("error_occurred", "u2", at(11, 9, 30), M{"app_version": "4.9.0", "error_type": "Crash"}),
		ev("$identify", "u3", at(11, 0, 50), M{"$set": M{"is_admin": false, "auth_method": "oidc"}}),
		ev("timer.started", "u3", at(11, 10, 0), M{"app_version": "4.9.1", "deployment_method": "native"}),
	}
}

func fleetStore(t testing.TB) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(filepath.Join(t.TempDir(), "e.db"), embedded.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Ingest(context.Background(), fleet()); err != nil {
		t.Fatal(err)
	}
	return s
}

// figures is every headline number of a Snapshot.
type figures struct {
	Events, Active, Previous int64
	Versions                 map[string]int64
	Errors                   int64
	PerInstall               float64
	ByVersion                []datasource.VersionCount
	Timers                   int64
}

func figuresOf(s *datasource.Snapshot) figures {
	f := figures{Events: s.Totals.Events, Active: s.Installs.Active, Previous: s.Installs.Previous,
		Versions: map[string]int64{}, Errors: s.Errors.Total, PerInstall: s.Errors.PerInstall,
		ByVersion: s.Errors.ByVersion, Timers: s.Timers.Total}
	for _, v := range s.Versions {
		f.Versions[v.Version] = v.Installs
	}
	if len(f.ByVersion) == 0 {
		f.ByVersion = nil
	}
	return f
}

func vc(v string, n int64) datasource.VersionCount {
	return datasource.VersionCount{Version: v, Errors: n}
}

func query(t testing.TB, fs []datasource.Filter) datasource.Query {
	r, err := datasource.ParseRange("24h", now)
	if err != nil {
		t.Fatal(err)
	}
	return datasource.Query{Range: r, Filters: fs, TZ: "UTC"}
}

func parse(t testing.TB, exprs ...string) []datasource.Filter {
	t.Helper()
	var out []datasource.Filter
	for _, e := range exprs {
		f, err := datasource.ParseFilter(e)
		if err != nil {
			t.Fatalf("%q: %v", e, err)
		}
		out = append(out, f)
	}
	return out
}

// TestExactFilters: every filter form changes every figure to the value
// counted by hand from fleet's table. Each pane reads a person filter as
// datasource.Mapping.FiltersFor says: errors and timers read an
// installation property from their own event property (deployment_method,
// current_version -> app_version, environment), which fleet's timers carry
// and its errors do not; heartbeats skip user properties (is_admin).
func TestExactFilters(t *testing.T) {
	s := fleetStore(t)
	ctx := context.Background()
	all := figures{Events: 15, Active: 4, Previous: 2, Versions: map[string]int64{"4.9.1": 2, "4.9.0": 1, "4.8.0": 1},
		Errors: 4, PerInstall: 1, ByVersion: []datasource.VersionCount{vc("4.9.1", 3), vc("4.9.0", 1)}, Timers: 4}
	cases := []struct {
		filters []string
		want    figures
	}{
		{nil, all},
		// person iA, iB: hA1 eA hB; previous hA0. No error carries a
		// deployment; the timers of u1 (2) and u2 do.
		{[]string{"deployment_method=docker"}, figures{Events: 3, Active: 2, Previous: 1,
			Versions: map[string]int64{"4.9.1": 1, "4.9.0": 1}, Timers: 3}},
		// Everyone else, including persons without the property; every
		// error (none says docker) and u3's native timer.
		{[]string{"deployment_method != docker"}, figures{Events: 12, Active: 2, Previous: 1,
			Versions: map[string]int64{"4.9.1": 1, "4.8.0": 1}, Errors: 4, PerInstall: 2,
			ByVersion: []datasource.VersionCount{vc("4.9.1", 3), vc("4.9.0", 1)}, Timers: 1}},
		// No person carries app_version: it is the event's. hB hD tU2 eU2; previous hA0 hD0.
		{[]string{"app_version in (4.9.0, 4.8.0)"}, figures{Events: 4, Active: 2, Previous: 2,
			Versions: map[string]int64{"4.9.0": 1, "4.8.0": 1}, Errors: 1, PerInstall: 0.5,
			ByVersion: []datasource.VersionCount{vc("4.9.0", 1)}, Timers: 1}},
		// The rest, $identify (no app_version) included.
		{[]string{"app_version not in (4.9.0, 4.8.0)"}, figures{Events: 11, Active: 2, Previous: 0,
			Versions: map[string]int64{"4.9.1": 2}, Errors: 3, PerInstall: 1.5,
			ByVersion: []datasource.VersionCount{vc("4.9.1", 3)}, Timers: 3}},
		// Errors and timers: every one carries app_version.
		{[]string{"current_version is set"}, figures{Events: 6, Active: 4, Previous: 2,
			Versions: map[string]int64{"4.9.1": 2, "4.9.0": 1, "4.8.0": 1}, Errors: 4, PerInstall: 1,
			ByVersion: []datasource.VersionCount{vc("4.9.1", 3), vc("4.9.0", 1)}, Timers: 4}},
		{[]string{"current_version is not set"}, figures{Events: 9, Versions: map[string]int64{}}},
		{[]string{`environment = "self hosted"`}, figures{Events: 1, Active: 1, Versions: map[string]int64{"4.9.0": 1}}},
		{[]string{"person.auth_method=oidc"}, figures{Events: 6, Versions: map[string]int64{}, Errors: 1,
			ByVersion: []datasource.VersionCount{vc("4.9.1", 1)}, Timers: 3}},
		{[]string{"event.platform=Linux"}, figures{Events: 2, Active: 2, Previous: 1, Versions: map[string]int64{"4.9.1": 1, "4.9.0": 1}}},
		{[]string{"platform=Windows"}, figures{Events: 1, Active: 1, Versions: map[string]int64{"4.9.1": 1}}},
		// The event's own deployment_method: hA1 hB and three timers.
		{[]string{"event.deployment_method=docker"}, figures{Events: 5, Active: 2, Previous: 1,
			Versions: map[string]int64{"4.9.1": 1, "4.9.0": 1}, Timers: 3}},
		// u1 and u2; installations are not narrowed by a user property.
		{[]string{"is_admin = true"}, figures{Events: 7, Active: 4, Previous: 2,
			Versions: map[string]int64{"4.9.1": 2, "4.9.0": 1, "4.8.0": 1}, Errors: 2, PerInstall: 0.5,
			ByVersion: []datasource.VersionCount{vc("4.9.1", 1), vc("4.9.0", 1)}, Timers: 3}},
		// Filters AND together: hA1 eA; u1's two docker timers on 4.9.1.
		{[]string{"deployment_method=docker", "app_version=4.9.1"}, figures{Events: 2, Active: 1,
			Versions: map[string]int64{"4.9.1": 1}, Timers: 2}},
		{[]string{"deployment_method=kubernetes"}, figures{Versions: map[string]int64{}}},
	}
	for _, c := range cases {
		snap, err := s.Snapshot(ctx, query(t, parse(t, c.filters...)))
		if err != nil {
			t.Fatal(err)
		}
		if got := figuresOf(snap); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.filters, got, c.want)
		}
	}
}

// TestExactPresets: each preset resolves against the data (4.9.1 is the
// newest version seen) and changes every figure as counted by hand.
func TestExactPresets(t *testing.T) {
	s := fleetStore(t)
	ctx := context.Background()
	cat := Catalog{}
	src := fig.New(s, datasource.DefaultLatestRule())
	cases := []struct {
		name  string
		exprs []string
		want  figures
	}{
		// iA only; its previous heartbeat counts (person filters read
		// current properties). Timers from docker on 4.9.1: u1's two; no
		// error carries a deployment.
		{DockerOnLatest, []string{"deployment_method=docker", "current_version is latest"}, figures{Events: 2, Active: 1, Previous: 1,
			Versions: map[string]int64{"4.9.1": 1}, Timers: 2}},
		// u1 only: $identify, two timers, one error; users send no heartbeats.
		{AdminsOIDC, []string{"is_admin=true", "auth_method=oidc"}, figures{Events: 4, Versions: map[string]int64{}, Errors: 1,
			ByVersion: []datasource.VersionCount{vc("4.9.1", 1)}, Timers: 2}},
	}
	for _, c := range cases {
		fs, err := cat.ResolveName(ctx, src, c.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := datasource.FilterStrings(fs); !reflect.DeepEqual(got, c.exprs) {
			t.Errorf("%s resolves to %q, want %q", c.name, got, c.exprs)
		}
		snap, err := src.Snapshot(ctx, query(t, fs))
		if err != nil {
			t.Fatal(err)
		}
		if got := figuresOf(snap); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}
