package tui

import (
	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
)

// chipText is how a filter reads in chips and status lines: like
// filterText, except that a PostHog cohort shows its name once known (from
// the picker's list or --cohort), not "cohort=7". Identity (hasFilter)
// stays on filterText, which a name change cannot move.
func (m *Model) chipText(f datasource.Filter) string {
	if f.Scope != datasource.ScopeCohort {
		return filterText(f)
	}
	name, ok := m.cohortNames[f.Key]
	if !ok || name == "" {
		return filterText(f)
	}
	if f.Op == datasource.OpNeq {
		return "not cohort " + name
	}
	return "cohort " + name
}

// noteCohortNames remembers the names of the source's cohorts by id.
func (m *Model) noteCohortNames(cs []cohort.Cohort) {
	for _, c := range cs {
		if c.Kind == cohort.Backend && c.ID != "" {
			if m.cohortNames == nil {
				m.cohortNames = map[string]string{}
			}
			m.cohortNames[c.ID] = c.Name
		}
	}
}
