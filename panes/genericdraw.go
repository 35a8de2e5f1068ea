package panes

import (
	"slices"
	"strconv"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

func (p *Generic) render() string {
	st := p.com.Styles
	iw, ih := p.inner()
	m := p.spec.EffectiveMeasure()
	switch {
	case !p.asked:
		return p.frame(nil, centerLines(st.Empty.Render("waiting for data…"), iw, ih))
	case !p.answered:
		// Not a zero: the source computed nothing for this pane.
		return p.frame(nil, centerLines(st.Empty.Render(firstFit(iw,
			"no data: the source did not compute this pane", "no data from the source", "no data")), iw, ih))
	case p.fig.Total == 0 && len(p.fig.Groups) == 0 && p.fig.Num == 0:
		noun := measureNoun(m)
		if m == datasource.MeasurePerInstallation {
			noun = "events"
		}
		return p.frame(p.summary(), centerLines(st.Empty.Render("no "+noun+" in range"), iw, ih))
	}
	var body []string
	switch p.spec.EffectiveChart() {
	case datasource.ChartNumber:
		body = p.numberBody(iw, ih)
	case datasource.ChartLine:
		body = p.lineBody(iw, ih)
	case datasource.ChartTable:
		body = p.tableBody(iw, ih)
	default:
		body = p.barsBody(iw, ih)
	}
	return p.frame(p.summary(), body)
}

// summary is the total and the range, longest first.
func (p *Generic) summary() []string {
	st := p.com.Styles
	m := p.spec.EffectiveMeasure()
	rng := st.Muted.Render(" · " + rangeWords(p.pq.Range, p.com.Clock(), p.com.Loc))
	if m == datasource.MeasurePerInstallation {
		rate := p.levelStyle(p.level(p.fig.Total), st.Number).Render(common.Rate(p.fig.Total))
		parts := st.Muted.Render(" (" + common.Thousands(p.fig.Num) + " / " + common.Thousands(p.fig.Den) + " installs)")
		return []string{rate + st.Muted.Render(" per install") + parts + rng, rate + st.Muted.Render(" per install") + parts,
			rate + st.Muted.Render(" per install"), rate}
	}
	n := st.Number.Render(formatValue(m, p.fig.Total))
	noun := st.Muted.Render(" " + measureNoun(m))
	return []string{n + noun + rng, n + noun, n}
}

// numberBody is the total in the big font where it fits (one line
// otherwise), with the series as bars under it.
func (p *Generic) numberBody(iw, ih int) []string {
	st := p.com.Styles
	m := p.spec.EffectiveMeasure()
	n := formatValue(m, p.fig.Total)
	var body []string
	big := bigNumber(n)
	if !p.com.Basic && p.boxed() && ih >= 8 && m != datasource.MeasurePerInstallation && lipgloss.Width(big[0]) <= iw {
		for _, l := range big {
			body = append(body, st.Number.Render(l))
		}
	} else {
		body = append(body, st.Number.Render(n)+st.Muted.Render(" "+measureNoun(m)))
	}
	if ih-len(body) >= 3 {
		body = append(body, "")
	}
	return append(body, seriesBars(p.com, p.fig.Series, p.pq.Range, iw, ih-len(body))...)
}

// seriesBars draws a series as columns over a 0..max scale with a time
// axis when there is room, the bucket still filling up shaded.
func seriesBars(com *common.Common, series []datasource.Point, rng datasource.Range, iw, h int) []string {
	st := com.Styles
	vals := values(series)
	if h <= 0 || len(vals) == 0 {
		return nil
	}
	axis := h >= 3
	if axis {
		h--
	}
	hi := slices.Max(vals)
	top := common.Compact(hi)
	lw := len(top) + 1
	if iw < 30 {
		lw = 0
	}
	cw := iw - lw
	if cw <= 0 {
		return nil
	}
	cols := resample(vals, cw)
	rows := columns(cols, h, hi, com.Basic)
	split := cw
	if k := firstPartial(series); k < len(vals) {
		split = bucketCol(k, len(vals), cw)
		rows = shadePartial(rows, cols, split)
	}
	out := make([]string, 0, h+1)
	for i, r := range rows {
		out = append(out, scaleLabel(st.Axis, i, len(rows), top, "0", lw)+splitStyle(r, split, st.Bars, st.Muted))
	}
	if axis {
		pos := func(i int) int { return bucketCol(i, len(vals), cw) }
		out = append(out, repeat(" ", lw)+st.Axis.Render(timeAxis(series, rng.Step, com.Loc, cw, pos)))
	}
	return out
}

// sparkRow is a series in one row of eighth blocks (whole blocks in basic
// mode) scaled to its own peak, the bucket still filling up shaded.
func sparkRow(com *common.Common, series []datasource.Point, w int) string {
	st := com.Styles
	vals := values(series)
	if w <= 0 {
		return ""
	}
	if len(vals) == 0 {
		return repeat(" ", w)
	}
	cols := resample(vals, w)
	var row []string
	if com.Basic {
		row = []string{asciiRamp(cols, slices.Max(vals))}
	} else {
		row = columns(cols, 1, slices.Max(vals), false)
	}
	split := w
	if k := firstPartial(series); k < len(vals) {
		split = bucketCol(k, len(vals), w)
		row = shadePartial(row, cols, split)
	}
	return splitStyle(row[0], split, st.Series, st.Muted)
}

// ramp are eight levels in ASCII: in basic mode a one-row sparkline of
// whole blocks would be one block wherever the value is not zero.
const ramp = " .:-=+*#"

// asciiRamp draws columns scaled to top with ramp; gap columns blank.
func asciiRamp(cols []float64, top float64) string {
	b := make([]byte, len(cols))
	for i, v := range cols {
		switch {
		case v <= 0 || top <= 0:
			b[i] = ' '
		default:
			b[i] = ramp[min(max(int(v/top*float64(len(ramp)-1)+0.5), 1), len(ramp)-1)]
		}
	}
	return string(b)
}

// window is the first group shown when n rows fit and sel must be among
// them.
func window(sel, rows, n int) int {
	if rows <= 0 || n <= rows {
		return 0
	}
	return min(max(sel-rows+1, 0), n-rows)
}

// groupRows lays out the groups in h rows: which are shown (from, to),
// whether the source's "other" fits, and the "more" line when they do
// not all fit.
func (p *Generic) groupRows(h int) (from, to int, other bool, more string) {
	n := len(p.fig.Groups)
	other = p.fig.OtherGroups > 0
	need := n
	if other {
		need++
	}
	if need <= h {
		return 0, n, other, ""
	}
	rows := max(h-1, 0)
	from = window(p.sel, rows, n)
	to = min(from+rows, n)
	hidden := n - (to - from) + p.fig.OtherGroups
	return from, to, false, "… " + strconv.Itoa(hidden) + " more (z zooms)"
}

// labelWidth is the label column: the longest label shown, cut only
// when the rest of the row (at least the figures) would not fit.
func labelWidth(labels []string, iw, rest int) int {
	lw := 0
	for _, l := range labels {
		lw = max(lw, ansi.StringWidth(l))
	}
	return max(min(lw, iw-rest), min(lw, 6))
}

// barsBody is one bar per group: label, bar, value and share. Labels
// take the room they need; the bar gives way first.
func (p *Generic) barsBody(iw, ih int) []string {
	st := p.com.Styles
	m := p.spec.EffectiveMeasure()
	from, to, other, more := p.groupRows(ih)
	gs := p.fig.Groups[from:to]
	labels := make([]string, 0, len(gs)+1)
	vw := 0
	var top float64
	for _, g := range gs {
		labels = append(labels, g.Label())
		vw = max(vw, ansi.StringWidth(formatValue(m, g.Value)))
		top = max(top, g.Value)
	}
	otherLabel := "other (" + common.Thousands(int64(p.fig.OtherGroups)) + ")"
	if other {
		labels = append(labels, otherLabel)
		vw = max(vw, ansi.StringWidth(formatValue(m, p.fig.Other)))
		top = max(top, p.fig.Other)
	}
	const shareW = 7
	share := m != datasource.MeasurePerInstallation && p.fig.Total > 0
	rest := 1 + vw
	if share {
		rest += shareW
	}
	lw := labelWidth(labels, iw, rest)
	bw := iw - lw - 1 - rest - 1
	sel := -1
	if p.focused {
		sel = p.sel
	}
	row := func(label string, v float64, ls lipgloss.Style) string {
		line := ls.Render(fit(label, lw)) + " "
		if bw >= 3 {
			line += st.Bars.Render(fit(hbar(v/max(top, 1e-9), bw, p.com.Basic), bw)) + " "
		}
		line += p.levelStyle(p.level(v), st.Text).Render(padLeft(formatValue(m, v), vw))
		if share {
			line += st.Muted.Render(padLeft(common.Percent(v/p.fig.Total), shareW))
		}
		return line
	}
	body := make([]string, 0, ih)
	for i, g := range gs {
		ls := st.Text
		switch {
		case from+i == sel:
			ls = st.Selected
		case isUnknown(g.Key):
			ls = st.Muted
		}
		body = append(body, row(labels[i], g.Value, ls))
	}
	if other {
		body = append(body, row(otherLabel, p.fig.Other, st.Muted))
	}
	if more != "" {
		body = append(body, st.Muted.Render(fit(more, iw)))
	}
	return body
}

func isUnknown(key []string) bool {
	return slices.ContainsFunc(key, func(k string) bool { return k == datasource.Unknown })
}

// lineBody is the series as a line; with a breakdown, the small
// multiples a terminal can show: one row per group with its label, its
// series scaled to its own peak (the shape; the total beside it gives the
// size) and its total, under a line of all groups when there is room.
func (p *Generic) lineBody(iw, ih int) []string {
	if len(p.spec.Breakdown) == 0 {
		return levelChart(p.com, p.fig.Series, p.pq.Range, iw, ih)
	}
	st := p.com.Styles
	m := p.spec.EffectiveMeasure()
	rowsH := len(p.fig.Groups)
	if p.fig.OtherGroups > 0 {
		rowsH++
	}
	var body []string
	if chartH := ih - rowsH - 1; chartH >= 5 {
		body = append(levelChart(p.com, p.fig.Series, p.pq.Range, iw, chartH), "")
	}
	from, to, other, more := p.groupRows(ih - len(body))
	gs := p.fig.Groups[from:to]
	labels := make([]string, 0, len(gs))
	vw := 0
	for _, g := range gs {
		labels = append(labels, g.Label())
		vw = max(vw, ansi.StringWidth(formatValue(m, g.Value)))
	}
	otherLabel := "other (" + common.Thousands(int64(p.fig.OtherGroups)) + ")"
	if other {
		labels = append(labels, otherLabel)
		vw = max(vw, ansi.StringWidth(formatValue(m, p.fig.Other)))
	}
	lw := labelWidth(labels, iw, 1+vw+4)
	sw := iw - lw - 2 - vw
	sel := -1
	if p.focused {
		sel = p.sel
	}
	for i, g := range gs {
		ls := st.Text
		switch {
		case from+i == sel:
			ls = st.Selected
		case isUnknown(g.Key):
			ls = st.Muted
		}
		line := ls.Render(fit(labels[i], lw)) + " "
		if sw >= 4 {
			line += sparkRow(p.com, g.Series, sw) + " "
		}
		body = append(body, line+padLeft(formatValue(m, g.Value), vw))
	}
	if other {
		pad := repeat(" ", max(sw, 0)+1)
		if sw < 4 {
			pad = ""
		}
		body = append(body, st.Muted.Render(fit(otherLabel, lw))+" "+pad+st.Muted.Render(padLeft(formatValue(m, p.fig.Other), vw)))
	}
	if more != "" {
		body = append(body, st.Muted.Render(fit(more, iw)))
	}
	return body
}
