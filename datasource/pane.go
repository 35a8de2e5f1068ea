package datasource

import (
	"fmt"
	"slices"
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

// Validate checks a spec on its own (the Where text is checked by
// ResolvePane). Errors name the field and the valid choices.
func (p PaneSpec) Validate() error {
	if p.ID == "" {
		return fmt.Errorf("pane needs an id (a short name such as platforms)")
	}
	if p.Figure != "" {
		if !slices.Contains(Figures, p.Figure) {
			return fmt.Errorf("pane %s: figure %q: use one of %s", p.ID, p.Figure, strings.Join(Figures, ", "))
		}
		return nil
	}
	if len(p.Events) == 0 {
		return fmt.Errorf("pane %s: events: name at least one event, a family (%s, %s, %s) or %s",
			p.ID, EventsHeartbeat, EventsErrors, EventsTimers, AllEvents)
	}
	for _, e := range p.Events {
		if strings.TrimSpace(e) == "" {
			return fmt.Errorf("pane %s: events: an event name cannot be empty", p.ID)
		}
		if strings.HasPrefix(e, "@") && e != EventsHeartbeat && e != EventsErrors && e != EventsTimers {
			return fmt.Errorf("pane %s: events: %q: families are %s, %s, %s", p.ID, e, EventsHeartbeat, EventsErrors, EventsTimers)
		}
	}
	if p.Measure != "" && !slices.Contains(Measures, p.Measure) {
		return fmt.Errorf("pane %s: measure %q: use one of %s", p.ID, p.Measure, joinNames(Measures))
	}
	if p.Chart != "" && !slices.Contains(Charts, p.Chart) {
		return fmt.Errorf("pane %s: chart %q: use one of %s", p.ID, p.Chart, joinNames(Charts))
	}
	if err := p.validateBreakdown(); err != nil {
		return err
	}
	for _, c := range p.Columns {
		if !slices.Contains(Columns, c) {
			return fmt.Errorf("pane %s: column %q: use any of %s", p.ID, c, strings.Join(Columns, ", "))
		}
	}
	if len(p.Columns) > 0 && p.EffectiveChart() != ChartTable {
		return fmt.Errorf("pane %s: columns need chart: table", p.ID)
	}
	if p.Limit < 0 {
		return fmt.Errorf("pane %s: limit %d: use a positive number of groups, or leave it out for %d", p.ID, p.Limit, DefaultPaneLimit)
	}
	if p.Warn < 0 || p.Crit < 0 || (p.Crit > 0 && p.Warn > p.Crit) {
		return fmt.Errorf("pane %s: warn %g, crit %g: use 0 <= warn <= crit", p.ID, p.Warn, p.Crit)
	}
	return nil
}

func (p PaneSpec) validateBreakdown() error {
	if len(p.Breakdown) > MaxBreakdown {
		return fmt.Errorf("pane %s: breakdown: at most %d properties", p.ID, MaxBreakdown)
	}
	for _, b := range p.Breakdown {
		if strings.TrimSpace(b) == "" {
			return fmt.Errorf("pane %s: breakdown: empty property name", p.ID)
		}
		if k, ok := cutScope(b); ok && strings.TrimSpace(k) == "" {
			return fmt.Errorf("pane %s: breakdown %q: name the property after the prefix, such as person.role", p.ID, b)
		}
		if strings.HasPrefix(b, "$") && b != BreakdownCategory && b != BreakdownHour && b != BreakdownEvent &&
			!strings.HasPrefix(b, "$lib") && !strings.HasPrefix(b, "$os") && !strings.HasPrefix(b, "$browser") {
			// PostHog's own $-properties ($os, $lib...) are properties; any
			// other $ word is most likely a typo of a special breakdown.
			return fmt.Errorf("pane %s: breakdown %q: the special breakdowns are %s, %s, %s",
				p.ID, b, BreakdownCategory, BreakdownHour, BreakdownEvent)
		}
		if (b == BreakdownHour) && len(p.Breakdown) > 1 {
			return fmt.Errorf("pane %s: breakdown %s cannot be combined", p.ID, b)
		}
	}
	if p.EffectiveMeasure() == MeasurePerInstallation {
		for _, b := range p.Breakdown {
			if b == BreakdownHour || b == BreakdownCategory || b == BreakdownEvent {
				return fmt.Errorf("pane %s: per_installation can break down by a property, not %s", p.ID, b)
			}
		}
	}
	return nil
}

// cutScope removes a person. or event. prefix.
func cutScope(b string) (string, bool) {
	if k, ok := strings.CutPrefix(b, "person."); ok {
		return k, true
	}
	return strings.CutPrefix(b, "event.")
}

// BreakdownRef is one breakdown entry read: a special one, or a property
// with its scope (ScopeAuto when written without a prefix: the event
// property; person properties are written person.KEY).
type BreakdownRef struct {
	Special string // BreakdownCategory, BreakdownHour, BreakdownEvent or ""
	Scope   Scope  // ScopeEvent or ScopePerson
	Key     string
}

// Refs reads the spec's breakdown. A property without a prefix is an event
// property: the event is what a pane counts, and TimeTracker puts the
// installation's facts on every event.
func (p PaneSpec) Refs() []BreakdownRef {
	out := make([]BreakdownRef, 0, len(p.Breakdown))
	for _, b := range p.Breakdown {
		switch {
		case b == BreakdownCategory || b == BreakdownHour || b == BreakdownEvent:
			out = append(out, BreakdownRef{Special: b})
		case strings.HasPrefix(b, "person."):
			out = append(out, BreakdownRef{Scope: ScopePerson, Key: strings.TrimPrefix(b, "person.")})
		default:
			out = append(out, BreakdownRef{Scope: ScopeEvent, Key: strings.TrimPrefix(b, "event.")})
		}
	}
	return out
}

// EventNames expands the spec's events with the mapping: family selectors
// become their names, duplicates are dropped, order is kept. It returns nil
// (every event) when the spec names AllEvents.
func (m Mapping) EventNames(p PaneSpec) []string {
	var out []string
	for _, e := range p.Events {
		var names []string
		switch e {
		case AllEvents:
			return nil
		case EventsHeartbeat:
			names = m.Heartbeat
		case EventsErrors:
			names = m.Errors
		case EventsTimers:
			names = m.Timers
		default:
			names = []string{e}
		}
		for _, n := range names {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// PaneKind is the family whose filter rule (FiltersFor) a pane's events
// follow: KindHeartbeat when every event is a heartbeat, else the product
// events' rule (KindError and KindTimer share it: installation properties
// are read from the event properties TimeTracker copies onto every event).
func (m Mapping) PaneKind(p PaneSpec) EventKind {
	names := m.EventNames(p)
	if len(names) == 0 {
		return KindTimer
	}
	for _, n := range names {
		if !slices.Contains(m.Heartbeat, n) {
			return KindTimer
		}
	}
	return KindHeartbeat
}

// FiltersForPane is FiltersFor for a pane: the query's resolved filters
// under the pane's family rule, followed by the pane's own Where filters
// (applied as written). For MeasurePerInstallation the denominator uses
// FiltersFor(KindHeartbeat, fs) and Skipped is the union of both.
func (m Mapping) FiltersForPane(pq PaneQuery, fs []Filter) PaneFilters {
	pf := m.FiltersFor(m.PaneKind(pq.Spec), fs)
	if pq.Spec.EffectiveMeasure() == MeasurePerInstallation {
		for _, s := range m.FiltersFor(KindHeartbeat, fs).Skipped {
			if !slices.ContainsFunc(pf.Skipped, func(f Filter) bool { return f.String() == s.String() }) {
				pf.Skipped = append(pf.Skipped, s)
			}
		}
	}
	pf.Apply = append(slices.Clip(pf.Apply), pq.Where...)
	return pf
}

// Category is BreakdownCategory's value for an event name.
func Category(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return name
}

// ResolvePane turns a spec into a PaneQuery against the query's range and
// now (for a spec's own Range). Where is parsed with the filter grammar.
func ResolvePane(p PaneSpec, qr Range, now time.Time) (PaneQuery, error) {
	if err := p.Validate(); err != nil {
		return PaneQuery{}, err
	}
	pq := PaneQuery{Spec: p, Range: qr}
	if p.Range != "" {
		r, err := ParseRange(p.Range, now)
		if err != nil {
			return PaneQuery{}, fmt.Errorf("pane %s: %w", p.ID, err)
		}
		pq.Range = r
	}
	for _, w := range p.Where {
		f, err := ParseFilter(w)
		if err != nil {
			return PaneQuery{}, fmt.Errorf("pane %s: where %q: %w", p.ID, w, err)
		}
		pq.Where = append(pq.Where, f)
	}
	return pq, nil
}

func joinNames[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// Dashboard is a named list of panes, as written under `dashboards:` in the
// config file. The built-in ones (config.BuiltinDashboards) use the same
// form.
type Dashboard struct {
	// Name selects it with --dashboard and in the switcher; unique.
	Name string `yaml:"name" json:"name"`
	// Title is shown in the header.
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	// Key is an optional single key that switches to it.
	Key string `yaml:"key,omitempty" json:"key,omitempty"`
	// Panes in reading order: left to right, top to bottom.
	Panes []PaneSpec `yaml:"panes" json:"panes"`
}

// DisplayTitle is the title, or the name when none is set.
func (d Dashboard) DisplayTitle() string {
	if d.Title != "" {
		return d.Title
	}
	return d.Name
}

// Pane returns the pane with that id.
func (d Dashboard) Pane(id string) (PaneSpec, bool) {
	i := slices.IndexFunc(d.Panes, func(p PaneSpec) bool { return p.ID == id })
	if i < 0 {
		return PaneSpec{}, false
	}
	return d.Panes[i], true
}

// Builtins lists the figures this dashboard shows from the Snapshot's own
// panes; a dashboard with none can ask with PanesOnly.
func (d Dashboard) Builtins() []string {
	var out []string
	for _, p := range d.Panes {
		if p.Figure != "" {
			out = append(out, p.Figure)
		}
	}
	return out
}

// Queries resolves the dashboard's configured (non built-in) panes for a
// query range and now.
func (d Dashboard) Queries(qr Range, now time.Time) ([]PaneQuery, error) {
	var out []PaneQuery
	for _, p := range d.Panes {
		if p.Builtin() {
			continue
		}
		pq, err := ResolvePane(p, qr, now)
		if err != nil {
			return nil, err
		}
		out = append(out, pq)
	}
	return out, nil
}
