package shared

import (
	"maps"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// Every caller gets its own copy of a shared answer: a session that sorts
// or trims what it was given must not change what the other sessions see.
// (The panes clone before sorting today; this keeps that a local choice
// instead of a contract every future pane must remember.) Copies are
// shallow below the slices and maps the domain types own: an Event's
// property values are the backend's decoded JSON and are never edited.

func cloneSnapshot(s *datasource.Snapshot) *datasource.Snapshot {
	if s == nil {
		return nil
	}
	c := *s
	c.Query = cloneQuery(s.Query)
	c.Installs.Series = slices.Clone(s.Installs.Series)
	c.Versions = slices.Clone(s.Versions)
	c.Errors.Series = slices.Clone(s.Errors.Series)
	c.Errors.ByVersion = slices.Clone(s.Errors.ByVersion)
	c.Timers.Series = slices.Clone(s.Timers.Series)
	c.Panes = slices.Clone(s.Panes)
	for i := range c.Panes {
		p := &c.Panes[i]
		p.Series = slices.Clone(p.Series)
		p.NotNarrowed = slices.Clone(p.NotNarrowed)
		p.Groups = slices.Clone(p.Groups)
		for j := range p.Groups {
			g := &p.Groups[j]
			g.Key, g.Series, g.Versions = slices.Clone(g.Key), slices.Clone(g.Series), slices.Clone(g.Versions)
		}
	}
	return &c
}

func cloneQuery(q datasource.Query) datasource.Query {
	c := q
	c.Filters = cloneFilters(q.Filters)
	c.Panes = slices.Clone(q.Panes)
	for i := range c.Panes {
		p := &c.Panes[i]
		p.Where = cloneFilters(p.Where)
		p.Spec.Events = slices.Clone(p.Spec.Events)
		p.Spec.Breakdown = slices.Clone(p.Spec.Breakdown)
		p.Spec.Where = slices.Clone(p.Spec.Where)
		p.Spec.Columns = slices.Clone(p.Spec.Columns)
	}
	return c
}

func cloneFilters(fs []datasource.Filter) []datasource.Filter {
	c := slices.Clone(fs)
	for i := range c {
		c[i].Values = slices.Clone(c[i].Values)
	}
	return c
}

func cloneEvents(es []datasource.Event) []datasource.Event {
	c := slices.Clone(es)
	for i := range c {
		c[i].Properties = maps.Clone(c[i].Properties)
	}
	return c
}
