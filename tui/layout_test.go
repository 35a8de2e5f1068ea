package tui

import (
	"fmt"
	"testing"
)

// TestLayoutTotal: at any size, for any number of panes and any focus,
// the rects lie inside the body without overlapping, the focused pane is
// shown, and the panes hidden above and below are counted.
func TestLayoutTotal(t *testing.T) {
	for _, n := range []int{1, 4, 6, 9, 13} {
		for _, w := range []int{0, 1, 59, 60, 80, 99, 100, 120, 179, 180, 200} {
			for _, h := range []int{0, 1, 14, 22, 27, 28, 38, 58} {
				for focus := range n {
					for _, top := range []int{0, 3, 99} {
						l := computeLayout(w, h, n, false, focus, top)
						checkLayout(t, fmt.Sprintf("n=%d %dx%d focus=%d top=%d", n, w, h, focus, top), l, w, h, focus)
					}
				}
			}
		}
	}
}

func checkLayout(t *testing.T, what string, l layout, w, h, focus int) {
	t.Helper()
	shown := 0
	for i, r := range l.rects {
		if r.w == 0 || r.h == 0 {
			continue
		}
		shown++
		if r.x < 0 || r.y < 0 || r.x+r.w > w || r.y+r.h > h {
			t.Fatalf("%s: pane %d %+v outside the body", what, i, r)
		}
		for j, o := range l.rects[:i] {
			if o.w > 0 && o.h > 0 && r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h {
				t.Fatalf("%s: panes %d and %d overlap", what, j, i)
			}
		}
	}
	if w > 0 && h > 0 && (l.rects[focus].w == 0 || l.rects[focus].h == 0) {
		t.Fatalf("%s: the focused pane is not shown: %+v", what, l)
	}
	if w > 0 && h > 0 && shown+l.above+l.below != len(l.rects) {
		t.Fatalf("%s: %d shown, %d above, %d below of %d", what, shown, l.above, l.below, len(l.rects))
	}
}

// TestLayoutColumns: one column below 100 wide, two from there, three
// from 180 for more than four panes; a short last row spreads out.
func TestLayoutColumns(t *testing.T) {
	l := computeLayout(120, 38, 9, false, 0, 0)
	if l.mode != modeGrid || l.rects[0].w != 60 || l.rects[8].w != 120 || l.above+l.below != 0 {
		t.Fatalf("120x38: %+v", l)
	}
	l = computeLayout(200, 58, 9, false, 0, 0)
	if l.rects[0].w != 67 || l.rects[2].x != 134 || l.rects[8].y == 0 {
		t.Fatalf("200x58: %+v", l)
	}
	l = computeLayout(80, 22, 9, false, 0, 0)
	if l.mode != modeStack || l.below != 5 || l.rects[0].w != 80 {
		t.Fatalf("80x22: %+v", l)
	}
}
