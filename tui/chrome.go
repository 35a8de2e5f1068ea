package tui

import (
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// maxCause bounds the cause in the header badge, in cells.
const maxCause = 32

// View is the frame on the alternate screen, with mouse reports when
// Options.Mouse asked for them.
//
// There is no frame cache here: Bubble Tea calls View once after every
// Update, so a whole-frame cache invalidated by Update never hits in a
// running program. The panes keep their own drawn strings until their data
// or size changes, which is what makes a frame cheap, and Bubble Tea's
// renderer writes only the cells that differ from the last frame.
func (m *Model) View() tea.View {
	v := tea.NewView(m.frame())
	v.AltScreen = true
	if m.mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

// frame draws header, body and footer, or the too-small screen.
func (m *Model) frame() string {
	if m.quitting || m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		return m.tooSmall()
	}
	bh := m.height - chromeH
	body := m.top().View()
	switch {
	case m.helpView.Active():
		body = m.helpView.View(m.width, bh)
	case m.picker.Active():
		box := m.picker.View(m.width, bh)
		bw := common.BlockWidth(box)
		body = overlay(body, box, max((m.width-bw)/2, 0), max((bh-len(box))/2, 0), m.width)
	case m.prompt.Active():
		if pop := m.prompt.Popup(); len(pop) > 0 {
			body = overlay(body, pop, m.prompt.X(), 0, m.width)
		}
	}
	return m.header() + "\n" + body + "\n" + m.footer()
}

// overlay draws lines over body from cell x of line y, keeping the body to
// their left and right.
func overlay(body string, lines []string, x, y, w int) string {
	bl := strings.Split(body, "\n")
	for i, l := range lines {
		r := y + i
		if r >= len(bl) {
			break
		}
		lw := ansi.StringWidth(l)
		if x+lw > w {
			l = ansi.Truncate(l, max(w-x, 0), "")
			lw = ansi.StringWidth(l)
		}
		bl[r] = cutCells(bl[r], 0, x) + l + cutCells(bl[r], x+lw, w)
	}
	return strings.Join(bl, "\n")
}

// cutCells returns cells [from, to) of s, exactly to-from wide: a wide
// character cut in half by either edge becomes a space. (ansi.Cut keeps
// one cut at the left edge, which widens the line, and drops one cut at
// the right edge, which narrows it.)
func cutCells(s string, from, to int) string {
	n := to - from
	if n <= 0 {
		return ""
	}
	want := max(ansi.StringWidth(s)-from, 0) // cells from 'from' to the end
	r, lead := ansi.TruncateLeft(s, from, ""), 0
	for k := from + 1; ansi.StringWidth(r) > want; k++ {
		r = ansi.TruncateLeft(s, k, "")
		lead = want - ansi.StringWidth(r)
	}
	r = ansi.Truncate(r, n-lead, "")
	return strings.Repeat(" ", lead) + r + strings.Repeat(" ", max(n-lead-ansi.StringWidth(r), 0))
}

// tooSmall fills the screen with what is wrong and what to do, cut to fit
// any size down to 1x1.
func (m *Model) tooSmall() string {
	st := m.com.Styles
	msg := []string{
		st.TooSmall.Render("terminal too small"),
		st.Text.Render(sizeText(minWidth, minHeight, m.width, m.height)),
		st.Muted.Render(m.keys.Quit.Help().Key + " to quit"),
	}
	return center(msg, m.width, m.height, true)
}

func sizeText(nw, nh, w, h int) string {
	return "need " + itoa(nw) + "x" + itoa(nh) + ", have " + itoa(w) + "x" + itoa(h)
}

// center places lines in the middle of a w x h block of exactly that size.
func center(lines []string, w, h int, perLine bool) string {
	return common.Center(lines, w, h, perLine)
}

// header is one line: what is shown (source, range, filters), when it was
// last fetched and how often (see freshness), and a badge on the right
// that says whether the data is live, paused, stale or failing. When the
// width runs short it gives up detail in a fixed order: the middle of the
// store path, the refresh timing and last change, then the source, why
// the query budget set the interval and the interval (each of those two
// kept before the source), the filters, the refresh time.
func (m *Model) header() string {
	if m.prompt.Active() {
		return m.promptLine()
	}
	st := m.com.Styles
	app, rng := st.App.Render("ttmon"), st.Bold.Render(m.rangeText())
	switch {
	case len(m.pages) > 1:
		// In a drill view the path matters more than where the data is from.
		app += st.Sep.Render(" │ ") + st.Crumb.Render(m.crumbs())
	case len(m.dashboards) > 1:
		app += st.Sep.Render(" │ ") + st.Crumb.Render(m.top().Title())
	}
	sep := st.Sep.Render(" │ ")
	// The failure's cause goes in the badge when the shortest header
	// leaves room for it; the footer has the whole sentence.
	badge := m.badges(true)
	if ansi.StringWidth(" "+app+sep+rng)+ansi.StringWidth(badge)+3 > m.width {
		badge = m.badges(false)
	}
	room := m.width - ansi.StringWidth(badge) - 3
	src := shortPath(m.info.String())
	loc := shortPath(m.info.Location)
	srcShort := strings.TrimSpace(m.info.Kind + " " + ansi.TruncateLeft(loc, max(ansi.StringWidth(loc)-20, 0), "…"))
	rs := m.freshness()
	if len(m.pages) > 1 {
		src, srcShort = "", ""
	}
	const chips = "\x00" // stands for the filter chips, fitted last
	variants := [][]string{{app, src, rng, chips, rs[0]}, {app, srcShort, rng, chips, rs[0]}}
	for _, r := range rs[1:] {
		variants = append(variants, []string{app, srcShort, rng, chips, r})
		if r != rs[3] { // what the budget did outranks the source
			variants = append(variants, []string{app, rng, chips, r})
		}
	}
	variants = append(variants, []string{app, rng, chips, rs[3]})
	if m.poll.filling != "" { // history still arriving outranks "no filters"
		variants = append(variants, []string{app, rng, rs[3]})
	}
	variants = append(variants, []string{app, rng, chips}, []string{app, rng})
	line, found := "", false
	// First look for a layout that shows every chip, then let them fold.
	for _, all := range []bool{true, false} {
		for _, v := range variants {
			v = slices.DeleteFunc(slices.Clone(v), func(s string) bool { return s == "" })
			for i, p := range v {
				if p == src || p == srcShort {
					v[i] = st.Text.Render(p)
				}
			}
			i := slices.Index(v, chips)
			if all && i < 0 && len(m.filters) > 0 {
				continue
			}
			if i >= 0 {
				v[i] = ""
				c, full := m.chips(room - ansi.StringWidth(" "+strings.Join(v, sep)))
				if all && !full {
					continue
				}
				v[i] = c
			}
			if line = " " + strings.Join(v, sep); ansi.StringWidth(line) <= room {
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	pad := m.width - ansi.StringWidth(line) - ansi.StringWidth(badge) - 1
	if pad < 1 {
		return fit(line, m.width)
	}
	return line + strings.Repeat(" ", pad) + badge + " "
}

// badges is the state marker at the right of the header. State is always
// spelled out, so it reads the same without colour; with cause, a failure
// says in a few words what went wrong (datasource.Cause).
func (m *Model) badges(cause bool) string {
	st := m.com.Styles
	var bs []string
	now := m.com.Clock()
	if m.poll.paused {
		bs = append(bs, st.BadgePaused.Render("PAUSED"))
	}
	if m.poll.stale(now) {
		bs = append(bs, st.BadgeStale.Render("STALE "+common.Age(now.Sub(m.poll.lastOK))))
	}
	if m.poll.err != nil {
		t := "POLL FAILED"
		if m.poll.fails > 1 {
			t += " ×" + itoa(m.poll.fails)
		}
		if c := datasource.Cause(m.poll.err); cause && c != "" {
			t += " · " + oneLine(c, maxCause)
		}
		bs = append(bs, st.BadgeError.Render(t))
	}
	if len(bs) == 0 {
		if m.poll.lastOK.IsZero() {
			return st.Muted.Render("connecting…")
		}
		return st.BadgeLive.Render("● live")
	}
	return strings.Join(bs, " ")
}

// footer is the transient status or the last poll error, then short help
// for what has focus, cut with an ellipsis when the width runs out.
func (m *Model) footer() string {
	st := m.com.Styles
	left := ""
	switch {
	case m.status != "" && m.statusErr:
		left = st.Alert.Render(oneLine(m.status, m.width*2/3))
	case m.poll.err != nil:
		left = st.Alert.Render("poll failed: ") + st.Text.Render(oneLine(m.poll.err.Error(), m.width/2))
	case m.status != "":
		left = st.Status.Render(oneLine(m.status, m.width*2/3))
	default:
		left = m.alertLine(m.width * 2 / 3)
	}
	h := m.help
	h.SetWidth(m.width - 2)
	if left != "" {
		h.SetWidth(h.Width() - ansi.StringWidth(left) - 3)
		left += st.HelpSep.Render(" │ ")
	}
	return fit(" "+left+h.ShortHelpView(m.shortHelp()), m.width)
}

// shortHelp is the footer's bindings: how to get all of them first, then
// the top page's (and its focused pane's), then the global ones.
func (m *Model) shortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.helpView.Active():
		return m.helpView.ShortHelp()
	case m.prompt.Active():
		return m.prompt.ShortHelp()
	case m.picker.Active():
		return m.picker.ShortHelp()
	case m.capturing():
		return m.top().ShortHelp()
	}
	out := []key.Binding{k.Help, k.Quit}
	if len(m.pages) > 1 {
		out = append(out, k.Back)
		out = append(out, m.top().ShortHelp()...)
	}
	out = append(out, k.Filter, k.Cohort)
	if len(m.filters) > 0 {
		out = append(out, k.chipKeys())
	}
	if len(m.pages) == 1 {
		out = append(out, m.top().ShortHelp()...)
	}
	return append(out, k.Range, k.Refresh, k.Pause, k.interval())
}

// shortPath shows $HOME as ~ so store paths stay readable in the header.
func shortPath(s string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return s
	}
	return strings.ReplaceAll(s, home+string(os.PathSeparator), "~"+string(os.PathSeparator))
}

// oneLine flattens an error message and cuts it to w cells.
func oneLine(s string, w int) string { return common.OneLine(s, w) }

// fit cuts s to w cells or pads it with spaces to w.
func fit(s string, w int) string { return common.Fit(s, w) }

func itoa(n int) string { return common.Thousands(int64(n)) }

// lastRefresh is for tests: when the data on screen arrived.
func (m *Model) lastRefresh() time.Time { return m.poll.lastOK }
