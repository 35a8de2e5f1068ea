package panes

import "strings"

// layout gives each column its width in w cells: natural widths within
// [min, max], flex columns shrinking first, then the rest.
func (t *table) layout(w int) []int {
	ws := make([]int, len(t.cols))
	gone := t.dropped(w)
	total, shown := 0, 0
	for i, c := range t.cols {
		if gone[i] {
			continue
		}
		ws[i] = min(max(t.width[i], c.min), max(c.max, c.min))
		total += ws[i]
		shown++
	}
	total += 2 * max(shown-1, 0)
	// First the room kept for a sort arrow in columns not sorted by, so
	// that a name is not cut for a blank.
	for i := len(t.cols) - 1; i >= 0 && total > w; i-- {
		if gone[i] || (t.cmp != nil && i == t.sortCol) {
			continue
		}
		cut := min(total-w, max(ws[i]-max(t.content[i], t.cols[i].min), 0))
		ws[i] -= cut
		total -= cut
	}
	for _, flex := range []bool{true, false} {
		for i := len(t.cols) - 1; i >= 0 && total > w; i-- {
			if t.cols[i].flex != flex || gone[i] {
				continue
			}
			cut := min(total-w, ws[i]-min(t.cols[i].min, ws[i]))
			ws[i] -= cut
			total -= cut
		}
	}
	if total < w { // the flex column takes what is left
		for i, c := range t.cols {
			if c.flex && !gone[i] {
				ws[i] += w - total
				break
			}
		}
	}
	return ws
}

// dropped marks the columns that go, highest drop first, until the rest
// fit in w: the flex column at its minimum, the others whole (a cut
// name or id is worse than a column fewer).
func (t *table) dropped(w int) []bool {
	gone := make([]bool, len(t.cols))
	need := func() int {
		n, k := 0, 0
		for i, c := range t.cols {
			switch {
			case gone[i]:
				continue
			case c.flex:
				n += c.min
			default:
				n += min(max(t.width[i], c.min), max(c.max, c.min))
			}
			k++
		}
		return n + 2*max(k-1, 0)
	}
	for need() > w {
		best := -1
		for i, c := range t.cols {
			if !gone[i] && c.drop > 0 && (best < 0 || c.drop > t.cols[best].drop) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		gone[best] = true
	}
	return gone
}

// joinCells joins the cells of the columns shown (width > 0).
func joinCells(parts []string, ws []int) string {
	shown := make([]string, 0, len(parts))
	for i, p := range parts {
		if ws[i] > 0 {
			shown = append(shown, p)
		}
	}
	return strings.Join(shown, "  ")
}
