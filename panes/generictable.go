package panes

import (
	"cmp"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// tcol is what one column of a table pane shows.
type tcol struct {
	kind string // "key", "value", "num", "den" or a datasource column name
	key  int    // the breakdown entry, for "key"
}

// tcols are the table pane's columns: the breakdown, the measure (for a
// rate its events and installations too), then the spec's columns.
func (p *Generic) tcols() []tcol {
	var out []tcol
	for i := range p.spec.Breakdown {
		out = append(out, tcol{kind: "key", key: i})
	}
	out = append(out, tcol{kind: "value"})
	if p.spec.EffectiveMeasure() == datasource.MeasurePerInstallation {
		out = append(out, tcol{kind: "num"}, tcol{kind: "den"})
	}
	for _, c := range p.spec.Columns {
		out = append(out, tcol{kind: c})
	}
	return out
}

// BreakdownTitle is how a column or breadcrumb names a breakdown entry:
// without its scope prefix, the special ones in words.
func BreakdownTitle(b string) string {
	switch b {
	case datasource.BreakdownCategory:
		return "category"
	case datasource.BreakdownHour:
		return "hour"
	case datasource.BreakdownEvent:
		return "event"
	}
	return strings.TrimPrefix(strings.TrimPrefix(b, "person."), "event.")
}

func (p *Generic) tableColumns() []column {
	var out []column
	last := len(p.spec.Breakdown) - 1
	for _, c := range p.tcols() {
		switch c.kind {
		case "key":
			out = append(out, column{title: BreakdownTitle(p.spec.Breakdown[c.key]), min: 12, max: 80, flex: c.key == last})
		case "value":
			t := measureNoun(p.spec.EffectiveMeasure())
			if t == "per installation" {
				t = "per install"
			}
			out = append(out, column{title: t, min: 6, max: 18, right: true, desc: true})
		case "num":
			out = append(out, column{title: "events", min: 6, max: 12, right: true, desc: true, drop: 1})
		case "den":
			out = append(out, column{title: "installs", min: 8, max: 12, right: true, desc: true, drop: 1})
		case datasource.ColumnInstallations:
			out = append(out, column{title: "installs", min: 8, max: 12, right: true, desc: true, drop: 3})
		case datasource.ColumnUsers:
			out = append(out, column{title: "users", min: 5, max: 12, right: true, desc: true, drop: 3})
		case datasource.ColumnFirstSeen:
			out = append(out, column{title: "first seen", min: 10, max: 12, desc: true, drop: 4})
		case datasource.ColumnLastSeen:
			out = append(out, column{title: "last seen", min: 9, max: 12, desc: true, drop: 2})
		case datasource.ColumnVersions:
			out = append(out, column{title: "versions", min: 8, max: 30, drop: 5})
		}
	}
	return out
}

// compare orders raw rows a and b by column col.
func (p *Generic) compare(a, b, col int) int {
	x, y := p.fig.Groups[a], p.fig.Groups[b]
	cs := p.tcols()
	if col >= len(cs) {
		return 0
	}
	var c int
	switch k := cs[col]; k.kind {
	case "key":
		c = strings.Compare(keyAt(x, k.key), keyAt(y, k.key))
	case "value":
		c = cmp.Compare(x.Value, y.Value)
	case "num":
		c = cmp.Compare(x.Num, y.Num)
	case "den":
		c = cmp.Compare(x.Den, y.Den)
	case datasource.ColumnInstallations:
		c = cmp.Compare(x.Installations, y.Installations)
	case datasource.ColumnUsers:
		c = cmp.Compare(x.Users, y.Users)
	case datasource.ColumnFirstSeen:
		c = x.FirstSeen.Compare(y.FirstSeen)
	case datasource.ColumnLastSeen:
		c = x.LastSeen.Compare(y.LastSeen)
	case datasource.ColumnVersions:
		c = strings.Compare(strings.Join(x.Versions, ","), strings.Join(y.Versions, ","))
	}
	return cmp.Or(c, cmp.Compare(b, a)) // the source's order breaks ties
}

func keyAt(g datasource.Group, i int) string {
	if i < len(g.Key) {
		return g.Key[i]
	}
	return ""
}

// setTableRows turns the groups into table cells.
func (p *Generic) setTableRows() {
	cs := p.tcols()
	now := p.com.Clock()
	m := p.spec.EffectiveMeasure()
	cells := make([][]string, len(p.fig.Groups))
	ids := make([]string, len(p.fig.Groups))
	for i, g := range p.fig.Groups {
		row := make([]string, len(cs))
		for j, c := range cs {
			row[j] = p.cellText(g, c, m, now)
		}
		cells[i] = row
		ids[i] = strings.Join(g.Key, "\x00")
	}
	p.tbl.tone = func(raw, col int) (lipgloss.Style, bool) {
		if col >= len(cs) || cs[col].kind != "value" || raw >= len(p.fig.Groups) {
			return lipgloss.Style{}, false
		}
		l := p.level(p.fig.Groups[raw].Value)
		return p.levelStyle(l, lipgloss.Style{}), l != LevelOK
	}
	p.tbl.setRows(cells, ids)
}

func (p *Generic) cellText(g datasource.Group, c tcol, m datasource.Measure, now time.Time) string {
	switch c.kind {
	case "key":
		return common.Printable(oneLine(keyAt(g, c.key)))
	case "value":
		s := formatValue(m, g.Value)
		switch p.level(g.Value) { // the word, so the level reads without colour
		case LevelAlert:
			s += " CRIT"
		case LevelWarn:
			s += " WARN"
		}
		return s
	case "num":
		return common.Thousands(g.Num)
	case "den":
		return common.Thousands(g.Den)
	case datasource.ColumnInstallations:
		return common.Thousands(g.Installations)
	case datasource.ColumnUsers:
		return common.Thousands(g.Users)
	case datasource.ColumnFirstSeen:
		return ago(g.FirstSeen, now)
	case datasource.ColumnLastSeen:
		return ago(g.LastSeen, now)
	case datasource.ColumnVersions:
		return strings.Join(g.Versions, ", ")
	}
	return ""
}

// tableBody is the table, and the source's "other" under it when there
// is room.
func (p *Generic) tableBody(iw, ih int) []string {
	st := p.com.Styles
	var body []string
	if f := p.tbl.findLine(iw); f != "" {
		body = append(body, f)
	}
	h := ih - len(body)
	n := len(p.tbl.order)
	other := p.fig.OtherGroups > 0 && n+2 <= h
	more := n+1 > h
	if other || more {
		h--
	}
	body = append(body, p.tbl.render(iw, h, p.focused)...)
	switch {
	case other:
		m := p.spec.EffectiveMeasure()
		body = append(body, st.Muted.Render(fit("other ("+common.Thousands(int64(p.fig.OtherGroups))+" groups): "+formatValue(m, p.fig.Other), iw)))
	case more && h > 1:
		hidden := n - (h - 1)
		body = append(body, st.Muted.Render(fit("… "+common.Thousands(int64(hidden))+" more (↑/↓ scroll, z zooms)", iw)))
	}
	return body
}

// ago is a time as "5m ago", "-" when unknown.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return common.Age(now.Sub(t)) + " ago"
}
