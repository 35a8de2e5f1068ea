package panes

import (
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
)

// A pane gets a full border with its title in the top edge when it has at
// least this much room; below that it draws a one-line title rule, which
// leaves 80x24 stacked panes enough rows for their charts.
const (
	minBoxW = 30
	minBoxH = 8
)

// boxed reports whether the pane draws a full border at its current size.
func (b *base) boxed() bool { return b.w >= minBoxW && b.h >= minBoxH }

// inner is the content area inside the frame.
func (b *base) inner() (w, h int) {
	if b.boxed() {
		return max(b.w-4, 0), max(b.h-2, 0)
	}
	return max(b.w-2, 0), max(b.h-1, 0)
}

// frame draws the title, the first of the summaries (already styled,
// longest first) that fits beside it, and body lines into exactly w x h
// cells. Body lines are cut or padded to the inner width.
func (b *base) frame(summaries []string, body []string) string {
	if b.w <= 0 || b.h <= 0 {
		return ""
	}
	iw, ih := b.inner()
	lines := make([]string, 0, b.h)
	tw := ansi.StringWidth(b.title)
	if m := b.mark(); m != "" {
		tw += ansi.StringWidth(m) + 1 // the alert's word keeps its place first
	}
	if b.boxed() {
		lines = append(lines, b.boxTop(firstFit(b.w-4-tw-5, summaries...)))
	} else {
		lines = append(lines, b.ruleTop(firstFit(b.w-tw-6, summaries...)))
	}
	side, bs := b.border()
	l, r := bs.Render(side.Left+" "), bs.Render(" "+side.Right)
	if !b.boxed() {
		l, r = " ", " "
	}
	for i := range ih {
		s := ""
		if i < len(body) {
			s = body[i]
		}
		if i == ih-1 && !b.boxed() {
			if note := b.scopeNote(iw); note != "" {
				s = note // no bottom edge to carry it: the last row does
			}
		}
		lines = append(lines, fit(l+fit(s, iw)+r, b.w))
	}
	if b.boxed() {
		lines = append(lines, b.boxBottom())
	}
	return strings.Join(lines, "\n")
}

// boxTop is "╭─ Title ──── summary ─╮", dropping the summary, then cutting
// the title, when the width is short. A firing alert puts its word right
// after the title ("╭─ Versions  ALERT ───"); it is the last to go.
func (b *base) boxTop(summary string) string {
	side, bs := b.border()
	ts := b.com.Styles.Title
	if b.focused {
		ts = b.com.Styles.FocusTitle
	}
	room := b.w - 4 // corners and one rule cell each side
	mark := b.mark()
	if ansi.StringWidth(mark)+3 > room {
		mark = ""
	}
	mw := ansi.StringWidth(mark)
	title := " " + b.title + " "
	sw := ansi.StringWidth(summary)
	if sw > 0 && ansi.StringWidth(title)+mw+sw+3 <= room {
		fill := room - ansi.StringWidth(title) - mw - sw - 2
		return bs.Render(side.TopLeft+side.Top) + ts.Render(title) + mark + bs.Render(repeat(side.Top, fill)) +
			" " + summary + " " + bs.Render(side.Top+side.TopRight)
	}
	title = ansi.Truncate(title, room-mw, "…")
	fill := room - ansi.StringWidth(title) - mw
	return bs.Render(side.TopLeft+side.Top) + ts.Render(title) + mark + bs.Render(repeat(side.Top, fill)+side.Top+side.TopRight)
}

// ruleTop is the compact header: a focus marker, the title, the summary and
// a rule to the edge.
func (b *base) ruleTop(summary string) string {
	_, bs := b.border()
	ts, mark := b.com.Styles.Title, "  "
	if b.focused {
		ts, mark = b.com.Styles.FocusTitle, "▌ "
	}
	head := bs.Render(mark) + ts.Render(b.title)
	if m := b.mark(); m != "" && ansi.StringWidth(head)+1+ansi.StringWidth(m) <= b.w {
		head += " " + m
	}
	if sw := ansi.StringWidth(summary); sw > 0 && ansi.StringWidth(head)+2+sw+2 <= b.w {
		head += "  " + summary + " "
	} else if ansi.StringWidth(head)+1 < b.w {
		head += " " // the rule does not touch the title
	}
	hw := ansi.StringWidth(head)
	if hw >= b.w {
		return fit(head, b.w)
	}
	return head + bs.Render(repeat("─", b.w-hw))
}

// border is the frame's shape (thick when focused) and style: the colour
// of the worst alert firing on this pane, else that of focus.
func (b *base) border() (lipgloss.Border, lipgloss.Style) {
	st := b.com.Styles
	shape, style := st.BorderShape, st.Border
	if b.focused {
		shape, style = st.FocusBorderShape, st.FocusBorder
	}
	switch b.alarm.level {
	case LevelAlert:
		style = st.AlertBorder
	case LevelWarn:
		style = st.WarnBorder
	}
	return shape, style
}

