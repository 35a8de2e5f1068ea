package datasource

import (
	"slices"
	"testing"
)

func TestWithPreset(t *testing.T) {
	m := DefaultMapping().WithPreset(PresetTimeTracker5)
	if m.Preset != PresetTimeTracker5 || m.DeploymentProperty != "deployment_type" ||
		!slices.Equal(m.Heartbeat, []string{"base_telemetry.heartbeat", "base_telemetry.first_seen"}) ||
		m.InstallProperties["deployment_type"] != "deployment_method" {
		t.Fatalf("5.x preset %+v", m)
	}
	// A field the config set keeps its value.
	custom := DefaultMapping()
	custom.Errors = []string{"my_error"}
	custom.DeploymentProperty = "deploy"
	m = custom.WithPreset(PresetTimeTracker5)
	if !slices.Equal(m.Errors, []string{"my_error"}) || m.DeploymentProperty != "deploy" || m.Timers[0] != "timer.started" {
		t.Fatalf("overrides lost: %+v", m)
	}
	if back := DefaultMapping().WithPreset(PresetTimeTracker4); back.DeploymentProperty != "deployment_method" || back.Preset != PresetTimeTracker4 {
		t.Fatalf("4.x preset %+v", back)
	}
	// The preset's filters: a docker cohort reaches product events.
	f := Filter{Scope: ScopePerson, Key: "deployment_type", Op: OpEq, Values: []string{"docker"}}
	pf := TimeTracker5Mapping().FiltersFor(KindTimer, []Filter{f})
	if len(pf.Apply) != 1 || pf.Apply[0].Key != "deployment_method" || pf.Apply[0].Scope != ScopeEvent {
		t.Fatalf("FiltersFor %+v", pf)
	}
}

func TestParsePreset(t *testing.T) {
	for in, want := range map[string]string{"": PresetAuto, " Auto ": PresetAuto, "timetracker5": PresetTimeTracker5, "TimeTracker4": PresetTimeTracker4} {
		if got, err := ParsePreset(in); err != nil || got != want {
			t.Errorf("ParsePreset(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParsePreset("tt6"); err == nil {
		t.Fatal("tt6 accepted")
	}
}
