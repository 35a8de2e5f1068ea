package datasource

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

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
