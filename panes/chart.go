package panes

import (
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// eighths are the partial blocks from empty to full, bottom-up.
var eighths = []rune(" ▁▂▃▄▅▆▇█")

// leftEighths are the partial blocks from empty to full, left to right.
var leftEighths = []rune(" ▏▎▍▌▋▊▉█")

const gap = -1

// resample maps n values onto w columns. With fewer values than columns
// each value becomes a bar several columns wide, with a one-column gap
// (value gap) when bars are at least three wide; with more values than
// columns each column shows the largest value it covers, so a spike is
// never averaged away.
func resample(vals []float64, w int) []float64 {
	n := len(vals)
	out := make([]float64, max(w, 0))
	if n == 0 || w <= 0 {
		return out
	}
	for c := range out {
		lo, hi := c*n/w, (c+1)*n/w
		if hi <= lo {
			hi = lo + 1
		}
		v := vals[lo]
		for _, x := range vals[lo+1 : min(hi, n)] {
			v = math.Max(v, x)
		}
		out[c] = v
		if w >= 3*n && (c+1)*n/w != lo { // last column of this value's span
			out[c] = gap
		}
	}
	return out
}

// columns draws non-negative values as bottom-up bars, h rows by len(cols)
// columns, scaled to top. A non-zero value always shows at least a sliver.
// Basic mode uses whole blocks only.
func columns(cols []float64, h int, top float64, basic bool) []string {
	rows := make([][]rune, max(h, 0))
	for r := range rows {
		rows[r] = []rune(strings.Repeat(" ", len(cols)))
	}
	if h <= 0 || top <= 0 {
		return runesToLines(rows)
	}
	for c, v := range cols {
		if v <= 0 {
			continue
		}
		units := int(math.Round(v / top * float64(h*8)))
		if basic {
			units = int(math.Round(v/top*float64(h))) * 8
			units = max(units, 8)
		}
		units = min(max(units, 1), h*8)
		for r := h - 1; r >= 0 && units > 0; r-- {
			k := min(units, 8)
			rows[r][c] = eighths[k]
			units -= k
		}
	}
	return runesToLines(rows)
}

func runesToLines(rows [][]rune) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = string(r)
	}
	return out
}

// brailleBits[row][col] is the dot of a 2x4 braille cell.
var brailleBits = [4][2]rune{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// brailleLine draws vals as a connected line through a w x h grid of
// braille cells (2 x 4 dots each), lo at the bottom edge and hi at the top.
func brailleLine(vals []float64, w, h int, lo, hi float64) []string {
	return brailleLineOf(vals, len(vals), w, h, lo, hi)
}

// brailleLineOf is brailleLine for the first len(vals) of n points laid
// across the grid: the line stops where vals end.
func brailleLineOf(vals []float64, n, w, h int, lo, hi float64) []string {
	if w <= 0 || h <= 0 {
		return make([]string, max(h, 0))
	}
	grid := make([][]rune, h)
	for r := range grid {
		grid[r] = make([]rune, w)
	}
	dw, dh := 2*w, 4*h
	y := func(v float64) int {
		if hi <= lo {
			if v > 0 {
				return dh / 2
			}
			return 0
		}
		return int(math.Round((v - lo) / (hi - lo) * float64(dh-1)))
	}
	x := func(i int) int {
		if n < 2 {
			return dw - 1
		}
		return i * (dw - 1) / (n - 1)
	}
	set := func(px, py int) {
		if px < 0 || px >= dw || py < 0 || py >= dh {
			return
		}
		row := (dh - 1 - py) // from the top
		grid[row/4][px/2] |= brailleBits[row%4][px%2]
	}
	for i := range vals {
		x0, y0 := x(i), y(vals[i])
		set(x0, y0)
		if i+1 < len(vals) {
			line(x0, y0, x(i+1), y(vals[i+1]), set)
		}
	}
	out := make([]string, h)
	for r, row := range grid {
		var b strings.Builder
		for _, c := range row {
			if c == 0 {
				b.WriteByte(' ')
			} else {
				b.WriteRune(0x2800 + c)
			}
		}
		out[r] = b.String()
	}
	return out
}

// line is Bresenham's line from (x0,y0) to (x1,y1).
func line(x0, y0, x1, y1 int, set func(x, y int)) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		set(x0, y0)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sign(n int) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}

