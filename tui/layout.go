package tui

// Size limits. Below minWidth x minHeight the monitor shows a "terminal too
// small" screen; the 2x2 grid needs a body (the screen less header and
// footer) of gridMinW x gridMinH, which is a 100x30 terminal; between the
// two the panes stack, full width, with compact one-line titles.
const (
	minWidth  = 60
	minHeight = 16
	chromeH   = 2 // header and footer lines
	gridMinW  = 100
	gridMinH  = 30 - chromeH
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

// computeLayout places the four panes in a w x h body. It is pure and
// total: any size, including 0x0, gives rects that fit inside the body.
func computeLayout(w, h int, zoomed bool, focus int) (mode, [4]rect) {
	var rs [4]rect
	w, h = max(w, 0), max(h, 0)
	switch {
	case zoomed:
		rs[focus] = rect{0, 0, w, h}
		return modeZoom, rs
	case w >= gridMinW && h >= gridMinH:
		lw, th := w/2, h/2
		rs[0] = rect{0, 0, lw, th}
		rs[1] = rect{lw, 0, w - lw, th}
		rs[2] = rect{0, th, lw, h - th}
		rs[3] = rect{lw, th, w - lw, h - th}
		return modeGrid, rs
	}
	y := 0
	for i := range rs {
		ph := h / 4
		if i < h%4 {
			ph++
		}
		rs[i] = rect{0, y, w, ph}
		y += ph
	}
	return modeStack, rs
}
