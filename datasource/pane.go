package datasource

import (
	"strings"
	"time"
)

// A dashboard is a list of panes. Four panes are the built-in figures of a
// Snapshot (active installations, versions, error rate, timers); every other
// pane is a PaneSpec: which events, what to measure, grouped by what, drawn
// how. A Query carries the specs of the visible dashboard, and a Source
// answers them inside the same Snapshot (one request to PostHog per
// refresh), in Snapshot.Panes, in the order asked.
//
// The definitions below are the contract both adapters implement exactly
// (ARCHITECTURE.md, "Dashboard panes"); the differential tests compare them.

// Measure says what a pane counts.
type Measure string

// The measures a pane can count.
const (
	// MeasureEvents counts matching events.
	MeasureEvents Measure = "events"
	// MeasureUsers counts distinct users. TimeTracker's user ids are local
	// database ids that repeat on every installation, so a user is the pair
	// (installation key, distinct id); see InstallKey.
	MeasureUsers Measure = "users"
	// MeasureInstallations counts distinct installation keys (InstallKey).
	MeasureInstallations Measure = "installations"
	// MeasurePerInstallation is matching events divided by the active
	// installations (distinct installation keys of heartbeat events in the
	// same range, under the heartbeat family's filters) with the same
	// breakdown value: errors per active installation per version.
	MeasurePerInstallation Measure = "per_installation"
	// MeasureNewInstallations counts installations whose earliest matching
	// event ever (not only in range) falls in the range, in the bucket of
	// that event, grouped by that event's breakdown value. With events
	// [telemetry.install, heartbeat] an installation that never sent an
	// install event is new at its first heartbeat.
	MeasureNewInstallations Measure = "new_installations"
)

// Measures lists every measure, for validation messages and completion.
var Measures = []Measure{MeasureEvents, MeasureUsers, MeasureInstallations, MeasurePerInstallation, MeasureNewInstallations}

// Chart says how a pane is drawn. It does not change what is computed,
// except that ChartLine asks for a series per group.
type Chart string

// The charts a pane can use.
const (
	ChartNumber Chart = "number" // the total, with a sparkline of the series
	ChartBars   Chart = "bars"   // one bar per group
	ChartLine   Chart = "line"   // the series over time; one line per group with a breakdown
	ChartTable  Chart = "table"  // one row per group, with its columns
)

// Charts lists every chart, for validation messages and completion.
var Charts = []Chart{ChartNumber, ChartBars, ChartLine, ChartTable}

// Special breakdowns that are not properties.
const (
	// BreakdownCategory groups by the event name's first segment: the text
	// before the first '.', or the whole name when it has none
	// ("timer.started" -> "timer", "$exception" -> "$exception").
	BreakdownCategory = "$category"
	// BreakdownHour groups by the hour of day (00..23) in the query's zone;
	// all 24 groups are present, in order.
	BreakdownHour = "$hour"
	// BreakdownEvent groups by the event name.
	BreakdownEvent = "$event"
)

// Event selectors for the families of the Mapping, usable in
// PaneSpec.Events next to plain event names. AllEvents matches every event.
const (
	EventsHeartbeat = "@heartbeat"
	EventsErrors    = "@errors"
	EventsTimers    = "@timers"
	AllEvents       = "*"
)

// Columns a table pane can add to each group (besides the measure).
const (
	ColumnInstallations = "installations" // distinct installation keys in the group
	ColumnUsers         = "users"         // distinct users in the group
	ColumnFirstSeen     = "first_seen"    // earliest event of the group in range
	ColumnLastSeen      = "last_seen"     // latest event of the group in range
	ColumnVersions      = "versions"      // distinct version property values, most events first
)

// Columns lists every table column, for validation messages.
var Columns = []string{ColumnInstallations, ColumnUsers, ColumnFirstSeen, ColumnLastSeen, ColumnVersions}

// DefaultPaneLimit is the number of groups a pane keeps when Limit is 0.
const DefaultPaneLimit = 10

// MaxBreakdown is the most properties one pane may group by.
const MaxBreakdown = 2

