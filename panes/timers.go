package panes

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// Timers is the timer-usage pane: timers started by hour of day (24 bars,
// in the query's zone) and the total.
type Timers struct {
	base
	has    bool
	byHour [24]int64
	total  int64
	tz     string
	sel    int // the selected hour; -1 until one is picked (the peak)
	fill   int // the hour still filling up (datasource.FillingHour), -1 for none
}

var _ Pane = (*Timers)(nil)

// NewTimers returns the timer-usage pane.
func NewTimers(com *common.Common, keys KeyMap) *Timers {
	return &Timers{base: newBase(com, keys, TitleTimers), sel: -1, fill: -1}
}

// Update takes new data and, focused, selects an hour (left/right) and
// drills into it (enter).
func (p *Timers) Update(msg tea.Msg) (Pane, tea.Cmd) {
	p.restyle(msg)
	if k, ok := msg.(tea.KeyPressMsg); ok && p.focused {
		return p, p.handleKey(k)
	}
	if m, ok := msg.(DataMsg); ok && m.Snapshot != nil {
		p.setAlarm(m.Alerts, alarmTimers)
		d, tz := m.Snapshot.Timers, m.Snapshot.Query.TZ
		fill := datasource.FillingHour(m.Snapshot)
		if p.has && d.ByHour == p.byHour && d.Total == p.total && tz == p.tz && fill == p.fill {
			return p, nil
		}
		p.byHour, p.total, p.tz, p.fill, p.has, p.dirty = d.ByHour, d.Total, tz, fill, true, true
	}
	return p, nil
}

// View returns the cached rendering.
func (p *Timers) View() string { return p.view(p.render) }

// ShortHelp lists the hour and drill keys.
func (p *Timers) ShortHelp() []key.Binding {
	return []key.Binding{PairHelp(p.keys.Left, p.keys.Right, "hour"), p.keys.Drill}
}

// FullHelp is ShortHelp for the help overlay.
func (p *Timers) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// Selected is the hour enter would drill into: the one picked, else the
// busiest.
func (p *Timers) Selected() int {
	if p.sel >= 0 {
		return p.sel
	}
	return p.peak()
}

func (p *Timers) peak() int {
	peak := 0
	for h, v := range p.byHour {
		if v > p.byHour[peak] {
			peak = h
		}
	}
	return peak
}

func (p *Timers) handleKey(k tea.KeyPressMsg) tea.Cmd {
	h := p.Selected()
	switch {
	case key.Matches(k, p.keys.Left):
		h = (h + 23) % 24
	case key.Matches(k, p.keys.Right):
		h = (h + 1) % 24
	case key.Matches(k, p.keys.Home):
		h = 0
	case key.Matches(k, p.keys.End):
		h = 23
	case key.Matches(k, p.keys.Drill):
		if !p.has {
			return status(noDrill(false, ""))
		}
		return drill(NewHourDrill(p.com, p.keys, h, p.zone()))
	default:
		return nil
	}
	p.sel, p.dirty = h, true
	return nil
}

func (p *Timers) zone() string {
	switch p.tz {
	case "", "UTC":
		return "UTC"
	case "Local":
		return "local"
	}
	return p.tz
}

func (p *Timers) summary() []string {
	st := p.com.Styles
	peak := 0
	for h, v := range p.byHour {
		if v > p.byHour[peak] {
			peak = h
		}
	}
	s := p.figure("timers.total", st.Number).Render(common.Thousands(p.total)) + st.Muted.Render(" started")
	zone := st.Muted.Render(" · " + p.zone())
	if p.total == 0 {
		return []string{s + zone, s}
	}
	pk := st.Muted.Render(fmt.Sprintf(" · peak %02d:00", peak))
	if p.focused {
		h := p.Selected()
		sel := st.Muted.Render(" · ") + st.Selected.Render(fmt.Sprintf("%02d:00", h)) +
			st.Muted.Render(" "+common.Thousands(p.byHour[h]))
		return []string{s + sel + zone, s + sel, s}
	}
	return []string{s + pk + zone, s + pk, s}
}

func (p *Timers) render() string {
	st := p.com.Styles
	iw, ih := p.inner()
	if !p.has {
		return p.frame(nil, centerLines(st.Empty.Render("waiting for data…"), iw, ih))
	}
	return p.frame(p.summary(), p.chart(iw, ih))
}

// hourColumns lays 24 values on at most cw columns and says where hour i
// starts. From 48 columns every hour gets the same width, a bar and a
// one-cell gap; from 24 the bars are one cell and touch (a histogram, not
// bars with uneven gaps that read like a pattern in the data); under 24
// neighbouring hours merge.
func hourColumns(vals []float64, cw int) (cols []float64, pos func(i int) int) {
	if cw < 24 {
		return resample(vals, cw), func(i int) int { return bucketCol(i, 24, cw) }
	}
	bw := min(cw/24, 8)
	cols = make([]float64, 0, 24*bw)
	for _, v := range vals {
		for k := range bw {
			if bw >= 2 && k == bw-1 {
				cols = append(cols, gap)
			} else {
				cols = append(cols, v)
			}
		}
	}
	return cols, func(i int) int { return i * bw }
}

// side is the figures column beside a narrow histogram, when w leaves room.
func (p *Timers) side(w int) []string {
	st := p.com.Styles
	if w < 17 {
		return nil
	}
	peak := 0
	for h, v := range p.byHour {
		if v > p.byHour[peak] {
			peak = h
		}
	}
	return []string{
		st.Muted.Render("total ") + p.figure("timers.total", st.Number).Render(common.Thousands(p.total)),
		st.Muted.Render("peak  ") + st.Text.Render(fmt.Sprintf("%02d:00", peak)),
		st.Muted.Render("zone  ") + st.Text.Render(fit(p.zone(), w-9)),
	}
}

// hourAxis labels the hours under hourColumns' bars, every hour when there
// is room and every 2, 3, 6 or 12 hours otherwise.
func hourAxis(cw int, pos func(i int) int) string {
	line := []rune(strings.Repeat(" ", max(cw, 0)))
	stride := 12
	for _, s := range []int{1, 2, 3, 6} {
		if pos(s)-pos(0) >= 3 && pos(2*s)-pos(s) >= 3 {
			stride = s
			break
		}
	}
	next := 0
	for hr := 0; hr < 24; hr += stride {
		x, l := pos(hr), strconv.Itoa(hr)
		if x >= next && x+len(l) <= len(line) {
			copy(line[x:], []rune(l))
			next = x + len(l) + 1
		}
	}
	return string(line)
}

// spanStyle draws columns [from, to) of a chart row in hi and the rest in
// base; from < 0 draws it all in base.
func spanStyle(row string, from, to int, base, hi lipgloss.Style) string {
	if from < 0 {
		return base.Render(row)
	}
	r := []rune(row)
	from, to = min(from, len(r)), min(to, len(r))
	out := ""
	if from > 0 {
		out += base.Render(string(r[:from]))
	}
	if to > from {
		out += hi.Render(string(r[from:to]))
	}
	if to < len(r) {
		out += base.Render(string(r[to:]))
	}
	return out
}
