package datasource

import "slices"

// Installations and users are different persons in TimeTracker's data: an
// installation sends the heartbeats and carries deployment_method,
// current_version, environment; a signed-in user sends the product events
// (timers, logins, most errors) and carries is_admin, role. A person filter
// read literally against each event's own person would narrow the
// installation panes and leave the error and timer panes at zero, which an
// operator reads as "docker installs have no errors". So each event family
// gets the filters in the sense an operator means:
//
//   - for heartbeats (active installations, versions), a person filter on a
//     property only users carry (Mapping.UserProperties) cannot be applied:
//     it is skipped and the pane says so;
//   - for product families (errors, timers), a person filter on a property
//     installations carry (Mapping.InstallProperties) is applied to the event
//     property TimeTracker puts on every product event for the same fact
//     (deployment_method, app_version, environment): errors *from* docker
//     installations. An installation property with no such event property is
//     skipped and the pane says so;
//   - every other filter (event filters, cohorts, person properties both
//     kinds carry such as auth_method, unknown keys) applies as written.
//
// Both adapters call FiltersFor per family, so they agree on every figure.

// PaneFilters is the outcome of FiltersFor: the filters one event family
// applies, and the person filters it could not apply.
type PaneFilters struct {
	// Apply holds the filters to evaluate against this family's events, in
	// the order given; translated filters have ScopeEvent.
	Apply []Filter
	// Skipped holds the original filters this family does not honour.
	Skipped []Filter
}

// FiltersFor rewrites resolved filters (no ScopeAuto left; see
// ResolveScopes) for one event family. KindAny (totals, the events drill of
// every family) and KindHeartbeat keep installation properties as they are;
// KindError and KindTimer translate them. fs is not changed.
func (m Mapping) FiltersFor(k EventKind, fs []Filter) PaneFilters {
	var out PaneFilters
	for _, f := range fs {
		if f.Scope != ScopePerson {
			out.Apply = append(out.Apply, f)
			continue
		}
		switch k {
		case KindHeartbeat:
			if slices.Contains(m.UserProperties, f.Key) {
				out.Skipped = append(out.Skipped, f)
				continue
			}
		case KindError, KindTimer:
			if alias, ok := m.InstallProperties[f.Key]; ok {
				if alias == "" {
					out.Skipped = append(out.Skipped, f)
					continue
				}
				f.Scope, f.Key = ScopeEvent, alias
				f.Values = slices.Clone(f.Values)
			}
		}
		out.Apply = append(out.Apply, f)
	}
	return out
}

// DefaultInstallProperties maps the person properties TimeTracker 4.x sets
// on installations to the event properties it adds to every product event
// ("" where product events carry no such property).
func DefaultInstallProperties() map[string]string {
	return map[string]string{
		"deployment_method":  "deployment_method",
		"current_version":    "app_version",
		"environment":        "environment",
		"current_platform":   "",
		"first_seen_version": "",
	}
}

// DefaultUserProperties are the person properties TimeTracker 4.x sets only
// on users.
func DefaultUserProperties() []string {
	return []string{"is_admin", "role", "engagement_level"}
}

// NotNarrowed lists, per pane, the filters (in Filter.String form) that the
// pane's event family skipped, so the pane can say it is not narrowed by
// them instead of showing an unfiltered figure as if it were.
type NotNarrowed struct {
	// Installs covers active installations and versions (heartbeats).
	Installs []string `json:"installs,omitempty"`
	// Errors covers the error-rate pane.
	Errors []string `json:"errors,omitempty"`
	// Timers covers the timer-usage pane.
	Timers []string `json:"timers,omitempty"`
}

// PersonScoped settles the ScopeAuto filters whose key the mapping lists as
// a person property (InstallProperties, UserProperties) as ScopePerson,
// for callers that have no source to resolve scopes against (the monitor's
// drill views, naming what they are not narrowed by). Other filters are
// returned as they are; fs is not changed.
func (m Mapping) PersonScoped(fs []Filter) []Filter {
	out := slices.Clone(fs)
	for i, f := range out {
		if f.Scope != ScopeAuto {
			continue
		}
		if _, ok := m.InstallProperties[f.Key]; ok || slices.Contains(m.UserProperties, f.Key) {
			out[i].Scope = ScopePerson
		}
	}
	return out
}

// NotNarrowed is what every adapter puts in Snapshot.NotNarrowed for the
// resolved filters fs. A pane that skipped nothing has a nil list, so
// snapshots from two adapters compare equal whichever built them.
func (m Mapping) NotNarrowed(fs []Filter) NotNarrowed {
	strs := func(fs []Filter) []string {
		if len(fs) == 0 {
			return nil
		}
		return FilterStrings(fs)
	}
	return NotNarrowed{
		Installs: strs(m.FiltersFor(KindHeartbeat, fs).Skipped),
		Errors:   strs(m.FiltersFor(KindError, fs).Skipped),
		Timers:   strs(m.FiltersFor(KindTimer, fs).Skipped),
	}
}

// Empty reports whether every pane applied every filter.
func (n NotNarrowed) Empty() bool {
	return len(n.Installs) == 0 && len(n.Errors) == 0 && len(n.Timers) == 0
}
