package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"gopkg.in/yaml.v3"

	"github.com/ttmon/ttmon/alert"
	builtindash "github.com/ttmon/ttmon/config/builtin"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
)

// builtinYAML is config/builtin/dashboards.yaml: the monitor's dashboards
// when cmd passes none (tests, and a caller of New without a config).
var builtinYAML = builtindash.DashboardsYAML

// BuiltinDashboards are the two dashboards ttmon ships (installation
// health, user engagement), read from the same form a user writes under
// `dashboards:`.
func BuiltinDashboards() []datasource.Dashboard {
	var f struct {
		Dashboards []datasource.Dashboard `yaml:"dashboards"`
	}
	if err := yaml.Unmarshal(builtinYAML, &f); err != nil {
		panic("tui: the built-in dashboards do not parse: " + err.Error()) // a test parses them
	}
	return f.Dashboards
}

// checkDashboards finds what would stop a dashboard from being shown:
// none at all, a start that is not one of them, a pane that does not
// resolve, a switch key taken by another dashboard or by the monitor.
func checkDashboards(ds []datasource.Dashboard, start string, km KeyMap, now time.Time) error {
	if len(ds) == 0 {
		return errors.New("dashboards: none to show; remove the empty dashboards: list to get the built-in ones")
	}
	var errs []error
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	if start != "" && !slices.Contains(names, start) {
		errs = append(errs, fmt.Errorf("dashboard %q: no such dashboard; use one of %s", start, strings.Join(names, ", ")))
	}
	r, _ := datasource.ParseRange("24h", now)
	keys := map[string]string{}
	for _, d := range ds {
		if len(d.Panes) == 0 {
			errs = append(errs, fmt.Errorf("dashboard %s: give it at least one pane", d.Name))
		}
		if _, err := d.Queries(r, now); err != nil {
			errs = append(errs, fmt.Errorf("dashboard %s: %w", d.Name, err))
		}
		if d.Key == "" {
			continue
		}
		if prev, ok := keys[d.Key]; ok {
			errs = append(errs, fmt.Errorf("dashboards %s and %s both use key %q; give one another key", prev, d.Name, d.Key))
		}
		keys[d.Key] = d.Name
		if a := km.owner(d.Key); a != "" {
			errs = append(errs, fmt.Errorf("dashboard %s: key %q is bound to %s; give the dashboard another key or remap %s in ui.keys", d.Name, d.Key, a, a))
		}
	}
	return errors.Join(errs...)
}

// setDashboards builds a page per dashboard and shows o.Dashboard (the
// first when it is empty).
func (m *Model) setDashboards(o Options) {
	for i, d := range o.Dashboards {
		m.dashboards = append(m.dashboards, newDashboard(m.com, m.keys, o.Thresholds, d))
		if d.Name == o.Dashboard {
			m.dash = i
		}
	}
	if len(m.dashboards) > 1 {
		for _, d := range m.dashboards {
			d.switches, d.switchHelp = []key.Binding{m.dashboardKeys()}, m.dashboardHelp()
		}
	}
	m.pages = []page{m.dashboards[m.dash]}
}

// panesQuery adds the visible dashboard's panes to q: its configured
// panes resolved for q's range, PanesOnly when it shows no built-in
// figure, and else the built-in figures it shows, unless an alert rule
// reads them all (the Snapshot then computes only what is on screen).
func (m *Model) panesQuery(q datasource.Query) datasource.Query {
	d := m.dashboards[m.dash].def
	now := m.com.Clock()
	if !m.at.IsZero() {
		now = m.at
	}
	pqs, err := d.Queries(q.Range, now)
	if err != nil { // checked by New; a range cannot make it fail
		m.com.Logger.Warn("dashboard panes", "dashboard", d.Name, "err", err)
		return q
	}
	q.Panes = pqs
	q.PanesOnly, q.Figures = len(d.Builtins()) == 0, nil
	if !m.rulesReadFigures() {
		q.Figures = d.Builtins() // the figures it draws, no others
	}
	return q
}

