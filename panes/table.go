package panes

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/tui/common"
)

// column is one table column: its title, the widths it may take, and
// whether it gives up width first when the table is too narrow (flex).
type column struct {
	title    string
	min, max int
	right    bool
	flex     bool
	// desc sorts this column descending first (times, counts).
	desc bool
	// drop > 0 lets the column go when the table does not fit even at
	// its columns' minimum widths; the highest goes first.
	drop int
}

// table is the rows of a drill view: a selection that survives refreshes
// (by row id), sorting by any column, a find line that keeps the rows
// containing its text, and scrolling. It renders only the rows in view.
// Cells are plain text; widths are measured in terminal cells, so wide
// (CJK, emoji) text lines up and is cut with an ellipsis.
type table struct {
	com  *common.Common
	keys KeyMap
	cols []column
	// cmp compares raw rows a and b by column col; nil means the table
	// keeps the order it was given and cannot be sorted.
	cmp func(a, b, col int) int
	// tone, when set, styles one cell of a raw row (a rate by its
	// level); ok false keeps the row's style.
	tone func(raw, col int) (s lipgloss.Style, ok bool)

	cells [][]string
	ids   []string
	order []int // raw rows shown, found and sorted
	width []int // natural width of each column over all rows
	// content is the widest cell of each column, title and sort arrow
	// not counted: what a column can shrink to before anything is cut.
	content []int

	sortCol int
	desc    bool
	find    string
	finding bool
	sel     int // index into order
	top     int // first row in view
	selID   string
	w, h    int // the table's area, header included
}

func newTable(com *common.Common, keys KeyMap, cols []column, cmp func(a, b, col int) int) *table {
	return &table{com: com, keys: keys, cols: cols, cmp: cmp, desc: len(cols) > 0 && cols[0].desc}
}

// setRows replaces the rows, keeping the selected row (by id) selected.
func (t *table) setRows(cells [][]string, ids []string) {
	t.cells, t.ids = cells, ids
	t.width = make([]int, len(t.cols))
	t.content = make([]int, len(t.cols))
	for i, c := range t.cols {
		t.width[i] = ansi.StringWidth(c.title) + 2 // room for the sort arrow
		t.content[i] = ansi.StringWidth(c.title)
	}
	for _, r := range cells {
		for i := range t.cols {
			if i < len(r) {
				t.content[i] = max(t.content[i], ansi.StringWidth(r[i]))
				t.width[i] = max(t.width[i], ansi.StringWidth(r[i]))
			}
		}
	}
	t.refilter()
}

// refilter applies find and sort, then finds the selected row again.
func (t *table) refilter() {
	t.order = t.order[:0]
	needle := strings.ToLower(t.find)
	for i, r := range t.cells {
		if needle == "" || strings.Contains(strings.ToLower(strings.Join(r, "\x00")), needle) {
			t.order = append(t.order, i)
		}
	}
	if t.cmp != nil {
		col, desc := t.sortCol, t.desc
		slices.SortStableFunc(t.order, func(a, b int) int {
			c := t.cmp(a, b, col)
			if desc {
				c = -c
			}
			return c
		})
	}
	t.sel = 0
	for i, r := range t.order {
		if t.ids[r] == t.selID {
			t.sel = i
		}
	}
	t.clamp()
}

// selected is the raw index of the selected row, -1 when none is shown.
func (t *table) selected() int {
	if t.sel < 0 || t.sel >= len(t.order) {
		return -1
	}
	return t.order[t.sel]
}

func (t *table) rowsInView() int { return max(t.h-1, 0) }

func (t *table) clamp() {
	t.sel = min(max(t.sel, 0), max(len(t.order)-1, 0))
	n := t.rowsInView()
	if t.sel < t.top {
		t.top = t.sel
	}
	if n > 0 && t.sel >= t.top+n {
		t.top = t.sel - n + 1
	}
	t.top = min(max(t.top, 0), max(len(t.order)-n, 0))
	if r := t.selected(); r >= 0 {
		t.selID = t.ids[r]
	}
}