// PaneSpec is one configured pane. Built-in figure panes have Figure set
// and nothing else; every other pane is computed from the fields below.
type PaneSpec struct {
	// ID names the pane in JSON, alerts and --pane; unique in a dashboard.
	ID string `yaml:"id" json:"id"`
	// Title is shown on the pane; defaults to the ID.
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	// Figure selects a built-in pane: "installs", "versions", "errors" or
	// "timers". The other fields are then ignored.
	Figure string `yaml:"figure,omitempty" json:"figure,omitempty"`
	// Events are event names and family selectors (@heartbeat, @errors,
	// @timers); "*" means every event. Required.
	Events []string `yaml:"events,omitempty" json:"events,omitempty"`
	// Measure is what is counted; default MeasureEvents.
	Measure Measure `yaml:"measure,omitempty" json:"measure,omitempty"`
	// Breakdown groups by up to MaxBreakdown properties ("platform",
	// "person.role", "event.error_type") or one of the special breakdowns
	// ($category, $hour, $event). Empty means one group: the total.
	Breakdown []string `yaml:"breakdown,omitempty" json:"breakdown,omitempty"`
	// Where holds extra filters of this pane, one per entry in the filter
	// grammar ("event.old_version = 2.9.0"), ANDed with the query's
	// filters. Written without a prefix, a key is resolved like the
	// query's filters (ResolveScopes).
	Where []string `yaml:"where,omitempty" json:"where,omitempty"`
	// Chart is how the pane is drawn; default ChartBars with a breakdown,
	// ChartNumber without.
	Chart Chart `yaml:"chart,omitempty" json:"chart,omitempty"`
	// Columns adds per-group columns to a table (see Columns).
	Columns []string `yaml:"columns,omitempty" json:"columns,omitempty"`
	// Range overrides the dashboard's range for this pane ("30d"); empty
	// follows the monitor's range.
	Range string `yaml:"range,omitempty" json:"range,omitempty"`
	// Limit keeps the top groups by value; 0 means DefaultPaneLimit. The
	// rest are summed into PaneFigures.Other.
	Limit int `yaml:"limit,omitempty" json:"limit,omitempty"`
	// Warn and Crit colour a per-installation rate; 0 for both means the
	// error-rate pane's thresholds (ui.thresholds).
	Warn float64 `yaml:"warn,omitempty" json:"warn,omitempty"`
	Crit float64 `yaml:"crit,omitempty" json:"crit,omitempty"`
}

// Figures are the built-in panes' names for PaneSpec.Figure.
var Figures = []string{"installs", "versions", "errors", "timers"}

// PaneQuery is one spec resolved for a Source: its own range (the query's
// unless the spec overrides it) and its Where parsed into filters.
type PaneQuery struct {
	Spec  PaneSpec `json:"spec"`
	Range Range    `json:"range"`
	// Where is Spec.Where parsed and resolved; the query's filters are
	// added by the Source (through FiltersForPane).
	Where []Filter `json:"where,omitempty"`
}

// PaneFigures is a Source's answer for one PaneQuery.
type PaneFigures struct {
	ID    string `json:"id"`
	Range Range  `json:"-"`
	// Total is the measure over the pane's whole range and every group:
	// distinct counts are distinct over the range, not sums of buckets.
	Total float64 `json:"total"`
	// Num and Den are a per-installation rate's numerator (events) and
	// denominator (active installations); zero for other measures.
	Num int64 `json:"num,omitempty"`
	Den int64 `json:"den,omitempty"`
	// Series is the measure per bucket of Range (every bucket present).
	Series []Point `json:"series"`
	// Groups are the breakdown's top Limit groups by Value, largest first
	// (ties by key ascending); for $hour all 24 in hour order. Nil without
	// a breakdown.
	Groups []Group `json:"groups,omitempty"`
	// Other sums the measure over the groups past Limit (for distinct
	// measures: distinct over them); OtherGroups counts them.
	Other       float64 `json:"other,omitempty"`
	OtherGroups int     `json:"other_groups,omitempty"`
	// NotNarrowed names the query's filters this pane could not apply.
	NotNarrowed []string `json:"not_narrowed,omitempty"`
}

// Group is one breakdown value of a pane.
type Group struct {
	// Key holds the breakdown values, one per Breakdown entry; a missing
	// property is Unknown.
	Key   []string `json:"key"`
	Value float64  `json:"value"`
	Num   int64    `json:"num,omitempty"`
	Den   int64    `json:"den,omitempty"`
	// Series is the group's measure per bucket; only for ChartLine.
	Series []Point `json:"series,omitempty"`
	// Columns asked for in the spec; zero when not asked.
	Installations int64     `json:"installations,omitempty"`
	Users         int64     `json:"users,omitempty"`
	FirstSeen     time.Time `json:"first_seen,omitzero"`
	LastSeen      time.Time `json:"last_seen,omitzero"`
	Versions      []string  `json:"versions,omitempty"`
}

// Label joins the group's key for display: "ValueError · timeout".
func (g Group) Label() string { return strings.Join(g.Key, " · ") }

// InstallKeyProperty is the event property that names an installation on
// every TimeTracker event. An event's installation key is this property
// when it is set and not empty, else the event's person (heartbeats are
// sent by the installation's own person).
const InstallKeyProperty = "install_id"

// Builtin reports whether the spec is one of the Snapshot's own figures.
func (p PaneSpec) Builtin() bool { return p.Figure != "" }

// DisplayTitle is the title, or the ID when none is set.
func (p PaneSpec) DisplayTitle() string {
	if p.Title != "" {
		return p.Title
	}
	return p.ID
}

// EffectiveChart is the chart, defaulted by the breakdown.
func (p PaneSpec) EffectiveChart() Chart {
	switch {
	case p.Chart != "":
		return p.Chart
	case len(p.Breakdown) > 0:
		return ChartBars
	default:
		return ChartNumber
	}
}

// EffectiveMeasure is the measure, MeasureEvents when unset.
func (p PaneSpec) EffectiveMeasure() Measure {
	if p.Measure == "" {
		return MeasureEvents
	}
	return p.Measure
}

// EffectiveLimit is Limit, or DefaultPaneLimit.
func (p PaneSpec) EffectiveLimit() int {
	if p.Limit <= 0 {
		return DefaultPaneLimit
	}
	return p.Limit
}
