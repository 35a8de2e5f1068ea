package embedded

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// scopeFleet is two installations and two users, as TimeTracker sends
// them: installations send heartbeats and carry deployment_method,
// current_version and current_platform; users send errors and timers,
// carry is_admin and role, and put the installation's deployment_method
// and app_version on every product event.
func scopeFleet() []Event {
	ev := func(name, did string, h int, props M) Event {
		return Event{Name: name, DistinctID: did, Timestamp: at(h, 0), Properties: props}
	}
	docker := func(extra M) M {
		p := M{"deployment_method": "docker", "app_version": "2.0.0", "install_id": "iD"}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	native := func(extra M) M {
		p := M{"deployment_method": "native", "app_version": "1.9.0", "install_id": "iN"}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	return []Event{
		ev("telemetry.health", "instD", 1, docker(M{"platform": "Linux",
			"$set": M{"deployment_method": "docker", "current_version": "2.0.0", "current_platform": "Linux"}})),
		ev("telemetry.health", "instN", 2, native(M{"platform": "Windows",
			"$set": M{"deployment_method": "native", "current_version": "1.9.0", "current_platform": "Windows"}})),
		ev("error_occurred", "admin", 3, docker(M{"$set": M{"is_admin": true, "role": "admin"}})),
		ev("timer.started", "admin", 4, docker(nil)),
		ev("timer.started", "admin", 5, native(nil)),
		ev("error_occurred", "member", 6, native(M{"$set": M{"is_admin": false, "role": "member"}})),
		ev("error_occurred", "member", 7, docker(nil)),
		ev("$exception", "member", 8, M{"error_type": "Crash"}), // no deployment info
		ev("timer.started", "member", 9, docker(nil)),
	}
}

// TestPaneScopeSnapshot: a person filter narrows each pane in the sense an
// operator means, counted by hand from scopeFleet. Before FiltersFor,
// deployment_method=docker left errors and timers at 0 ("docker installs
// have no errors") and is_admin=true left no active installations.
func TestPaneScopeSnapshot(t *testing.T) {
	s := openTest(t)
	mustIngest(t, s, scopeFleet()...)
	type fig struct {
		events, active, errs, timers int64
		perInstall                   float64
		skipped                      datasource.NotNarrowed
	}
	cases := []struct {
		filters []string
		want    fig
	}{
		{nil, fig{9, 2, 4, 3, 2, datasource.NotNarrowed{}}},
		// Totals keep the person filter (instD's heartbeat); errors 3h
		// and 7h and timers 4h and 9h come from the docker installation.
		{[]string{"deployment_method=docker"}, fig{1, 1, 2, 2, 2, datasource.NotNarrowed{}}},
		{[]string{"deployment_method=native"}, fig{1, 1, 1, 1, 1, datasource.NotNarrowed{}}},
		// != also matches what lacks the property: every event but
		// instD's for the totals (users carry no deployment_method), and
		// the $exception that carries no deployment for errors.
		{[]string{"deployment_method!=docker"}, fig{8, 1, 2, 1, 2, datasource.NotNarrowed{}}},
		// The preset "Docker users on latest", resolved.
		{[]string{"deployment_method=docker", "current_version=2.0.0"}, fig{1, 1, 2, 2, 2, datasource.NotNarrowed{}}},
		{[]string{"current_version=1.9.0"}, fig{1, 1, 1, 1, 1, datasource.NotNarrowed{}}},
		// A user property narrows errors and timers (the admin's 3h; 4h,
		// 5h) and cannot narrow the heartbeats: both installations stay.
		{[]string{"is_admin=true"}, fig{3, 2, 1, 2, 0.5,
			datasource.NotNarrowed{Installs: []string{"person.is_admin=true"}}}},
		{[]string{"is_admin=true", "deployment_method=docker"}, fig{0, 1, 1, 1, 1,
			datasource.NotNarrowed{Installs: []string{"person.is_admin=true"}}}},
		// Product events carry no platform: errors and timers say so.
		{[]string{"current_platform=Linux"}, fig{1, 1, 4, 3, 4,
			datasource.NotNarrowed{Errors: []string{"person.current_platform=Linux"}, Timers: []string{"person.current_platform=Linux"}}}},
		// Event filters apply as written everywhere.
		{[]string{"event.deployment_method=docker"}, fig{5, 1, 2, 2, 2, datasource.NotNarrowed{}}},
	}
	for _, c := range cases {
		name := strings.Join(c.filters, " AND ")
		q := day("", c.filters...)
		snap := sameOnBoth(t, s, name, snapOn(s, q))
		got := fig{snap.Totals.Events, snap.Installs.Active, snap.Errors.Total, snap.Timers.Total, snap.Errors.PerInstall, snap.NotNarrowed}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, c.want)
		}
	}
}

