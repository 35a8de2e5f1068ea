package panes

import (
	"fmt"
	"slices"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// drillBase is what every drill view shares on top of base: whether data
// arrived yet.
type drillBase struct {
	base
	has bool
}

// Capturing is false for views without a find line.
func (d *drillBase) Capturing() bool { return false }

// breakdownLimit bounds the values a breakdown view asks for.
const breakdownLimit = 50

// Breakdown is a drill view of bar lists side by side: one version's
// installations by platform and by deployment method, or one hour's timers
// by deployment method and by version.
type Breakdown struct {
	drillBase
	req    Request
	titles []string
	unit   string
	data   [][]datasource.ValueCount
	// installs: enter lists the installations counted here.
	installs bool
}

var _ Drill = (*Breakdown)(nil)

// NewVersionDrill shows the installations on version v (the root adds the
// version filter) by platform and by deployment method.
func NewVersionDrill(com *common.Common, keys KeyMap, v string) *Breakdown {
	m := mapping(com)
	b := &Breakdown{drillBase: drillBase{base: newBase(com, keys, TitleVersions+" › "+v)},
		titles: []string{"by platform", "by deployment method"}, unit: "installations", installs: true}
	for _, prop := range []string{m.PlatformProperty, m.DeploymentProperty} {
		b.req.Breakdowns = append(b.req.Breakdowns, datasource.BreakdownQuery{
			Kind: datasource.KindHeartbeat, Scope: datasource.ScopeEvent, Key: prop, Hour: -1, Limit: breakdownLimit})
	}
	return b
}

// NewHourDrill shows the timers started in one hour of the day (in zone)
// by deployment method and by version.
func NewHourDrill(com *common.Common, keys KeyMap, hour int, zone string) *Breakdown {
	m := mapping(com)
	title := fmt.Sprintf("%s › %02d:00–%02d:00 %s", TitleTimers, hour, (hour+1)%24, zone)
	b := &Breakdown{drillBase: drillBase{base: newBase(com, keys, title)},
		titles: []string{"by deployment method", "by version"}, unit: "timers started"}
	for _, prop := range []string{m.DeploymentProperty, m.VersionProperty} {
		b.req.Breakdowns = append(b.req.Breakdowns, datasource.BreakdownQuery{
			Kind: datasource.KindTimer, Scope: datasource.ScopeEvent, Key: prop, Hour: hour, Limit: breakdownLimit})
	}
	return b
}

func mapping(com *common.Common) datasource.Mapping {
	m := com.Mapping
	d := datasource.DefaultMapping()
	if m.VersionProperty == "" {
		m.VersionProperty = d.VersionProperty
	}
	if m.PlatformProperty == "" {
		m.PlatformProperty = d.PlatformProperty
	}
	if m.DeploymentProperty == "" {
		m.DeploymentProperty = d.DeploymentProperty
	}
	return m
}

// Request asks for the breakdowns.
func (b *Breakdown) Request() *Request { return &b.req }

// Update takes the breakdowns.
func (b *Breakdown) Update(msg tea.Msg) (Pane, tea.Cmd) {
	b.restyle(msg)
	if k, ok := msg.(tea.KeyPressMsg); ok && b.focused && b.installs && key.Matches(k, b.keys.Drill) {
		return b, drill(NewInstallsDrill(b.com, b.keys))
	}
	if m, ok := msg.(DrillDataMsg); ok && len(m.Breakdowns) == len(b.titles) {
		if !b.has || !slices.EqualFunc(m.Breakdowns, b.data, slices.Equal) {
			b.data, b.has, b.dirty = m.Breakdowns, true, true
		}
	}
	return b, nil
}

// View returns the cached rendering.
func (b *Breakdown) View() string { return b.view(b.render) }

// ShortHelp: enter lists a version's installations; the hour's view has
// no keys of its own (esc goes back).
func (b *Breakdown) ShortHelp() []key.Binding {
	if !b.installs {
		return nil
	}
	d := b.keys.Drill
	d.SetHelp(d.Help().Key, "installations")
	return []key.Binding{d}
}

// FullHelp is ShortHelp for the help overlay.
func (b *Breakdown) FullHelp() [][]key.Binding {
	if !b.installs {
		return nil
	}
	return [][]key.Binding{b.ShortHelp()}
}

func (b *Breakdown) total() int64 {
	var n int64
	if len(b.data) > 0 {
		for _, v := range b.data[0] {
			n += v.Count
		}
	}
	return n
}

func (b *Breakdown) render() string {
	st := b.com.Styles
	iw, ih := b.inner()
	if !b.has {
		return b.frame(nil, centerLines(st.Empty.Render("waiting for data…"), iw, ih))
	}
	total := b.total()
	summary := []string{st.Number.Render(common.Thousands(total)) + st.Muted.Render(" "+b.unit)}
	if total == 0 {
		return b.frame(summary, centerLines(st.Empty.Render("no "+b.unit+" match"), iw, ih))
	}
	var body []string
	if iw >= 70 {
		gap := 4
		lw := (iw - gap) / 2
		left, right := b.section(0, lw, ih), b.section(1, iw-gap-lw, ih)
		for i := range max(len(left), len(right)) {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			body = append(body, fit(l, lw)+repeat(" ", gap)+r)
		}
	} else {
		top := (ih - 1) / 2
		body = append(b.section(0, iw, top), "")
		body = append(body, b.section(1, iw, ih-len(body))...)
	}
	return b.frame(summary, body)
}

// section draws one bar list in w x h: its title, then a row per value,
// the tail folded into "other".
func (b *Breakdown) section(i, w, h int) []string {
	st := b.com.Styles
	if h <= 0 || i >= len(b.data) {
		return nil
	}
	out := []string{st.Bold.Render(b.titles[i])}
	vals := b.data[i]
	var total, top int64
	for _, v := range vals {
		total += v.Count
		top = max(top, v.Count)
	}
	if len(vals) == 0 {
		return append(out, st.Empty.Render("none"))
	}
	rows := h - 1
	shown := vals
	var other int64
	if len(vals) > rows && rows > 0 {
		shown = vals[:rows-1]
		for _, v := range vals[rows-1:] {
			other += v.Count
		}
	}
	lw, cw := 0, 0
	for _, v := range shown {
		lw = max(lw, ansi.StringWidth(v.Value))
		cw = max(cw, len(common.Thousands(v.Count)))
	}
	if other > 0 {
		lw = max(lw, len("other (99)"))
		cw = max(cw, len(common.Thousands(other)))
	}
	lw = min(lw, max(w/3, 8))
	const shareW = 7
	bw := w - lw - 1 - cw - shareW - 1
	row := func(label string, n int64, muted bool) string {
		ls := st.Text
		if muted {
			ls = st.Muted
		}
		line := ls.Render(fit(label, lw)) + " "
		if bw >= 3 {
			line += st.Bars.Render(fit(hbar(float64(n)/float64(max(top, 1)), bw, b.com.Basic), bw)) + " "
		}
		return line + padLeft(common.Thousands(n), cw) + st.Muted.Render(padLeft(common.Percent(float64(n)/float64(max(total, 1))), shareW))
	}
	for _, v := range shown {
		out = append(out, row(v.Value, v.Count, v.Value == datasource.Unknown))
	}
	if other > 0 {
		out = append(out, row("other ("+strconv.Itoa(len(vals)-len(shown))+")", other, true))
	}
	return out
}
