package tui

// Size limits. Below minWidth x minHeight the monitor shows a "terminal too
// small" screen. Panes sit in a grid of rows: one column below gridMinW
// (or a body shorter than gridMinH), two up to wideMinW, three from there.
// A row is at least stackRowH (one column) or gridRowH tall; when the
// dashboard's rows do not fit, the body shows the rows around the focused
// pane and a line that says how many are above and below, so focus (tab)
// scrolls through them.
const (
	minWidth  = 60
	minHeight = 16
	chromeH   = 2 // header and footer lines
	gridMinW  = 100
	gridMinH  = 30 - chromeH
	wideMinW  = 180
	stackRowH = 5
	gridRowH  = 7
)

// rect is a pane's place in the body; a zero rect is not drawn.
type rect struct{ x, y, w, h int }

// mode is how the dashboard arranges its panes.
type mode int

const (
	modeStack mode = iota
	modeGrid
	modeZoom
)

// layout is where a dashboard's panes go: a rect per pane (zero when
// scrolled out of view), and, when rows are hidden, how many panes are
// above and below the rows shown (the body's last line says so).
type layout struct {
	mode         mode
	rects        []rect
	top          int // first row shown
	above, below int // panes hidden above and below
}

// computeLayout places n panes in a w x h body, showing the rows from
// top on (moved so that the focused pane's row is shown). It is pure and
// total: any size, including 0x0, gives rects that fit inside the body.
func computeLayout(w, h, n int, zoomed bool, focus, top int) layout {
	w, h = max(w, 0), max(h, 0)
	l := layout{rects: make([]rect, n)}
	if n == 0 {
		return l
	}
	focus = min(max(focus, 0), n-1)
	if zoomed {
		l.mode = modeZoom
		l.rects[focus] = rect{0, 0, w, h}
		return l
	}
	cols, minH := 1, stackRowH
	if w >= gridMinW && h >= gridMinH {
		cols, minH, l.mode = 2, gridRowH, modeGrid
		if w >= wideMinW && n > 4 {
			cols = 3
		}
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	shown, avail := rows, h
	if rows*minH > h {
		shown = max((h-1)/minH, 1)
		if shown >= rows || h < 2 {
			shown = min(shown, rows)
		} else {
			avail = h - 1 // the line that says what is hidden
		}
	}
	frow := focus / cols
	top = min(max(top, frow-shown+1, 0), frow, rows-shown)
	l.top = top
	y := 0
	for r := 0; r < shown && top+r < rows; r++ {
		rh := avail / shown
		if r < avail%shown {
			rh++
		}
		first := (top + r) * cols
		k := min(cols, n-first) // a short last row spreads over the width
		x := 0
		for c := range k {
			cw := w / k
			if c < w%k {
				cw++
			}
			l.rects[first+c] = rect{x, y, cw, rh}
			x += cw
		}
		y += rh
	}
	l.above = top * cols
	l.below = max(n-(top+shown)*cols, 0)
	return l
}
