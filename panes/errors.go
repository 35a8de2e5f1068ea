package panes

import (
	"cmp"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// Thresholds colour the error-rate pane by errors per active installation.
// A threshold of zero or less is off.
type Thresholds struct {
	Warn, Alert float64
}

// DefaultThresholds are config's defaults: warn at 0.05 errors per active
// installation, alert at 0.2.
func DefaultThresholds() Thresholds { return Thresholds{Warn: 0.05, Alert: 0.2} }

// Level is how worrying an error rate is.
type Level int

// Levels, from fine to alarming.
const (
	LevelOK Level = iota
	LevelWarn
	LevelAlert
)

// Level classifies errors per installation against the thresholds.
func (t Thresholds) Level(perInstall float64) Level {
	switch {
	case t.Alert > 0 && perInstall >= t.Alert:
		return LevelAlert
	case t.Warn > 0 && perInstall >= t.Warn:
		return LevelWarn
	}
	return LevelOK
}

// Errors is the error-rate pane: errors per bucket, the total, and errors
// per active installation, coloured (and labelled, for monochrome) by the
// configured thresholds.
type Errors struct {
	base
	th   Thresholds
	has  bool
	data datasource.Errors
	rng  datasource.Range
}

var _ Pane = (*Errors)(nil)

// NewErrors returns the error-rate pane.
func NewErrors(com *common.Common, keys KeyMap, th Thresholds) *Errors {
	return &Errors{base: newBase(com, keys, TitleErrors), th: th}
}

// Update takes new data; enter opens the drill view.
func (p *Errors) Update(msg tea.Msg) (Pane, tea.Cmd) {
	p.restyle(msg)
	if k, ok := msg.(tea.KeyPressMsg); ok && p.focused && key.Matches(k, p.keys.Drill) {
		return p, drill(NewErrorGroupsDrill(p.com, p.keys, p.th))
	}
	if m, ok := msg.(DataMsg); ok && m.Snapshot != nil {
		p.setAlarm(m.Alerts, alarmErrors)
		d := m.Snapshot.Errors
		if p.has && d.Total == p.data.Total && d.PerInstall == p.data.PerInstall &&
			slices.Equal(d.Series, p.data.Series) && slices.Equal(d.ByVersion, p.data.ByVersion) &&
			m.Snapshot.Query.Range == p.rng {
			return p, nil
		}
		d.Series = boundSeries(d.Series)
		d.ByVersion = slices.Clone(d.ByVersion[:min(len(d.ByVersion), maxVersions)])
		p.data, p.rng, p.has, p.dirty = d, m.Snapshot.Query.Range, true, true
	}
	return p, nil
}

// View returns the cached rendering.
func (p *Errors) View() string { return p.view(p.render) }

// level returns the style and word for the current rate by the pane's
// thresholds. The word is always shown, so the state reads the same with
// or without colour. A rate a filter did not narrow on both sides (the
// errors, or the installations it divides by, left it out) compares
// figures of different sets: it is neither "ok" nor a WARN, it is
// "unscoped", and the frame's note names the filter.
func (p *Errors) level() (lipgloss.Style, string) {
	st := p.com.Styles
	if p.unscoped() {
		return st.Muted, "unscoped"
	}
	switch p.thLevel() {
	case LevelAlert:
		return st.Alert, "ALERT"
	case LevelWarn:
		return st.Warn, "WARN"
	}
	return st.OK, "ok"
}

// unscoped reports that the errors or the active installations left out
// a filter the other applied.
func (p *Errors) unscoped() bool {
	return len(p.scope.skipped) > 0 || len(p.scope.perInstall) > 0
}

// thLevel is the thresholds' level for the rate; an unscoped rate has
// none (alert rules from the config still apply: they are the user's).
func (p *Errors) thLevel() Level {
	if p.unscoped() {
		return LevelOK
	}
	return p.th.Level(p.data.PerInstall)
}

// rateLevel is the worse of the thresholds' level and that of an alert
// rule on errors.per_install: the rate and the bars take its colour.
func (p *Errors) rateLevel() Level {
	return max(p.thLevel(), p.alarm.metrics["errors.per_install"])
}

// rateStyle is the style of the rate figure.
func (p *Errors) rateStyle() lipgloss.Style {
	ls, _ := p.level()
	return p.levelStyle(p.rateLevel(), ls)
}

// summary is the title line: in a box, the level and the threshold it
// crossed (the figures are in the body); compact, the figures too.
func (p *Errors) summary() []string {
	st := p.com.Styles
	ls, word := p.level()
	lvl := ls.Render(word)
	if a := p.alarm.level; a != LevelOK && p.thLevel() <= a {
		// An alert rule at least as bad already says so beside the title.
		return p.figures("")
	}
	if p.boxed() {
		switch p.thLevel() {
		case LevelAlert:
			return []string{lvl + st.Muted.Render(" ≥ "+common.Rate(p.th.Alert)+"/install"), lvl}
		case LevelWarn:
			return []string{lvl + st.Muted.Render(" ≥ "+common.Rate(p.th.Warn)+"/install"), lvl}
		}
		return []string{lvl}
	}
	return p.figures(lvl)
}

// figures are the compact title's summaries, longest first, ending in
// the level's word lvl (none in a box, where the body has the figures).
func (p *Errors) figures(lvl string) []string {
	if p.boxed() {
		return nil
	}
	st := p.com.Styles
	total := p.figure("errors.total", st.Number).Render(common.Thousands(p.data.Total))
	rate := p.rateStyle().Render(common.Rate(p.data.PerInstall))
	sp := " "
	if lvl == "" {
		sp = ""
	}
	return []string{
		total + st.Muted.Render(" errors · ") + rate + st.Muted.Render("/install"+sp) + lvl,
		total + st.Muted.Render(" err · ") + rate + st.Muted.Render("/inst"+sp) + lvl,
		rate + st.Muted.Render("/install"+sp) + lvl,
		lvl,
	}
}

func (p *Errors) render() string {
	st := p.com.Styles
	iw, ih := p.inner()
	if !p.has {
		return p.frame(nil, centerLines(st.Empty.Render("waiting for data…"), iw, ih))
	}
	var body []string
	if p.boxed() {
		total := p.figure("errors.total", st.Number).Render(common.Thousands(p.data.Total))
		rate := p.rateStyle().Render(common.Rate(p.data.PerInstall))
		body = append(body, firstFit(iw,
			total+st.Muted.Render(" errors   ")+rate+st.Muted.Render(" per active installation"),
			total+st.Muted.Render(" errors   ")+rate+st.Muted.Render(" per install"),
			total+st.Muted.Render(" errors  ")+rate+st.Muted.Render("/inst"),
		), "")
	}
	side := p.byVersion(ih - len(body))
	sw := 0
	if len(side) > 0 && iw >= 64 {
		sw = 24
	}
	chart := p.chart(iw-sw, ih-len(body))
	for i, c := range chart {
		if sw > 0 && i < len(side) {
			c = fit(c, iw-sw) + side[i]
		}
		body = append(body, c)
	}
	return p.frame(p.summary(), body)
}

// byVersion lists the versions with the most errors, for the side column
// of wide panes.
func (p *Errors) byVersion(h int) []string {
	st := p.com.Styles
	if h < 3 || len(p.data.ByVersion) == 0 {
		return nil
	}
	vs := slices.Clone(p.data.ByVersion)
	slices.SortStableFunc(vs, func(a, b datasource.VersionCount) int { return cmp.Compare(b.Errors, a.Errors) })
	out := []string{st.Muted.Render("  top versions")}
	for _, v := range vs[:min(len(vs), h-2)] {
		n := common.Thousands(v.Errors)
		out = append(out, "  "+st.Text.Render(fit(v.Version, 22-2-len(n)-1))+" "+n)
	}
	return out
}
