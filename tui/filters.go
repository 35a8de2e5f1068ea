package tui

import (
	"context"
	"errors"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
)

// Cohort answers.
type (
	// cohortMsg is a picked cohort resolved to filters.
	cohortMsg struct {
		name    string
		filters []datasource.Filter
		err     error
	}
	// savedMsg says how saving a cohort went.
	savedMsg struct {
		c         cohort.Cohort
		overwrite bool
		err       error
	}
)

// filterText is how a filter reads in chips and status lines.
func filterText(f datasource.Filter) string { return f.String() }

func hasFilter(fs []datasource.Filter, f datasource.Filter) bool {
	return slices.ContainsFunc(fs, func(g datasource.Filter) bool { return filterText(g) == filterText(f) })
}

// addFilters ANDs fs to the filters (ones already there are not added
// twice) and refreshes every pane at once.
func (m *Model) addFilters(what string, fs ...datasource.Filter) tea.Cmd {
	var added []string
	out := slices.Clone(m.filters)
	for _, f := range fs {
		if !hasFilter(out, f) {
			out = append(out, f)
			added = append(added, m.chipText(f))
		}
	}
	if len(added) == 0 {
		return m.setStatus("already filtered by " + strings.Join(datasource.FilterStrings(fs), " and "))
	}
	status := what + " " + strings.Join(added, " and ")
	if warn := m.unknownKeys(fs); warn != "" {
		status += " · " + warn
	}
	return m.setFilters(out, status)
}

// unknownKeys warns about filters on properties no data carries: they
// match nothing (or, negated, everything), which is rarely what was meant.
func (m *Model) unknownKeys(fs []datasource.Filter) string {
	props := m.prompt.Props()
	if props == nil {
		return ""
	}
	var unknown []string
	for _, f := range fs {
		if f.Scope != datasource.ScopeCohort && !slices.ContainsFunc(props, func(p datasource.Property) bool {
			return p.Key == f.Key && (f.Scope == datasource.ScopeAuto || p.Scope == f.Scope)
		}) {
			unknown = append(unknown, f.Key)
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	return "no data carries " + strings.Join(unknown, ", ")
}

// setFilters replaces the filters, closes the drill views that depended
// on a filter now gone, and polls the new query at once.
func (m *Model) setFilters(fs []datasource.Filter, status string) tea.Cmd {
	m.filters = fs
	for len(m.pages) > 1 {
		d := m.pages[len(m.pages)-1].(*drillPage)
		if !slices.ContainsFunc(d.added, func(f datasource.Filter) bool { return !hasFilter(fs, f) }) {
			break
		}
		m.pages = m.pages[:len(m.pages)-1]
	}
	return tea.Batch(m.refetch(), m.setStatus(status))
}

// refetch drops any poll of the old query and polls the new one now.
func (m *Model) refetch() tea.Cmd {
	m.poll.invalidate()
	m.pending = true
	return m.poll.fetch(m.query(), m.job())
}

func (m *Model) removeLastFilter() tea.Cmd {
	if len(m.filters) == 0 {
		return m.setStatus("no filters to remove")
	}
	last := m.filters[len(m.filters)-1]
	return m.setFilters(slices.Clone(m.filters[:len(m.filters)-1]), "removed "+m.chipText(last))
}

func (m *Model) clearFilters() tea.Cmd {
	if len(m.filters) == 0 {
		return m.setStatus("no filters to clear")
	}
	return m.setFilters(nil, "filters cleared")
}

// resolveCohort turns a picked cohort into filters in a command: a preset
// asks the source for the newest version.
func (m *Model) resolveCohort(c cohort.Cohort) tea.Cmd {
	cat, src, parent := m.catalog, m.src, m.poll.ctx
	status := m.setStatus("cohort " + c.Name + "…")
	return tea.Batch(status, func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, lookupTimeout)
		defer cancel()
		fs, err := cat.Resolve(ctx, src, c)
		return cohortMsg{name: c.Name, filters: fs, err: err}
	})
}

func (m *Model) handleCohort(msg cohortMsg) tea.Cmd {
	if msg.err != nil {
		return m.setError(oneLine(msg.err.Error(), 200))
	}
	return m.addFilters("cohort "+msg.name+":", msg.filters...)
}

// saveCmd writes the current filters as a cohort in a command.
func (m *Model) saveCmd(name string, overwrite bool) tea.Cmd {
	c := cohort.Cohort{Name: name, Kind: cohort.Saved, Filters: cohort.Exprs(m.filters), Size: -1}
	save := m.save
	return func() tea.Msg {
		return savedMsg{c: c, overwrite: overwrite, err: save(c, overwrite)}
	}
}

func (m *Model) handleSaved(msg savedMsg) tea.Cmd {
	switch {
	case errors.Is(msg.err, cohort.ErrExists) && !msg.overwrite:
		m.prompt.AskOverwrite(msg.c.Name)
		return nil
	case msg.err != nil:
		return m.setError("not saved: " + oneLine(msg.err.Error(), 200))
	}
	saved := slices.DeleteFunc(slices.Clone(m.catalog.Saved), func(c cohort.Cohort) bool { return c.Name == msg.c.Name })
	m.catalog.Saved = append(saved, msg.c)
	where := ""
	if m.configPath != "" {
		where = " in " + shortPath(m.configPath)
	}
	return m.setStatus("saved cohort " + msg.c.Name + where)
}

// chips draws the filters for the header in at most w cells: every chip
// if they fit (full), else the first ones and "+N", else "N filters".
func (m *Model) chips(w int) (s string, full bool) {
	st := m.com.Styles
	if len(m.filters) == 0 {
		return st.Muted.Render("no filters"), true
	}
	const maxChip = 40
	rendered := make([]string, len(m.filters))
	for i, f := range m.filters {
		t := m.chipText(f)
		if ansi.StringWidth(t) > maxChip {
			t = ansi.Truncate(t, maxChip, "…")
		}
		rendered[i] = st.Chip.Render(" " + t + " ")
	}
	for n := len(rendered); n >= 1; n-- {
		s := strings.Join(rendered[:n], " ")
		if n < len(rendered) {
			s += st.Muted.Render(" +" + itoa(len(rendered)-n))
		}
		if ansi.StringWidth(s) <= w {
			return s, n == len(rendered)
		}
	}
	word := " filters"
	if len(m.filters) == 1 {
		word = " filter"
	}
	return st.Chip.Render(" " + itoa(len(m.filters)) + word + " "), false
}
