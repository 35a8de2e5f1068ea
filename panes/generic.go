package panes

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// Generic is a dashboard pane declared in config (datasource.PaneSpec):
// it draws the PaneFigures the Source computed for it, found by id in
// each Snapshot, as a number, bars, lines or a table. It knows nothing of
// what it counts beyond the spec, so every configured pane is drawn the
// same honest way: a pane the source did not answer says so, and a pane
// not narrowed by a filter says which.
type Generic struct {
	base
	spec datasource.PaneSpec
	th   Thresholds
	// asked: a snapshot whose query held this pane arrived; answered: it
	// carried the pane's figures.
	asked, answered bool
	pq              datasource.PaneQuery
	fig             datasource.PaneFigures
	sel             int      // the selected group, for enter
	selKey          []string // its key, so a refresh that reorders keeps it
	tbl             *table
	// crumb starts a group drill's breadcrumb ("Platforms › "); inDrill
	// lets a table's find line open (on the dashboard its keys are the
	// monitor's).
	crumb   string
	inDrill bool
}

var _ Pane = (*Generic)(nil)

// NewGeneric returns the pane for spec. th are the error-rate pane's
// thresholds, which colour a per-installation rate when the spec sets no
// warn and crit of its own.
func NewGeneric(com *common.Common, keys KeyMap, spec datasource.PaneSpec, th Thresholds) *Generic {
	p := &Generic{base: newBase(com, keys, spec.DisplayTitle()), spec: spec, th: th, crumb: spec.DisplayTitle() + " › "}
	p.ownScope = true
	if spec.EffectiveChart() == datasource.ChartTable {
		p.tbl = newTable(com, keys, p.tableColumns(), p.compare)
		// The source's order (largest first) until s picks another.
		p.tbl.sortCol, p.tbl.desc = len(spec.Breakdown), true
	}
	return p
}

// ID is the spec's id, which Snapshot.Panes answers by.
func (p *Generic) ID() string { return p.spec.ID }

// Spec is the pane's declaration.
func (p *Generic) Spec() datasource.PaneSpec { return p.spec }

// Update takes the pane's figures from a snapshot that asked for them,
// and, focused, moves the selection and drills into a group.
func (p *Generic) Update(msg tea.Msg) (Pane, tea.Cmd) {
	p.restyle(msg)
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		if p.focused {
			return p, p.handleKey(m)
		}
	case DataMsg:
		p.take(m.Snapshot)
	}
	return p, nil
}

// take finds the pane in s. A snapshot of a query that did not ask for
// it (a poll of another dashboard still arriving) changes nothing.
func (p *Generic) take(s *datasource.Snapshot) {
	if s == nil {
		return
	}
	i := slices.IndexFunc(s.Query.Panes, func(q datasource.PaneQuery) bool { return q.Spec.ID == p.spec.ID })
	if i < 0 {
		return
	}
	pq := s.Query.Panes[i]
	j := slices.IndexFunc(s.Panes, func(f datasource.PaneFigures) bool { return f.ID == p.spec.ID })
	if j < 0 {
		if !p.asked || p.answered {
			p.asked, p.answered, p.fig, p.pq, p.dirty = true, false, datasource.PaneFigures{}, pq, true
			p.setScope(nil)
		}
		return
	}
	f := s.Panes[j]
	if p.answered && p.pq.Range == pq.Range && figuresEqual(f, p.fig) {
		return
	}
	f.Series = boundSeries(f.Series)
	if len(f.Groups) > maxVersions {
		f.Groups = f.Groups[:maxVersions]
	}
	p.asked, p.answered, p.fig, p.pq, p.dirty = true, true, f, pq, true
	p.setScope(f.NotNarrowed)
	if i := slices.IndexFunc(f.Groups, func(g datasource.Group) bool { return slices.Equal(g.Key, p.selKey) }); i >= 0 {
		p.sel = i
	}
	p.sel = min(p.sel, max(len(f.Groups)-1, 0))
	if p.tbl != nil {
		p.setTableRows()
	}
}

func (p *Generic) setScope(skipped []string) {
	m := mapping(p.com)
	why := "not on these events"
	if m.PaneKind(p.spec) == datasource.KindHeartbeat {
		why = "a user property"
	}
	sc := scope{why: why}
	if p.spec.EffectiveMeasure() != datasource.MeasurePerInstallation {
		sc.skipped = slices.Clone(skipped)
		p.scope = sc
		return
	}
	// A rate's list joins what its events skipped and what the active
	// installations it divides by skipped: a user property narrows the
	// errors of admins and not the installations, and the pane says that
	// ("rate: installs not narrowed by ..."), not that the errors are not.
	for _, s := range skipped {
		f, err := datasource.ParseFilter(s)
		if err == nil && len(m.FiltersFor(m.PaneKind(p.spec), []datasource.Filter{f}).Skipped) == 0 {
			sc.perInstall = append(sc.perInstall, s)
		} else {
			sc.skipped = append(sc.skipped, s)
		}
	}
	p.scope = sc
}