// hbar is a left-to-right bar frac of w cells long, in eighths of a cell
// (whole cells in basic mode). A non-zero fraction shows at least a sliver.
func hbar(frac float64, w int, basic bool) string {
	if w <= 0 || frac <= 0 {
		return ""
	}
	frac = math.Min(frac, 1)
	if basic {
		return strings.Repeat("█", max(int(math.Round(frac*float64(w))), 1))
	}
	units := max(int(math.Round(frac*float64(w*8))), 1)
	s := strings.Repeat("█", units/8)
	if units%8 > 0 {
		s += string(leftEighths[units%8])
	}
	return s
}

// bigGlyphs is a 3x3 half-block font for the active-installations number.
var bigGlyphs = map[rune][3]string{
	'0': {"█▀█", "█ █", "▀▀▀"}, '1': {"▀█ ", " █ ", "▀▀▀"},
	'2': {"▀▀█", "█▀▀", "▀▀▀"}, '3': {"▀▀█", " ▀█", "▀▀▀"},
	'4': {"█ █", "▀▀█", "  ▀"}, '5': {"█▀▀", "▀▀█", "▀▀▀"},
	'6': {"█▀▀", "█▀█", "▀▀▀"}, '7': {"▀▀█", "  █", "  ▀"},
	'8': {"█▀█", "█▀█", "▀▀▀"}, '9': {"█▀█", "▀▀█", "▀▀▀"},
}

// bigNumber renders digits in the big font, thousands separated by a
// wider gap instead of a comma. Other characters are skipped.
func bigNumber(s string) [3]string {
	var out [3]string
	for i, r := range s {
		g, ok := bigGlyphs[r]
		if !ok {
			if r == ',' {
				for k := range out {
					out[k] += " "
				}
			}
			continue
		}
		for k := range out {
			if i > 0 {
				out[k] += " "
			}
			out[k] += g[k]
		}
	}
	return out
}

// timeAxis labels a time axis w cells wide under a chart of points whose
// bucket i starts at column pos(i). Labels never overlap and never run past
// the edge; their spacing is a round number of buckets.
func timeAxis(pts []datasource.Point, step time.Duration, loc *time.Location, w int, pos func(i int) int) string {
	n := len(pts)
	if n == 0 || w <= 0 {
		return ""
	}
	lw := ansi.StringWidth(common.AxisTime(pts[0].T.In(loc), step))
	stride := 1
	for stride < n && (pos(stride)-pos(0)) < lw+3 {
		stride++
	}
	stride = niceStride(stride, step)
	line := []rune(strings.Repeat(" ", w))
	next := 0
	for i := 0; i < n; i += stride {
		x := pos(i)
		label := []rune(common.AxisTime(pts[i].T.In(loc), step))
		if x < next || x+len(label) > w {
			continue
		}
		copy(line[x:], label)
		next = x + len(label) + 2
	}
	return string(line)
}

// niceStride rounds a label stride up to a count of buckets people read
// easily: whole quarter hours, hours, days.
func niceStride(n int, step time.Duration) int {
	var nice []int
	switch {
	case step <= time.Minute:
		nice = []int{1, 2, 5, 10, 15, 20, 30, 60}
	case step <= time.Hour:
		nice = []int{1, 2, 3, 4, 6, 8, 12, 24}
	case step <= 6*time.Hour:
		nice = []int{1, 2, 4, 8, 12, 28}
	default:
		nice = []int{1, 2, 3, 5, 7, 10, 14, 15, 30}
	}
	for _, k := range nice {
		if k >= n {
			return k
		}
	}
	return n
}

// bucketCol is the first column resample gives to value i of n on w
// columns, for placing axis labels under bars.
func bucketCol(i, n, w int) int {
	if n <= 0 {
		return 0
	}
	return (i*w + n - 1) / n
}

// scaleFloor is the bottom of a level chart's scale: a round number at or
// below lo, and at most 80 % of hi, so that noise (471 vs 472) stays flat
// while a real dip still shows.
func scaleFloor(lo, hi float64) float64 {
	lo = math.Min(lo, 0.8*hi)
	if lo <= 0 || hi <= 0 {
		return 0
	}
	unit := math.Pow(10, math.Floor(math.Log10(hi))-1)
	return math.Floor(lo/unit) * unit
}

// splitStyle draws the runes of row before column at with a and the rest
// with b.
func splitStyle(row string, at int, a, b lipgloss.Style) string {
	r := []rune(row)
	if at >= len(r) {
		return a.Render(row)
	}
	at = max(at, 0)
	return a.Render(string(r[:at])) + b.Render(string(r[at:]))
}
