package datasource

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// The mapping presets Mapping.Preset selects.
const (
	// PresetAuto picks TimeTracker 5.x when the store holds OTLP records
	// from service.name=timetracker, else TimeTracker 4.x. It is the
	// default ("" means the same).
	PresetAuto = "auto"
	// PresetTimeTracker4 is DefaultMapping: TimeTracker up to 4.x, which
	// sent PostHog events.
	PresetTimeTracker4 = "timetracker4"
	// PresetTimeTracker5 is TimeTracker5Mapping: TimeTracker 5.x, which
	// sends OTLP log records.
	PresetTimeTracker5 = "timetracker5"
)

// TimeTracker5Mapping is TimeTracker 5.x's naming (ARCHITECTURE.md, TimeTracker's data): the
// installation's base telemetry (base_telemetry.heartbeat daily,
// base_telemetry.first_seen once) marks it active and carries
// deployment_type where 4.x said deployment_method; its attributes are
// the installation's person properties (the collector sets them). Product
// events carry install_id, app_version, environment and deployment_method,
// so installation filters reach them through those; the rest of the
// heartbeat's facts (platform, os_version, locale, ...) are not on product
// events. User person properties cannot reach a user in 5.x (analytics.
// identify carries no install_id and sends its dicts as text), so the 4.x
// user properties stay listed as user-only.
func TimeTracker5Mapping() Mapping {
	return Mapping{
		Preset:             PresetTimeTracker5,
		Heartbeat:          []string{"base_telemetry.heartbeat", "base_telemetry.first_seen"},
		Errors:             []string{"error_occurred"},
		Timers:             []string{"timer.started"},
		VersionProperty:    "app_version",
		PlatformProperty:   "platform",
		DeploymentProperty: "deployment_type",
		InstallProperties: map[string]string{
			"deployment_type":       "deployment_method",
			"app_version":           "app_version",
			"install_id":            "install_id",
			"telemetry_fingerprint": "telemetry_fingerprint",
			"platform":              "",
			"os_version":            "",
			"architecture":          "",
			"locale":                "",
			"timezone":              "",
			"release_channel":       "",
			"first_seen_at":         "",
			"last_seen_at":          "",
			"heartbeat_at":          "",
		},
		UserProperties: DefaultUserProperties(),
	}
}

// ParsePreset checks a preset name ("" is PresetAuto).
func ParsePreset(name string) (string, error) {
	switch n := strings.ToLower(strings.TrimSpace(name)); n {
	case "", PresetAuto:
		return PresetAuto, nil
	case PresetTimeTracker4, PresetTimeTracker5:
		return n, nil
	}
	return "", fmt.Errorf("events.preset %q: use auto, %s or %s", name, PresetTimeTracker4, PresetTimeTracker5)
}

// WithPreset returns m moved onto preset p (PresetTimeTracker4 or
// PresetTimeTracker5): every field m leaves at DefaultMapping's value
// takes the preset's value, and every field the config set otherwise
// keeps it, so `events.errors: [...]` still wins over a preset.
func (m Mapping) WithPreset(p string) Mapping {
	base := DefaultMapping()
	target := base
	if p == PresetTimeTracker5 {
		target = TimeTracker5Mapping()
	}
	out := m
	out.Preset = p
	if slices.Equal(m.Heartbeat, base.Heartbeat) {
		out.Heartbeat = slices.Clone(target.Heartbeat)
	}
	if slices.Equal(m.Installation, base.Installation) {
		out.Installation = slices.Clone(target.Installation)
	}
	if slices.Equal(m.Errors, base.Errors) {
		out.Errors = slices.Clone(target.Errors)
	}
	if slices.Equal(m.Timers, base.Timers) {
		out.Timers = slices.Clone(target.Timers)
	}
	if m.VersionProperty == base.VersionProperty {
		out.VersionProperty = target.VersionProperty
	}
	if m.PlatformProperty == base.PlatformProperty {
		out.PlatformProperty = target.PlatformProperty
	}
	if m.DeploymentProperty == base.DeploymentProperty {
		out.DeploymentProperty = target.DeploymentProperty
	}
	if reflect.DeepEqual(m.InstallProperties, base.InstallProperties) {
		out.InstallProperties = maps.Clone(target.InstallProperties)
	}
	if slices.Equal(m.UserProperties, base.UserProperties) {
		out.UserProperties = slices.Clone(target.UserProperties)
	}
	return out
}

// PresetName is how `ttmon check` names a preset.
func PresetName(p string) string {
	switch p {
	case PresetTimeTracker5:
		return "TimeTracker 5.x (OTLP)"
	case PresetTimeTracker4:
		return "TimeTracker 4.x (PostHog)"
	}
	return p
}
