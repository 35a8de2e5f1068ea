package panes

import (
	"slices"
	"strconv"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// groupEventsLimit bounds the events a group's drill lists.
const groupEventsLimit = 200

// GroupFilters are the filters that narrow a query to one group of a
// pane: its key as event or person filters (a missing value as "is not
// set"), then the pane's own Where. The special breakdowns ($event,
// $category, $hour) are no filters: the drill view narrows by them
// itself (groupMatch).
func GroupFilters(spec datasource.PaneSpec, key []string, where []datasource.Filter) []datasource.Filter {
	var out []datasource.Filter
	for i, ref := range spec.Refs() {
		if ref.Special != "" || i >= len(key) {
			continue
		}
		f := datasource.Filter{Key: ref.Key, Scope: ref.Scope, Op: datasource.OpEq, Values: []string{key[i]}}
		if key[i] == datasource.Unknown {
			f = datasource.Filter{Key: ref.Key, Scope: ref.Scope, Op: datasource.OpIsNotSet}
		}
		out = append(out, f)
	}
	return append(out, where...)
}

// groupMatch is what a group's events must be beyond the query's
// filters: one of the pane's event names, and in the group's $event,
// $category or $hour.
type groupMatch struct {
	names    []string // nil: any name
	category string
	hour     int // -1: any
}

func newGroupMatch(m datasource.Mapping, spec datasource.PaneSpec, key []string) groupMatch {
	g := groupMatch{names: m.EventNames(spec), hour: -1}
	for i, ref := range spec.Refs() {
		if i >= len(key) {
			break
		}
		switch ref.Special {
		case datasource.BreakdownEvent:
			g.names = []string{key[i]}
		case datasource.BreakdownCategory:
			g.category = key[i]
			if g.names != nil {
				g.names = slices.DeleteFunc(slices.Clone(g.names), func(n string) bool { return datasource.Category(n) != key[i] })
			}
		case datasource.BreakdownHour:
			if h, err := strconv.Atoi(key[i]); err == nil {
				g.hour = h
			}
		}
	}
	return g
}

// hours is the EventsQuery.Hours of the match: nil for any hour.
func (g groupMatch) hours() []int {
	if g.hour < 0 {
		return nil
	}
	return []int{g.hour}
}

// keep checks an event the source returned (the source narrows the query
// the same way; this keeps a drill honest if one does not).
func (g groupMatch) keep(ev datasource.Event, com *common.Common) bool {
	q := datasource.EventsQuery{Names: g.names, Category: g.category, Hours: g.hours()}
	return q.Keeps(ev.Name, ev.Time.In(com.Loc).Hour())
}

// kindOf is the family that holds every name, KindAny when none does.
func kindOf(m datasource.Mapping, names []string) datasource.EventKind {
	if len(names) == 0 {
		return datasource.KindAny
	}
	for _, k := range []datasource.EventKind{datasource.KindHeartbeat, datasource.KindError, datasource.KindTimer} {
		fam := m.Names(k)
		if !slices.ContainsFunc(names, func(n string) bool { return !slices.Contains(fam, n) }) {
			return k
		}
	}
	return datasource.KindAny
}

// installMeasured reports the measures that count installations, whose
// groups drill into installations too.
func installMeasured(m datasource.Measure) bool {
	return m == datasource.MeasureInstallations || m == datasource.MeasurePerInstallation || m == datasource.MeasureNewInstallations
}

// NewGroupDrill opens one group of a pane: its recent events and, when
// the pane counts installations by heartbeat properties, its
// installations above them. crumb is
// the pane's title and " › ", or "" when the page below already says it.
// The root adds GroupFilters to the query.
func NewGroupDrill(com *common.Common, keys KeyMap, spec datasource.PaneSpec, crumb string, key []string) Drill {
	m := fullMapping(com)
	label := common.Printable(datasource.Group{Key: key}.Label())
	ev := NewEventsList(com, keys, "events", newGroupMatch(m, spec, key))
	parts, weights := []Drill{ev}, []int{1}
	if installMeasured(spec.EffectiveMeasure()) && (m.HeartbeatsOnly(spec) ||
		spec.EffectiveMeasure() == datasource.MeasurePerInstallation) {
		// The installations list reads heartbeats: a group of heartbeat
		// properties (or of a rate's denominator) is a set of them; the
		// groups of other events (old_version of an update) are not.
		in := NewInstallsDrill(com, keys)
		parts, weights = []Drill{in, ev}, []int{1, 1}
	}
	return newSplit(com, keys, crumb+label, parts, weights)
}

// fullMapping is the mapping with defaults for what config left empty.
func fullMapping(com *common.Common) datasource.Mapping {
	m := mapping(com)
	d := datasource.DefaultMapping()
	if m.Heartbeat == nil {
		m.Heartbeat = d.Heartbeat
	}
	if m.Errors == nil {
		m.Errors = d.Errors
	}
	if m.Timers == nil {
		m.Timers = d.Timers
	}
	return m
}

// NewInstallationDrill opens one installation: what is known of it, its
// recent events (those carrying its key in install_id, the property
// TimeTracker puts on every product event) and the users among them.
// The root adds the install_id filter (InstallFilter).
func NewInstallationDrill(com *common.Common, keys KeyMap, in datasource.Installation) Drill {
	fields := installFields(in, com)
	det := NewDetail(com, keys, "installation", fields)
	ev := NewEventsList(com, keys, "events with install_id = "+in.ID, groupMatch{hour: -1})
	// TimeTracker 4 names an installation by fingerprint in its heartbeats
	// and by install_id on its product events: the two do not meet.
	ev.empty = "no event in range carries this id as install_id"
	us := NewUsersList(com, keys)
	return newSplit(com, keys, common.Printable(in.ID), []Drill{ev, us, det}, []int{3, 2, -(len(fields) + 2)})
}

// InstallFilter narrows events to one installation's.
func InstallFilter(id string) datasource.Filter {
	return datasource.Filter{Key: datasource.InstallKeyProperty, Scope: datasource.ScopeEvent, Op: datasource.OpEq, Values: []string{id}}
}

// ErrorGroupsSpec is the error drill as a dashboard pane: errors grouped
// by type and message with the installations they hit, when they were
// first and last seen, and on which versions.
func ErrorGroupsSpec() datasource.PaneSpec {
	return datasource.PaneSpec{
		ID: "error_groups", Title: "Errors by type and message", Events: []string{datasource.EventsErrors},
		Measure: datasource.MeasureEvents, Breakdown: []string{"error_type", "error_message"},
		Chart: datasource.ChartTable, Limit: 100,
		Columns: []string{datasource.ColumnInstallations, datasource.ColumnFirstSeen, datasource.ColumnLastSeen, datasource.ColumnVersions},
	}
}