func figuresEqual(a, b datasource.PaneFigures) bool {
	return a.ID == b.ID && a.Total == b.Total && a.Num == b.Num && a.Den == b.Den && a.Other == b.Other &&
		a.OtherGroups == b.OtherGroups && slices.Equal(a.Series, b.Series) && slices.Equal(a.NotNarrowed, b.NotNarrowed) &&
		slices.EqualFunc(a.Groups, b.Groups, func(x, y datasource.Group) bool {
			return slices.Equal(x.Key, y.Key) && x.Value == y.Value && x.Num == y.Num && x.Den == y.Den &&
				slices.Equal(x.Series, y.Series) && x.Installations == y.Installations && x.Users == y.Users &&
				x.FirstSeen.Equal(y.FirstSeen) && x.LastSeen.Equal(y.LastSeen) && slices.Equal(x.Versions, y.Versions)
		})
}

// View returns the cached rendering.
func (p *Generic) View() string { return p.view(p.render) }

// ShortHelp lists the selection and drill keys when the pane has groups.
func (p *Generic) ShortHelp() []key.Binding {
	if len(p.spec.Breakdown) == 0 {
		return nil
	}
	return []key.Binding{PairHelp(p.keys.Up, p.keys.Down, "select"), p.keys.Drill}
}

// FullHelp is ShortHelp for the help overlay.
func (p *Generic) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *Generic) handleKey(k tea.KeyPressMsg) tea.Cmd {
	if p.tbl != nil && !key.Matches(k, p.keys.Drill) {
		if !p.inDrill && key.Matches(k, p.keys.Find, p.keys.Sort, p.keys.Reverse) {
			return nil
		}
		if p.tbl.handleKey(k) {
			p.dirty = true
		}
		return nil
	}
	n := len(p.fig.Groups)
	switch {
	case key.Matches(k, p.keys.Drill):
		return p.drill()
	case n == 0:
		return nil
	case key.Matches(k, p.keys.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(k, p.keys.Down):
		p.sel = min(p.sel+1, n-1)
	case key.Matches(k, p.keys.Home):
		p.sel = 0
	case key.Matches(k, p.keys.End):
		p.sel = n - 1
	default:
		return nil
	}
	p.selKey, p.dirty = p.fig.Groups[p.sel].Key, true
	return nil
}

// selected is the group enter acts on, or -1.
func (p *Generic) selected() int {
	if p.tbl != nil {
		return p.tbl.selected()
	}
	if p.sel >= len(p.fig.Groups) {
		return -1
	}
	return p.sel
}

// drill opens the selected group: its events, and its installations when
// the pane counts installations.
func (p *Generic) drill() tea.Cmd {
	if len(p.spec.Breakdown) == 0 {
		return status("this pane has no groups to drill into; give it a breakdown")
	}
	i := p.selected()
	if !p.answered || i < 0 {
		return status(noDrill(p.answered, "no groups in range to drill into"))
	}
	g := p.fig.Groups[i]
	v := NewGroupDrill(p.com, p.keys, p.spec, p.crumb, g.Key)
	return drill(v, GroupFilters(p.spec, g.Key, p.pq.Where)...)
}

// measureNoun names what the pane counts, for summaries and empty states.
func measureNoun(m datasource.Measure) string {
	switch m {
	case datasource.MeasureUsers:
		return "users"
	case datasource.MeasureInstallations:
		return "installations"
	case datasource.MeasurePerInstallation:
		return "per installation"
	case datasource.MeasureNewInstallations:
		return "new installations"
	}
	return "events"
}

// formatValue writes a figure of the measure: rates with two decimals,
// counts with thousands separators.
func formatValue(m datasource.Measure, v float64) string {
	if m == datasource.MeasurePerInstallation {
		return common.Rate(v)
	}
	return common.Thousands(int64(v + 0.5))
}

// level is a per-installation rate's level by the spec's warn and crit,
// or the error-rate pane's thresholds when the spec sets neither.
func (p *Generic) level(v float64) Level {
	if p.spec.EffectiveMeasure() != datasource.MeasurePerInstallation || len(p.scope.skipped) > 0 {
		return LevelOK
	}
	th := p.th
	if p.spec.Warn > 0 || p.spec.Crit > 0 {
		th = Thresholds{Warn: p.spec.Warn, Alert: p.spec.Crit}
	}
	return th.Level(v)
}
