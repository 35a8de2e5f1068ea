package panes

import (
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

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
}

var _ Pane = (*Timers)(nil)

// NewTimers returns the timer-usage pane.
func NewTimers(com *common.Common, keys KeyMap) *Timers {
	return &Timers{base: newBase(com, keys, TitleTimers)}
}

// Update takes new data; the pane has no keys of its own yet.
func (p *Timers) Update(msg tea.Msg) (Pane, tea.Cmd) {
	p.restyle(msg)
	if m, ok := msg.(DataMsg); ok && m.Snapshot != nil {
		d, tz := m.Snapshot.Timers, m.Snapshot.Query.TZ
		if p.has && d.ByHour == p.byHour && d.Total == p.total && tz == p.tz {
			return p, nil
		}
		p.byHour, p.total, p.tz, p.has, p.dirty = d.ByHour, d.Total, tz, true, true
	}
	return p, nil
}

// View returns the cached rendering.
func (p *Timers) View() string { return p.view(p.render) }

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
	s := st.Number.Render(common.Thousands(p.total)) + st.Muted.Render(" started")
	zone := st.Muted.Render(" · " + p.zone())
	if p.total == 0 {
		return []string{s + zone, s}
	}
	pk := st.Muted.Render(fmt.Sprintf(" · peak %02d:00", peak))
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

// chart draws the 24 hours as bars with a one-cell gap when each hour has
// two cells or more, a 0..max scale, and hour labels under them.
func (p *Timers) chart(iw, h int) []string {
	st := p.com.Styles
	if h <= 0 {
		return nil
	}
	axis := h >= 2
	if axis {
		h--
	}
	vals := make([]float64, 24)
	var hi float64
	for i, v := range p.byHour {
		vals[i] = float64(v)
		hi = max(hi, vals[i])
	}
	top := common.Compact(hi)
	lw := len(top) + 1
	if iw < 40 {
		lw = 0
	}
	cw := iw - lw
	if cw <= 0 {
		return nil
	}
	cols, pos := hourColumns(vals, cw)
	side := p.side(cw - len(cols))
	out := make([]string, 0, h+1)
	for i, r := range columns(cols, h, hi, p.com.Basic) {
		line := scaleLabel(st.Axis, i, h, top, "0", lw) + st.Bars.Render(r)
		if i < len(side) {
			line += "   " + side[i]
		}
		out = append(out, line)
	}
	if axis {
		out = append(out, repeat(" ", lw)+st.Axis.Render(hourAxis(len(cols), pos)))
	}
	return out
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
		st.Muted.Render("total ") + st.Number.Render(common.Thousands(p.total)),
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