// firstFit returns the first of alts (longest first) at most w cells wide,
// or "" if none fits.
func firstFit(w int, alts ...string) string {
	for _, a := range alts {
		if ansi.StringWidth(a) <= w {
			return a
		}
	}
	return ""
}

// fit cuts s to w cells (with an ellipsis) or pads it with spaces to w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		// A wide character that would straddle the edge is dropped
		// whole, which can leave the cut one cell short: pad it, or
		// every column after it moves left.
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	return s + strings.Repeat(" ", w-sw)
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	return repeat(" ", w-ansi.StringWidth(s)) + s
}

// repeat is strings.Repeat that treats a negative count as zero, so a
// 1x1 terminal cannot panic a layout computation.
func repeat(s string, n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(s, n)
}

// centerLines puts a short message in the middle of a w x h area.
func centerLines(msg string, w, h int) []string {
	out := make([]string, max(h, 0))
	if h > 0 {
		pad := max((w-ansi.StringWidth(msg))/2, 0)
		out[(h-1)/2] = repeat(" ", pad) + msg
	}
	return out
}

// scope is what a pane's figures leave out of the filters in force: a
// pane never shows a figure the cohort did not narrow as if it did.
type scope struct {
	// skipped are the filters (Filter.String) the pane's event family
	// could not apply (Snapshot.NotNarrowed).
	skipped []string
	// why says in a few words why they could not be applied.
	why string
	// perInstall, for the error-rate pane, are the filters the active
	// installations (the rate's denominator) left out.
	perInstall []string
}

// takeScope reads, from a DataMsg (or a drill view's DrillDataMsg), the
// filters this pane's figures do not reflect; panes call it for every
// message (through restyle). A drill view's title starts with its pane's.
func (b *base) takeScope(msg tea.Msg) {
	if b.ownScope {
		return
	}
	var n datasource.NotNarrowed
	drill := false
	switch m := msg.(type) {
	case DataMsg:
		if m.Snapshot == nil {
			return
		}
		n = m.Snapshot.NotNarrowed
	case DrillDataMsg:
		n, drill = m.NotNarrowed, true
	default:
		return
	}
	var sc scope
	switch {
	case strings.HasPrefix(b.title, TitleInstalls), strings.HasPrefix(b.title, TitleVersions):
		sc = scope{skipped: n.Installs, why: "a user property"}
	case strings.HasPrefix(b.title, TitleErrors):
		sc = scope{skipped: n.Errors, why: "not on product events"}
		if !drill { // the drill lists errors; it divides by nothing
			sc.perInstall = n.Installs
		}
	case strings.HasPrefix(b.title, TitleTimers):
		sc = scope{skipped: n.Timers, why: "not on product events"}
	}
	if !slices.Equal(sc.skipped, b.scope.skipped) || !slices.Equal(sc.perInstall, b.scope.perInstall) {
		b.scope, b.dirty = sc, true
	}
}

// scopeNote says which filters the pane is not narrowed by, in at most w
// cells: "not narrowed by is_admin=true (a user property)", shorter
// forms when that does not fit. The error-rate pane, narrowed itself,
// still says when its rate divides by installations that are not.
// Empty when every filter applies.
func (b *base) scopeNote(w int) string {
	sk, what, why := b.scope.skipped, "not narrowed by ", b.scope.why
	if len(sk) == 0 {
		sk, what, why = b.scope.perInstall, "rate: installs not narrowed by ", "a user property"
	}
	if len(sk) == 0 {
		return ""
	}
	names := make([]string, len(sk))
	for i, f := range sk {
		names[i] = strings.TrimPrefix(f, "person.")
	}
	list := strings.Join(names, ", ")
	n := "1 filter"
	if len(sk) > 1 {
		n = strconv.Itoa(len(sk)) + " filters"
	}
	return b.com.Styles.Warn.Render(firstFit(w,
		what+list+" ("+why+")",
		what+list,
		what+n,
		"not narrowed",
		"unnarrowed",
	))
}

// boxBottom is the bottom edge, carrying the scope note when the pane is
// not narrowed by every filter: "╰─ not narrowed by is_admin=true ─╯".
func (b *base) boxBottom() string {
	side, bs := b.border()
	note := b.scopeNote(b.w - 6)
	if note == "" {
		return bs.Render(side.BottomLeft + repeat(side.Bottom, b.w-2) + side.BottomRight)
	}
	fill := b.w - 5 - ansi.StringWidth(note) // at least one rule cell: note has b.w-6
	return bs.Render(side.BottomLeft+side.Bottom) + " " + note + " " + bs.Render(repeat(side.Bottom, fill)+side.BottomRight)
}
