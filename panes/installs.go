package panes

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// maxSeries bounds every series a pane keeps. Sources return at most one
// point per bucket (90 for custom ranges), so this only guards against a
// misbehaving adapter growing memory without limit.
const maxSeries = 512

func boundSeries(s []datasource.Point) []datasource.Point {
	if len(s) > maxSeries {
		s = s[len(s)-maxSeries:]
	}
	return slices.Clone(s)
}

func values(s []datasource.Point) []float64 {
	out := make([]float64, len(s))
	for i, p := range s {
		out[i] = p.V
	}
	return out
}

// Installs is the active-installations pane: the number of distinct
// installations that sent a heartbeat in range, its change against the
// previous period, and the count per bucket as a line.
type Installs struct {
	base
	has  bool
	data datasource.Installs
	rng  datasource.Range
}

var _ Pane = (*Installs)(nil)

// NewInstalls returns the active-installations pane.
func NewInstalls(com *common.Common, keys KeyMap) *Installs {
	return &Installs{base: newBase(com, keys, TitleInstalls)}
}

// Update takes new data; enter opens the drill view.
func (p *Installs) Update(msg tea.Msg) (Pane, tea.Cmd) {
	p.restyle(msg)
	if k, ok := msg.(tea.KeyPressMsg); ok && p.focused && key.Matches(k, p.keys.Drill) {
		return p, drill(NewInstallsDrill(p.com, p.keys))
	}
	if m, ok := msg.(DataMsg); ok && m.Snapshot != nil {
		p.setAlarm(m.Alerts, alarmInstalls)
		d := m.Snapshot.Installs
		if p.has && d.Active == p.data.Active && d.Previous == p.data.Previous &&
			slices.Equal(d.Series, p.data.Series) && m.Snapshot.Query.Range == p.rng {
			return p, nil // unchanged: keep the cached string
		}
		d.Series = boundSeries(d.Series)
		p.data, p.rng, p.has, p.dirty = d, m.Snapshot.Query.Range, true, true
	}
	return p, nil
}

// View returns the cached rendering.
func (p *Installs) View() string { return p.view(p.render) }

func (p *Installs) change() string {
	st := p.com.Styles
	dir, pct := common.Change(p.data.Active, p.data.Previous)
	s := map[common.Direction]lipgloss.Style{common.Up: st.Up, common.Down: st.Down, common.Flat: st.Flat}[dir]
	return p.figure("installs.change", s).Render(dir.Arrow() + " " + pct)
}

// previous is "vs 1,068 previous 24h", the count in an alert's style
// while a rule on it fires.
func (p *Installs) previous() string {
	st := p.com.Styles
	n, label := common.Thousands(p.data.Previous), " previous "+p.rng.Label()
	if p.alarm.metrics["installs.previous"] == LevelOK {
		return st.Muted.Render("vs " + n + label)
	}
	return st.Muted.Render("vs ") + p.figure("installs.previous", st.Muted).Render(n) + st.Muted.Render(label)
}

func (p *Installs) render() string {
	st := p.com.Styles
	iw, ih := p.inner()
	if !p.has {
		return p.frame(nil, centerLines(st.Empty.Render("waiting for data…"), iw, ih))
	}
	n := common.Thousands(p.data.Active)
	summary := []string{st.Muted.Render(rangeWords(p.rng, p.com.Clock(), p.com.Loc))}
	var body []string
	if !p.boxed() {
		num := p.figure("installs.active", st.Number).Render(n)
		summary = []string{num + " " + p.change() + st.Muted.Render(" vs previous "+p.rng.Label()), num + " " + p.change(), num}
	} else {
		body = p.headline(n, iw, ih)
	}
	chartH := ih - len(body)
	if chartH >= 8 && len(body) > 0 {
		body = append(body, "")
		chartH--
	}
	body = append(body, p.chart(iw, chartH)...)
	return p.frame(summary, body)
}

// headline is the big number with its change beside it, or one line when
// the pane is too small (or --basic) for the big font.
func (p *Installs) headline(n string, iw, ih int) []string {
	st := p.com.Styles
	prev := p.previous()
	num := p.figure("installs.active", st.Number)
	big := bigNumber(n)
	bw := lipgloss.Width(big[0])
	if p.com.Basic || ih < 9 || bw+4+lipgloss.Width(prev) > iw {
		return []string{num.Render(n) + st.Muted.Render(" active") + "  " + p.change() + "  " + prev}
	}
	// Reverse video and underline would mangle the half-block digits:
	// without colour they are only bold, and the title says ALERT.
	num = num.UnsetReverse().UnsetUnderline()
	return []string{
		num.Render(big[0]) + "   " + p.change(),
		num.Render(big[1]) + "   " + prev,
		num.Render(big[2]),
	}
}

// scaleLabel is the y-axis cell of chart row i: top on the first row,
// bottom on the last, blank between; lw is its width with a space.
func scaleLabel(s lipgloss.Style, i, rows int, top, bottom string, lw int) string {
	if lw == 0 {
		return ""
	}
	l := ""
	switch {
	case i == 0:
		l = top
	case i == rows-1:
		l = bottom
	}
	if l == "" {
		return repeat(" ", lw)
	}
	return s.Render(padLeft(l, lw-1)) + " "
}
