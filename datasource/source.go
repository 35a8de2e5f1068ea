// Package datasource is ttmon's port to analytics backends: one Source
// interface, the domain types it speaks, and the helpers every adapter shares
// so that all backends compute the same figures the same way.
//
// Adapters live in subpackages (embedded, posthog). The UI and the CLI only
// ever see this package.
package datasource

import (
	"context"
	"slices"
	"time"
)

// Source answers ttmon's questions about TimeTracker installations. Every
// method takes the caller's context first and must return promptly when it is
// cancelled. Implementations are safe for concurrent use.
type Source interface {
	// Snapshot computes all four panes (and the totals) for one query.
	Snapshot(ctx context.Context, q Query) (*Snapshot, error)
	// Values lists the distinct values of one property with their counts,
	// most frequent first; filter pickers and completion use it.
	Values(ctx context.Context, q ValuesQuery) ([]ValueCount, error)
	// Properties lists the property names the data carries, for completion
	// and for resolving filters written without a person./event. prefix.
	Properties(ctx context.Context) ([]Property, error)
	// Events lists matching events, newest first, with their properties.
	Events(ctx context.Context, q EventsQuery) ([]Event, error)
	// Installations lists the installations that sent a heartbeat in range.
	Installations(ctx context.Context, q InstallationsQuery) ([]Installation, error)
	// Breakdown counts one kind of event (or, for heartbeats, distinct
	// installations) grouped by the values of one property.
	Breakdown(ctx context.Context, q BreakdownQuery) ([]ValueCount, error)
	// Info describes the source for the header and for logs. It never
	// includes a secret.
	Info() Info
}

// Info names a source for people: what kind it is and where it reads from.
type Info struct {
	// Kind is "embedded" or "posthog".
	Kind string `json:"kind"`
	// Location is a store path, or a PostHog host and project.
	Location string `json:"location"`
}

// String renders the info as one short header-friendly line.
func (i Info) String() string {
	if i.Location == "" {
		return i.Kind
	}
	return i.Kind + " " + i.Location
}

// EventKind selects one of the event families of the Mapping.
type EventKind int

// The event families ttmon reads. KindAny means every event.
const (
	KindAny EventKind = iota
	KindHeartbeat
	KindError
	KindTimer
)

// String returns the family's name as used in flags and JSON.
func (k EventKind) String() string {
	switch k {
	case KindHeartbeat:
		return "heartbeat"
	case KindError:
		return "error"
	case KindTimer:
		return "timer"
	default:
		return "any"
	}
}

// Mapping tells a Source which TimeTracker events and properties mean what.
// TimeTracker's event names changed over its history, so none of this is
// hard-coded: it comes from config with DefaultMapping as the base.
type Mapping struct {
	// Preset names the TimeTracker generation the mapping follows: "auto"
	// (or empty: detected by the store, see ParsePreset), "timetracker4"
	// or "timetracker5". Fields set in the config win over the preset's.
	Preset string `yaml:"preset,omitempty" json:"preset,omitempty"`
	// Heartbeat events: any one of them marks an installation active.
	Heartbeat []string `yaml:"heartbeat" json:"heartbeat"`
	// Installation lists the other events an installation sends as
	// itself (its first start, a version change): a dashboard pane of
	// these and heartbeats reads person filters as the heartbeats do
	// (PaneKind), so a filter on a user property leaves it "not narrowed"
	// instead of at zero.
	Installation []string `yaml:"installation" json:"installation"`
	// Errors are counted by the error-rate pane.
	Errors []string `yaml:"errors" json:"errors"`
	// Timers are counted by the timer-usage pane.
	Timers []string `yaml:"timers" json:"timers"`
	// VersionProperty is the event property carrying the app version.
	VersionProperty string `yaml:"version_property" json:"version_property"`
	// PlatformProperty is the event property carrying the OS name.
	PlatformProperty string `yaml:"platform_property" json:"platform_property"`
	// DeploymentProperty is the event property carrying docker/native.
	DeploymentProperty string `yaml:"deployment_property" json:"deployment_property"`
	// InstallProperties maps person properties that installations carry to
	// the event property product events carry for the same fact ("" for
	// none); see FiltersFor.
	InstallProperties map[string]string `yaml:"install_properties" json:"install_properties"`
	// UserProperties are person properties only users carry; see
	// FiltersFor.
	UserProperties []string `yaml:"user_properties" json:"user_properties"`
}

// DefaultMapping is TimeTracker's own naming (ARCHITECTURE.md, TimeTracker's data).
func DefaultMapping() Mapping {
	return Mapping{
		Heartbeat:          []string{"telemetry.health", "base_telemetry.heartbeat"},
		Installation:       []string{"telemetry.install", "telemetry.update"},
		Errors:             []string{"error_occurred", "$exception"},
		Timers:             []string{"timer.started"},
		VersionProperty:    "app_version",
		PlatformProperty:   "platform",
		DeploymentProperty: "deployment_method",
		InstallProperties:  DefaultInstallProperties(),
		UserProperties:     DefaultUserProperties(),
	}
}

// Names returns the event names of one family; nil for KindAny.
func (m Mapping) Names(k EventKind) []string {
	switch k {
	case KindHeartbeat:
		return m.Heartbeat
	case KindError:
		return m.Errors
	case KindTimer:
		return m.Timers
	default:
		return nil
	}
}

