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
	return &c
}

func cloneQuery(q datasource.Query) datasource.Query {
	c := q
	c.Filters = slices.Clone(q.Filters)
	for i := range c.Filters {
		c.Filters[i].Values = slices.Clone(c.Filters[i].Values)
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
