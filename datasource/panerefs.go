package datasource

import (
	"slices"
	"strings"
)

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
// follow: KindHeartbeat when every event is the installation's own (a
// heartbeat, or one of Mapping.Installation such as telemetry.update),
// else the product events' rule (KindError and KindTimer share it:
// installation properties are read from the event properties TimeTracker
// copies onto every event).
func (m Mapping) PaneKind(p PaneSpec) EventKind {
	if m.allIn(p, m.Heartbeat, m.Installation) {
		return KindHeartbeat
	}
	return KindTimer
}

// HeartbeatsOnly reports whether every event of p is a heartbeat, so that
// a group of its breakdown is a set of heartbeats (an installation's
// version, platform) and not of other events (an update's old_version).
func (m Mapping) HeartbeatsOnly(p PaneSpec) bool { return m.allIn(p, m.Heartbeat) }

// allIn reports whether every event name of p is in one of lists; false
// for a pane of every event.
func (m Mapping) allIn(p PaneSpec, lists ...[]string) bool {
	names := m.EventNames(p)
	if len(names) == 0 {
		return false
	}
	for _, n := range names {
		if !slices.ContainsFunc(lists, func(l []string) bool { return slices.Contains(l, n) }) {
			return false
		}
	}
	return true
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
