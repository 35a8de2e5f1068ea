package cmd

import "github.com/ttmon/ttmon/datasource"

// noteCohortName remembers name for the PostHog cohort --cohort resolved
// to, so the monitor's chip shows "cohort Power users", not "cohort=7".
func (a *app) noteCohortName(name string, fs []datasource.Filter) {
	for _, f := range fs {
		if f.Scope == datasource.ScopeCohort {
			if a.cohortNames == nil {
				a.cohortNames = map[string]string{}
			}
			a.cohortNames[f.Key] = name
		}
	}
}
