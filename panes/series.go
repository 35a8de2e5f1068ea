package panes

import (
	"slices"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// The charts of time series. The bucket still filling up
// (datasource.Point.Partial, set from the snapshot's own time, never the
// clock) would read as a drop at the right edge: 80 installations at ten
// past the hour against 472 a full hour. So it never sets the bottom of a
// scale, is left out of the line, and is drawn in partialRune, a shade
// that reads as "in progress" with or without colour and braille (at least
// one cell, even when empty so far), in the muted style.

// partialRune draws the bucket still filling up.
const partialRune = '░'

// firstPartial is the index of the first partial point (len(ps) if none).
func firstPartial(ps []datasource.Point) int {
	for i, p := range ps {
		if p.Partial {
			return i
		}
	}
	return len(ps)
}

// shadePartial redraws columns from `from` on in partialRune: every drawn
// cell, and the bottom cell of a column drawn empty so far. Gap columns
// (cols[c] == gap) stay blank. rows are h lines of len(cols) runes.
func shadePartial(rows []string, cols []float64, from int) []string {
	if len(rows) == 0 {
		return rows
	}
	rs := make([][]rune, len(rows))
	for i, r := range rows {
		rs[i] = []rune(r)
	}
	for c := max(from, 0); c < len(cols) && c < len(rs[0]); c++ {
		if cols[c] == gap {
			continue
		}
		drawn := false
		for _, r := range rs {
			if r[c] != ' ' {
				r[c], drawn = partialRune, true
			}
		}
		if !drawn {
			rs[len(rs)-1][c] = partialRune
		}
	}
	return runesToLines(rs)
}

// chart draws the series as a braille line (whole-block columns in basic
// mode) with its scale and a time axis under it when there is room. The
// bucket still filling up is shaded beside the line, not part of it.
func (p *Installs) chart(iw, h int) []string {
	return levelChart(p.com, p.data.Series, p.rng, iw, h)
}

// levelChart is the installations' chart of any series of levels: a
// braille line over a scale whose floor follows the data, the bucket still
// filling up shaded beside it.
func levelChart(com *common.Common, series []datasource.Point, rng datasource.Range, iw, h int) []string {
	st := com.Styles
	vals := values(series)
	if h <= 0 || len(vals) == 0 {
		return nil
	}
	axis := h >= 3
	if axis {
		h--
	}
	k := firstPartial(series) // complete buckets: vals[:k]
	complete := vals[:max(k, 1)]
	lo, hi := scaleFloor(slices.Min(complete), slices.Max(vals)), slices.Max(vals)
	top, bottom := common.Compact(hi), common.Compact(lo)
	lw := max(len(top), len(bottom)) + 1
	if iw < 30 {
		lw = 0
	}
	cw := iw - lw
	if cw <= 0 {
		return nil
	}
	above := make([]float64, len(vals)) // bars rise from the scale's floor
	for i, v := range vals {
		above[i] = max(v-lo, 0)
	}
	var rows []string
	pos := func(i int) int { return bucketCol(i, len(vals), cw) }
	split := cw // first column of the bucket still filling up
	if com.Basic {
		cols := resample(above, cw)
		rows = columns(cols, h, hi-lo, true)
		if k < len(vals) {
			split = bucketCol(k, len(vals), cw)
			rows = shadePartial(rows, cols, split)
		}
	} else {
		pos = func(i int) int {
			if len(vals) < 2 {
				return 0
			}
			return i * (2*cw - 1) / (len(vals) - 1) / 2
		}
		rows = brailleLineOf(vals[:k], len(vals), cw, h, lo, hi)
		if k < len(vals) {
			split = min(pos(max(k-1, 0))+1, cw-1)
			rows = overlayPartial(rows, above[k:], pos, k, h, hi-lo)
		}
	}
	out := make([]string, 0, h+1)
	for i, r := range rows {
		out = append(out, scaleLabel(st.Axis, i, len(rows), top, bottom, lw)+splitStyle(r, split, st.Series, st.Muted))
	}
	if axis {
		out = append(out, repeat(" ", lw)+st.Axis.Render(timeAxis(series, rng.Step, com.Loc, cw, pos)))
	}
	return out
}

// overlayPartial draws the partial buckets (heights above the scale's
// floor, the first being bucket k) as shaded bars in their braille
// columns.
func overlayPartial(rows []string, above []float64, pos func(int) int, k, h int, scale float64) []string {
	if len(rows) == 0 {
		return rows
	}
	rs := make([][]rune, len(rows))
	for i, r := range rows {
		rs[i] = []rune(r)
	}
	for j, v := range above {
		c := pos(k + j)
		if c < 0 || c >= len(rs[0]) {
			continue
		}
		bar := shadePartial(columns([]float64{v}, h, scale, true), []float64{v}, 0)
		for i := range rs {
			if b := []rune(bar[i])[0]; b != ' ' {
				rs[i][c] = b
			}
		}
	}
	return runesToLines(rs)
}

// chart draws errors per bucket as columns coloured by the rate's level,
// with a 0..max scale and a time axis when there is room; the bucket
// still filling up is shaded.
func (p *Errors) chart(iw, h int) []string {
	st := p.com.Styles
	vals := values(p.data.Series)
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
	bars := st.Bars
	if p.rateLevel() != LevelOK {
		// Colour only: reversed or underlined, the blank cells around the
		// bars would fill in (without colour the words say the level).
		bars = p.rateStyle().UnsetBold().UnsetUnderline().UnsetReverse()
	}
	cols := resample(vals, cw)
	rows := columns(cols, h, hi, p.com.Basic)
	split := cw
	if k := firstPartial(p.data.Series); k < len(vals) {
		split = bucketCol(k, len(vals), cw)
		rows = shadePartial(rows, cols, split)
	}
	out := make([]string, 0, h+1)
	for i, r := range rows {
		out = append(out, scaleLabel(st.Axis, i, len(rows), top, "0", lw)+splitStyle(r, split, bars, st.Muted))
	}
	if axis {
		n := len(vals)
		pos := func(i int) int { return bucketCol(i, n, cw) }
		out = append(out, repeat(" ", lw)+st.Axis.Render(timeAxis(p.data.Series, p.rng.Step, p.com.Loc, cw, pos)))
	}
	return out
}

// chart draws the 24 hours as bars with a one-cell gap when each hour has
// two cells or more, a 0..max scale, and hour labels under them; the hour
// still filling up is shaded.
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
	from, to := -1, -1
	if p.focused {
		sel := p.Selected()
		from, to = pos(sel), len(cols)
		if sel < 23 {
			to = pos(sel + 1)
		}
		if to-from >= 2 && len(cols) >= 48 {
			to-- // not the gap
		}
		to = max(to, from+1)
	}
	rows := columns(cols, h, hi, p.com.Basic)
	if p.fill >= 0 { // this hour is still filling up: shaded, not a dip
		end := len(cols)
		if p.fill < 23 {
			end = pos(p.fill + 1)
		}
		part := slices.Clone(cols)
		for c := range part {
			if c >= end {
				part[c] = gap
			}
		}
		rows = shadePartial(rows, part, pos(p.fill))
	}
	for i, r := range rows {
		line := scaleLabel(st.Axis, i, h, top, "0", lw) + spanStyle(r, from, to, st.Bars, st.Selected)
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