// handleKey moves, sorts and finds; changed says whether to redraw.
func (t *table) handleKey(k tea.KeyPressMsg) (changed bool) {
	if t.finding {
		return t.findKey(k)
	}
	n := t.rowsInView()
	switch {
	case key.Matches(k, t.keys.Up):
		t.sel--
	case key.Matches(k, t.keys.Down):
		t.sel++
	case key.Matches(k, t.keys.PageUp):
		t.sel -= max(n-1, 1)
	case key.Matches(k, t.keys.PageDown):
		t.sel += max(n-1, 1)
	case key.Matches(k, t.keys.Home):
		t.sel = 0
	case key.Matches(k, t.keys.End):
		t.sel = len(t.order) - 1
	case key.Matches(k, t.keys.Sort) && t.cmp != nil:
		t.sortCol = (t.sortCol + 1) % len(t.cols)
		t.desc = t.cols[t.sortCol].desc
		t.resort()
	case key.Matches(k, t.keys.Reverse) && t.cmp != nil:
		t.desc = !t.desc
		t.resort()
	case key.Matches(k, t.keys.Find):
		t.finding = true
	default:
		return false
	}
	t.clamp()
	return true
}

// findKey edits the find line: text narrows the rows as it is typed,
// enter keeps it, esc clears it.
func (t *table) findKey(k tea.KeyPressMsg) bool {
	switch {
	case k.Code == tea.KeyEnter:
		t.finding = false
		return true
	case k.Code == tea.KeyEscape:
		t.finding, t.find = false, ""
	case k.Code == tea.KeyBackspace:
		if r := []rune(t.find); len(r) > 0 {
			t.find = string(r[:len(r)-1])
		}
	case k.String() == "ctrl+u":
		t.find = ""
	case k.Text != "":
		t.find += k.Text
	default:
		return false
	}
	t.refilter()
	return true
}

// resort applies a new order and goes to its top: after a sort people
// look at the first rows, not for the row they had selected.
func (t *table) resort() {
	t.refilter()
	t.sel, t.top = 0, 0
}

// clearFind drops a kept find; it reports whether there was one.
func (t *table) clearFind() bool {
	if t.find == "" && !t.finding {
		return false
	}
	t.find, t.finding = "", false
	t.refilter()
	return true
}

// render draws the header and the rows in view into w x h.
func (t *table) render(w, h int, focused bool) []string {
	t.w, t.h = w, h
	t.clamp()
	st := t.com.Styles
	ws := t.layout(w)
	out := make([]string, 0, h)
	head := make([]string, len(t.cols))
	for i, c := range t.cols {
		title := c.title
		if t.cmp != nil && i == t.sortCol {
			if t.desc {
				title += " ↓"
			} else {
				title += " ↑"
			}
		}
		head[i] = cell(title, ws[i], c.right)
	}
	out = append(out, st.TableHead.Render(fit(joinCells(head, ws), w)))
	for i := t.top; i < len(t.order) && len(out) < h; i++ {
		r := t.cells[t.order[i]]
		parts := make([]string, len(t.cols))
		toned := false
		for j, c := range t.cols {
			v := ""
			if j < len(r) {
				v = r[j]
			}
			parts[j] = cell(v, ws[j], c.right)
			if s, ok := t.cellTone(t.order[i], j); ok && !(focused && i == t.sel) {
				parts[j], toned = s.Render(parts[j]), true
			}
		}
		line := fit(joinCells(parts, ws), w)
		switch {
		case focused && i == t.sel:
			line = st.Selected.Render(line)
		case toned:
			// Styled cells carry their own; the rest stays plain text.
		default:
			line = st.Text.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// cellTone is the tone of a cell, if the table has one for it.
func (t *table) cellTone(raw, col int) (lipgloss.Style, bool) {
	if t.tone == nil {
		return lipgloss.Style{}, false
	}
	return t.tone(raw, col)
}

// cell cuts or pads v to exactly w cells.
func cell(v string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(v) > w {
		return fit(v, w) // cut, and padded where a wide character did not fit
	}
	if right {
		return padLeft(v, w)
	}
	return fit(v, w)
}

// findLine is the line above the table while finding or after: what is
// searched and how many rows match.
func (t *table) findLine(w int) string {
	st := t.com.Styles
	if !t.finding && t.find == "" {
		return ""
	}
	s := st.Muted.Render(arrow(t.keys.Find)+" find: ") + st.Text.Render(t.find)
	if t.finding {
		s += st.Cursor.Render(" ")
	}
	s += st.Muted.Render("  " + common.Thousands(int64(len(t.order))) + " of " + common.Thousands(int64(len(t.cells))))
	return fit(s, w)
}

// help is the table's keys for the footer.
func (t *table) help(open string) []key.Binding {
	bs := []key.Binding{PairHelp(t.keys.Up, t.keys.Down, "move")}
	if open != "" {
		d := t.keys.Drill
		d.SetHelp(d.Help().Key, open)
		bs = append(bs, d)
	}
	if t.cmp != nil {
		bs = append(bs, t.keys.Sort, t.keys.Reverse)
	}
	return append(bs, t.keys.Find)
}

// findHelp is the footer while the find line is open.
func findHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
	}
}