// Snapshot is one consistent reading of every pane for one Query.
type Snapshot struct {
	Source      Info           `json:"-"`
	Query       Query          `json:"-"`
	GeneratedAt time.Time      `json:"-"`
	Took        time.Duration  `json:"-"`
	Totals      Totals         `json:"totals"`
	Installs    Installs       `json:"installs"`
	Versions    []VersionShare `json:"versions"`
	Errors      Errors         `json:"errors"`
	Timers      Timers         `json:"timers"`
	// NotNarrowed names, per pane, the filters that pane could not apply
	// (see FiltersFor); empty when every pane applied every filter.
	NotNarrowed NotNarrowed `json:"not_narrowed"`
	// Panes answers Query.Panes, in the same order.
	Panes []PaneFigures `json:"panes,omitempty"`
	// Latest is the version the ★ marks and the rule that chose it; set
	// by the figures decorator (zero from a bare adapter).
	Latest Latest `json:"latest"`
}

// Totals counts every event that matches the filters in range.
type Totals struct {
	Events int64 `json:"events"`
}

// Point is one bucket of a series: T is the bucket's start. Partial marks
// a bucket that had not ended when the snapshot was made (see
// MarkPartial): its V is still growing and is no drop.
type Point struct {
	T       time.Time `json:"t"`
	V       float64   `json:"v"`
	Partial bool      `json:"partial,omitempty"`
}

// Installs is the active-installations pane: distinct heartbeat senders.
type Installs struct {
	Active   int64   `json:"active"`
	Previous int64   `json:"previous"`
	Series   []Point `json:"series"`
}

// VersionShare is one bar of the versions pane. An installation counts once,
// under the version of its latest heartbeat in range.
type VersionShare struct {
	Version  string  `json:"version"`
	Installs int64   `json:"installs"`
	Share    float64 `json:"share"`
	Latest   bool    `json:"latest"`
}

// VersionCount counts events per app version.
type VersionCount struct {
	Version string `json:"version"`
	Errors  int64  `json:"errors"`
}

// Errors is the error-rate pane.
type Errors struct {
	Total      int64          `json:"total"`
	PerInstall float64        `json:"per_install"`
	Series     []Point        `json:"series"`
	ByVersion  []VersionCount `json:"by_version"` // most errors first, at most MaxErrorVersions
}

// Timers is the timer-usage pane. ByHour is indexed by the local hour of day
// in the query's time zone.
type Timers struct {
	Total  int64     `json:"total"`
	ByHour [24]int64 `json:"by_hour"`
	Series []Point   `json:"series"`
}

// ValueCount is one distinct value and how often it occurs.
type ValueCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Property is a property name the data carries.
type Property struct {
	Key   string `json:"key"`
	Scope Scope  `json:"scope"`
}

// ValuesQuery asks for the values of one property within a query's range and
// filters. Limit <= 0 means a sensible default (100).
type ValuesQuery struct {
	Query Query
	Scope Scope
	Key   string
	Limit int
}

// EventsQuery asks for recent events of one family. Limit <= 0 means 100.
type EventsQuery struct {
	Query Query
	Kind  EventKind
	Limit int
	// Names, when set, keeps only events of these names (a dashboard
	// pane's events, expanded by Mapping.EventNames); Kind is then a
	// family that holds them all, or KindAny.
	Names []string
	// Category, when set, keeps only events whose name's first segment
	// it is (BreakdownCategory's groups).
	Category string
	// Hours, when set, keeps only events in these local hours of day (in
	// Query.TZ, BreakdownHour's groups).
	//
	// Names, Category and Hours narrow the query itself, so the newest
	// Limit events are the newest of that group, not of the family (a
	// rare group would otherwise come back empty).
	Hours []int
}

// Keeps reports whether an event of name at local hour h (in the query's
// zone) is one q asks for beyond its Kind and filters.
func (q EventsQuery) Keeps(name string, h int) bool {
	if q.Names != nil && !slices.Contains(q.Names, name) {
		return false
	}
	if q.Category != "" && Category(name) != q.Category {
		return false
	}
	return q.Hours == nil || slices.Contains(q.Hours, h)
}

// Event is one captured event as the drill views show it.
type Event struct {
	UUID       string         `json:"uuid,omitempty"`
	Time       time.Time      `json:"timestamp"`
	Name       string         `json:"event"`
	DistinctID string         `json:"distinct_id"`
	Properties map[string]any `json:"properties"`
}

// InstallationsQuery asks for the installations active in range. Limit <= 0
// means 1000.
type InstallationsQuery struct {
	Query Query
	Limit int
}

// Installation is one row of the active-installations drill view. Version,
// Platform and Deployment come from its latest heartbeat in range.
type Installation struct {
	ID         string    `json:"id"`
	Version    string    `json:"version"`
	Platform   string    `json:"platform"`
	Deployment string    `json:"deployment"`
	LastSeen   time.Time `json:"last_seen"`
	Heartbeats int64     `json:"heartbeats"`
}

// BreakdownQuery groups one event family by a property. For KindHeartbeat the
// count is distinct installations, otherwise events. Hour >= 0 keeps only
// events in that local hour of day (in Query.TZ); -1 keeps all.
type BreakdownQuery struct {
	Query Query
	Kind  EventKind
	Scope Scope
	Key   string
	Hour  int
	Limit int
}

// Unknown is the value shown for an event or installation whose version (or
// other grouping property) is missing.
const Unknown = "unknown"
