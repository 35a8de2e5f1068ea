package datasource

import (
	"reflect"
	"slices"
	"testing"
)

func TestFiltersFor(t *testing.T) {
	m := DefaultMapping()
	docker := Filter{Scope: ScopePerson, Key: "deployment_method", Op: OpEq, Values: []string{"docker"}}
	admin := Filter{Scope: ScopePerson, Key: "is_admin", Op: OpEq, Values: []string{"true"}}
	auth := Filter{Scope: ScopePerson, Key: "auth_method", Op: OpIn, Values: []string{"oidc", "both"}}
	plat := Filter{Scope: ScopePerson, Key: "current_platform", Op: OpEq, Values: []string{"Linux"}}
	ev := Filter{Scope: ScopeEvent, Key: "error_type", Op: OpEq, Values: []string{"x"}}
	ver := Filter{Scope: ScopePerson, Key: "current_version", Op: OpNotIn, Values: []string{"4.9.0"}}
	all := []Filter{docker, admin, auth, plat, ev, ver}

	hb := m.FiltersFor(KindHeartbeat, all)
	if want := []Filter{docker, auth, plat, ev, ver}; !reflect.DeepEqual(hb.Apply, want) {
		t.Errorf("heartbeat apply = %v, want %v", hb.Apply, want)
	}
	if want := []Filter{admin}; !reflect.DeepEqual(hb.Skipped, want) {
		t.Errorf("heartbeat skipped = %v, want %v", hb.Skipped, want)
	}

	er := m.FiltersFor(KindError, all)
	dockerEv := Filter{Scope: ScopeEvent, Key: "deployment_method", Op: OpEq, Values: []string{"docker"}}
	verEv := Filter{Scope: ScopeEvent, Key: "app_version", Op: OpNotIn, Values: []string{"4.9.0"}}
	if want := []Filter{dockerEv, admin, auth, ev, verEv}; !reflect.DeepEqual(er.Apply, want) {
		t.Errorf("error apply = %v, want %v", er.Apply, want)
	}
	if want := []Filter{plat}; !reflect.DeepEqual(er.Skipped, want) {
		t.Errorf("error skipped = %v, want %v", er.Skipped, want)
	}

	any := m.FiltersFor(KindAny, all)
	if !reflect.DeepEqual(any.Apply, all) || any.Skipped != nil {
		t.Errorf("any = %+v, want every filter as written", any)
	}
	er.Apply[0].Values[0] = "changed"
	if docker.Values[0] != "docker" {
		t.Error("FiltersFor shares value slices with its input")
	}
}

func TestPaneKindInstallationEvents(t *testing.T) {
	m := DefaultMapping()
	for _, c := range []struct {
		events     []string
		kind       EventKind
		heartbeats bool
	}{
		{[]string{EventsHeartbeat}, KindHeartbeat, true},
		{[]string{"telemetry.update"}, KindHeartbeat, false},
		{[]string{"telemetry.install", EventsHeartbeat}, KindHeartbeat, false},
		{[]string{"telemetry.update", "timer.started"}, KindTimer, false},
		{[]string{EventsErrors}, KindTimer, false},
		{[]string{AllEvents}, KindTimer, false},
	} {
		p := PaneSpec{Events: c.events}
		if k := m.PaneKind(p); k != c.kind {
			t.Errorf("PaneKind(%v) = %v, want %v", c.events, k, c.kind)
		}
		if h := m.HeartbeatsOnly(p); h != c.heartbeats {
			t.Errorf("HeartbeatsOnly(%v) = %v, want %v", c.events, h, c.heartbeats)
		}
	}
	// A config that names its own installation events keeps them under a preset.
	own := DefaultMapping()
	own.Installation = []string{"app.upgraded"}
	if got := own.WithPreset(PresetTimeTracker5).Installation; !slices.Equal(got, own.Installation) {
		t.Errorf("WithPreset dropped the config's installation events: %v", got)
	}
}