// rulesReadFigures reports whether an alert rule reads a built-in figure
// (a rule without a pane).
func (m *Model) rulesReadFigures() bool {
	return slices.ContainsFunc(m.rules, func(r alert.Rule) bool { return r.Pane == "" })
}

// switchKey handles the keys that pick what the dashboard shows: a
// dashboard's own key, the cycle key, and the keys that focus a built-in
// figure (switching to the dashboard that has it). They act on the
// dashboard only: in a drill view they are the view's.
func (m *Model) switchKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if len(m.pages) > 1 {
		return nil, false
	}
	k := m.keys
	for i, d := range m.dashboards {
		if d.def.Key != "" && msg.String() == d.def.Key {
			return m.switchDashboard(i), true
		}
	}
	switch {
	case key.Matches(msg, k.NextDashboard):
		return m.switchDashboard((m.dash + 1) % len(m.dashboards)), true
	case key.Matches(msg, k.Pane1):
		return m.focusFigure("installs"), true
	case key.Matches(msg, k.Pane2):
		return m.focusFigure("versions"), true
	case key.Matches(msg, k.Pane3):
		return m.focusFigure("errors"), true
	case key.Matches(msg, k.Pane4):
		return m.focusFigure("timers"), true
	}
	return nil, false
}

// switchDashboard shows dashboard i: it takes the figures already known
// at once, and polls for its own panes.
func (m *Model) switchDashboard(i int) tea.Cmd {
	if i == m.dash {
		return nil
	}
	m.dash = i
	d := m.dashboards[i]
	d.SetSize(max(m.width, 0), max(m.height-chromeH, 0))
	m.pages[0] = d
	var cmd tea.Cmd
	// A figure the last snapshot did not count (PanesOnly, or another
	// dashboard's Figures) is no reading: the dashboard then waits for
	// its own.
	if m.snap != nil && !m.snap.Query.PanesOnly && !slices.ContainsFunc(d.def.Builtins(), func(f string) bool { return !m.snap.Query.Wants(f) }) {
		_, cmd = d.Update(panes.DataMsg{Snapshot: m.snap, Alerts: m.firing})
	}
	return tea.Batch(cmd, m.refetch(), m.setStatus("dashboard "+d.def.DisplayTitle()))
}

// focusFigure focuses the pane of a built-in figure, on this dashboard or
// the first that shows it.
func (m *Model) focusFigure(name string) tea.Cmd {
	for _, i := range append([]int{m.dash}, seq(len(m.dashboards))...) {
		if j := m.dashboards[i].figure(name); j >= 0 {
			cmd := m.switchDashboard(i)
			m.dashboards[i].setFocus(j)
			return cmd
		}
	}
	return m.setStatus("no dashboard shows " + name)
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// dashboardKeys is one footer entry for the dashboards' own keys and the
// cycle key ("1/2/d dashboard").
func (m *Model) dashboardKeys() key.Binding {
	var ks []string
	for _, d := range m.dashboards {
		if d.def.Key != "" {
			ks = append(ks, d.def.Key)
		}
	}
	label := append(slices.Clone(ks), m.keys.NextDashboard.Help().Key)
	return key.NewBinding(key.WithKeys(append(ks, m.keys.NextDashboard.Keys()...)...), key.WithHelp(strings.Join(label, "/"), "dashboard"))
}

// dashboardHelp lists each dashboard's key for the help overlay.
func (m *Model) dashboardHelp() []key.Binding {
	out := []key.Binding{m.keys.full("next_dashboard")}
	for _, d := range m.dashboards {
		if d.def.Key != "" {
			out = append(out, key.NewBinding(key.WithKeys(d.def.Key), key.WithHelp(d.def.Key, d.def.DisplayTitle())))
		}
	}
	return out
}
