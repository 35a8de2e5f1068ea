package cmd

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// snapshotView is what snapshot prints besides the header: the dashboard
// --dashboard named (nil: the four built-in panes) and the pane queries
// sent, whose answers are in Snapshot.Panes.
type snapshotView struct {
	dashboard *datasource.Dashboard
	panes     []datasource.PaneQuery
}

// viewItem is one pane to print: a built-in figure, or a configured pane.
type viewItem struct {
	figure string
	pane   datasource.PaneQuery
}

// layout lists the panes to print in order: the dashboard's (or the four
// built-ins), then the panes alerts asked for that it does not show.
func (v snapshotView) layout() []viewItem {
	var out []viewItem
	shown := map[string]bool{}
	if v.dashboard == nil {
		for _, f := range datasource.Figures {
			out = append(out, viewItem{figure: f})
		}
	} else {
		for _, p := range v.dashboard.Panes {
			if p.Builtin() {
				out = append(out, viewItem{figure: p.Figure})
				continue
			}
			if i := slices.IndexFunc(v.panes, func(pq datasource.PaneQuery) bool { return pq.Spec.ID == p.ID }); i >= 0 {
				out = append(out, viewItem{pane: v.panes[i]})
				shown[p.ID] = true
			}
		}
	}
	for _, pq := range v.panes {
		if !shown[pq.Spec.ID] {
			out = append(out, viewItem{pane: pq})
		}
	}
	return out
}

// figuresOf finds a pane's answer in the snapshot.
func figuresOf(s *datasource.Snapshot, id string) (datasource.PaneFigures, bool) {
	i := slices.IndexFunc(s.Panes, func(p datasource.PaneFigures) bool { return p.ID == id })
	if i < 0 {
		return datasource.PaneFigures{}, false
	}
	return s.Panes[i], true
}

// writePaneText prints one configured pane compactly: a title line that
// says what is counted, the total, then per chart the series (number,
// line), bars (bars) or rows with their columns (table).
func writePaneText(w io.Writer, s *datasource.Snapshot, pq datasource.PaneQuery) {
	spec := pq.Spec
	fmt.Fprintf(w, "\n%s\n  %s\n", common.Printable(spec.DisplayTitle()), common.Printable(paneDefinition(pq, s.Query.Range)))
	f, ok := figuresOf(s, spec.ID)
	if !ok {
		fmt.Fprintf(w, "  (no figures: the source did not answer this pane)\n")
		return
	}
	if len(f.NotNarrowed) > 0 {
		fmt.Fprintf(w, "  not narrowed by %s: the figures are the whole fleet's\n", common.Printable(strings.Join(f.NotNarrowed, ", ")))
	}
	m := spec.EffectiveMeasure()
	total := "  " + paneNum(m, f.Total) + " " + measureWord(m)
	if m == datasource.MeasurePerInstallation {
		total += fmt.Sprintf(" (%s events / %s installations)", common.Thousands(f.Num), common.Thousands(f.Den))
	}
	fmt.Fprintln(w, total)
	step := shortDur(pq.Range.Step)
	chart := spec.EffectiveChart()
	switch {
	case slices.Contains(spec.Breakdown, datasource.BreakdownHour):
		hours := make([]datasource.Point, len(f.Groups))
		for i, g := range f.Groups {
			hours[i].V = g.Value
		}
		fmt.Fprintf(w, "  00 %s 23\n", sparkline(hours))
		return
	case len(f.Groups) == 0 && len(spec.Breakdown) > 0:
		fmt.Fprintln(w, "  (no groups in range)")
	case chart == datasource.ChartNumber || chart == datasource.ChartLine || len(spec.Breakdown) == 0:
		fmt.Fprintf(w, "  %s  per %s%s\n", sparkline(f.Series), step, filling(f.Series))
	}
	writeGroupsText(w, spec, f)
}

// writeGroupsText prints a pane's groups: one line each, with a bar
// (bars), the group's series (line) or its columns (table).
func writeGroupsText(w io.Writer, spec datasource.PaneSpec, f datasource.PaneFigures) {
	if len(f.Groups) == 0 {
		return
	}
	m := spec.EffectiveMeasure()
	width, top := 0, 0.0
	for _, g := range f.Groups {
		width = max(width, len([]rune(common.Printable(g.Label()))))
		top = max(top, g.Value)
	}
	width = min(width, 40)
	for _, g := range f.Groups {
		line := fmt.Sprintf("  %-*s %9s", width, common.Printable(g.Label()), paneNum(m, g.Value))
		switch spec.EffectiveChart() {
		case datasource.ChartTable:
			line += tableColumns(spec, g)
		case datasource.ChartLine:
			line += "  " + sparkline(g.Series)
		default:
			if top > 0 {
				line += "  " + bar(g.Value/top, 30)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if f.OtherGroups > 0 {
		fmt.Fprintf(w, "  %-*s %9s  (%d more groups)\n", width, "other", paneNum(m, f.Other), f.OtherGroups)
	}
}

// tableColumns renders a table row's asked-for columns.
func tableColumns(spec datasource.PaneSpec, g datasource.Group) string {
	var b strings.Builder
	if spec.EffectiveMeasure() == datasource.MeasurePerInstallation {
		fmt.Fprintf(&b, "  %s / %s", common.Thousands(g.Num), common.Thousands(g.Den))
	}
	for _, c := range spec.Columns {
		switch c {
		case datasource.ColumnInstallations:
			fmt.Fprintf(&b, "  %s installations", common.Thousands(g.Installations))
		case datasource.ColumnUsers:
			fmt.Fprintf(&b, "  %s users", common.Thousands(g.Users))
		case datasource.ColumnFirstSeen:
			fmt.Fprintf(&b, "  first %s", g.FirstSeen.UTC().Format("2006-01-02 15:04"))
		case datasource.ColumnLastSeen:
			fmt.Fprintf(&b, "  last %s", g.LastSeen.UTC().Format("2006-01-02 15:04"))
		case datasource.ColumnVersions:
			fmt.Fprintf(&b, "  versions %s", common.Printable(strings.Join(g.Versions, ", ")))
		}
	}
	return b.String()
}

// paneDefinition says what a pane counts: "installations, of @heartbeat,
// by platform, where ..., 30d".
func paneDefinition(pq datasource.PaneQuery, qr datasource.Range) string {
	spec := pq.Spec
	parts := []string{string(spec.EffectiveMeasure()) + " of " + strings.Join(spec.Events, ", ")}
	if len(spec.Breakdown) > 0 {
		parts = append(parts, "by "+strings.Join(spec.Breakdown, ", "))
	}
	if len(spec.Where) > 0 {
		parts = append(parts, "where "+strings.Join(spec.Where, " AND "))
	}
	if pq.Range.Label() != qr.Label() {
		parts = append(parts, "over "+pq.Range.Label())
	}
	return strings.Join(parts, ", ")
}

// paneNum prints a pane figure: a rate with three decimals, counts whole.
func paneNum(m datasource.Measure, v float64) string {
	if m == datasource.MeasurePerInstallation {
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return common.Thousands(int64(math.Round(v)))
}

// measureWord names what a total counts.
func measureWord(m datasource.Measure) string {
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