// TestPaneScopeSeries: the translated filter reaches the series, the
// by-hour histogram and errors by version too.
func TestPaneScopeSeries(t *testing.T) {
	s := openTest(t)
	mustIngest(t, s, scopeFleet()...)
	q := day("", "deployment_method=docker")
	snap := sameOnBoth(t, s, "docker", snapOn(s, q))
	r := q.Range
	if want := series(r, map[int]float64{3: 1, 7: 1}); !reflect.DeepEqual(snap.Errors.Series, want) {
		t.Errorf("errors series %v, want %v", snap.Errors.Series, want)
	}
	if want := series(r, map[int]float64{4: 1, 9: 1}); !reflect.DeepEqual(snap.Timers.Series, want) {
		t.Errorf("timers series %v, want %v", snap.Timers.Series, want)
	}
	if snap.Timers.ByHour[4] != 1 || snap.Timers.ByHour[9] != 1 || snap.Timers.ByHour[5] != 0 {
		t.Errorf("by hour %v", snap.Timers.ByHour)
	}
	if want := []datasource.VersionCount{{Version: "2.0.0", Errors: 2}}; !reflect.DeepEqual(snap.Errors.ByVersion, want) {
		t.Errorf("errors by version %v, want %v", snap.Errors.ByVersion, want)
	}
	if want := []datasource.VersionShare{{Version: "2.0.0", Installs: 1, Share: 1, Latest: true}}; !reflect.DeepEqual(snap.Versions, want) {
		t.Errorf("versions %v, want %v", snap.Versions, want)
	}
}

// TestPaneScopeDrills: each drill reads the filters as its family does.
func TestPaneScopeDrills(t *testing.T) {
	s := openTest(t)
	mustIngest(t, s, scopeFleet()...)
	ctx := context.Background()
	docker, admin := day("", "deployment_method=docker"), day("", "is_admin=true")

	errs := sameOnBoth(t, s, "error events", func(e index.Engine) ([]datasource.Event, error) {
		return s.eventsOn(ctx, e, datasource.EventsQuery{Query: docker, Kind: datasource.KindError})
	})
	var got []string
	for _, ev := range errs {
		got = append(got, ev.DistinctID+"@"+ev.Time.Format("15"))
	}
	if want := []string{"member@07", "admin@03"}; !reflect.DeepEqual(got, want) {
		t.Errorf("docker error events %v, want %v", got, want)
	}
	br := sameOnBoth(t, s, "timer breakdown", func(e index.Engine) ([]vc, error) {
		return s.breakdownOn(ctx, e, datasource.BreakdownQuery{Query: docker, Kind: datasource.KindTimer,
			Scope: datasource.ScopePerson, Key: "role", Hour: -1})
	})
	if want := []vc{v("admin", 1), v("member", 1)}; !reflect.DeepEqual(br, want) {
		t.Errorf("docker timers by role %v, want %v", br, want)
	}
	inst := sameOnBoth(t, s, "installations", func(e index.Engine) ([]datasource.Installation, error) {
		return s.installationsOn(ctx, e, datasource.InstallationsQuery{Query: admin})
	})
	if len(inst) != 2 {
		t.Errorf("is_admin=true must not narrow installations (it says so instead): %+v", inst)
	}
	hb := sameOnBoth(t, s, "heartbeat breakdown", func(e index.Engine) ([]vc, error) {
		return s.breakdownOn(ctx, e, datasource.BreakdownQuery{Query: docker, Kind: datasource.KindHeartbeat,
			Scope: datasource.ScopeEvent, Key: "platform", Hour: -1})
	})
	if want := []vc{v("Linux", 1)}; !reflect.DeepEqual(hb, want) {
		t.Errorf("docker heartbeats by platform %v, want %v", hb, want)
	}
}

// TestPaneScopeJSON: `ttmon snapshot --json` names what a pane left out.
func TestPaneScopeJSON(t *testing.T) {
	s := openTest(t)
	mustIngest(t, s, scopeFleet()...)
	snap, err := s.Snapshot(context.Background(), day("", "is_admin=true"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"not_narrowed":{"installs":["person.is_admin=true"]}`; !strings.Contains(string(b), want) {
		t.Fatalf("JSON lacks %s:\n%s", want, b)
	}
}

// TestPaneScopeNeedsNoPropertyIndex: a cohort translated for errors and
// timers filters on the Mapping's own properties, which the index keeps
// per event; it must not read other event properties (pairs, postings).
func TestPaneScopeNeedsNoPropertyIndex(t *testing.T) {
	s := openTest(t)
	mustIngest(t, s, scopeFleet()...)
	engines(t, s) // loaded and caught up
	q := day("", "deployment_method=docker", "current_version=2.0.0", "event.platform!=Windows")
	snap, err := s.snapshotOn(context.Background(), s.idx, q)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Errors.Total != 2 || snap.Timers.Total != 2 {
		t.Fatalf("errors %d timers %d, want 2 and 2", snap.Errors.Total, snap.Timers.Total)
	}
	if s.idx.EventPropsRead() {
		t.Fatal("filters on version, platform and deployment read other event properties")
	}
}
