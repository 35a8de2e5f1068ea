package tui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/common"
)

// page is one full-body view on the root's stack. The dashboard is the
// bottom page; the drilldown issue pushes drill pages on top (enter) and
// pops them (esc), and the root only ever talks to the top one.
type page interface {
	Update(msg tea.Msg) (page, tea.Cmd)
	View() string
	SetSize(w, h int)
	// Title is the page's breadcrumb.
	Title() string
	help.KeyMap
}

// dashboard is the page of one datasource.Dashboard: it owns focus, zoom,
// scrolling and layout, routes keys to the focused pane and data to all of
// them, and joins their cached strings into the body. Built-in figures
// keep their own panes; every other pane is a panes.Generic.
type dashboard struct {
	com    *common.Common
	keys   KeyMap
	def    datasource.Dashboard
	panes  []panes.Pane
	focus  int
	zoomed bool
	w, h   int
	lay    layout

	last []string // pane strings the cached body was built from
	body string

	// switches are the footer's dashboard keys and switchHelp the help
	// overlay's, set by the root, which knows every dashboard.
	switches, switchHelp []key.Binding
}

var _ page = (*dashboard)(nil)

func newDashboard(com *common.Common, keys KeyMap, th panes.Thresholds, def datasource.Dashboard) *dashboard {
	pk := keys.paneKeys()
	d := &dashboard{com: com, keys: keys, def: def}
	for _, s := range def.Panes {
		var p panes.Pane
		switch s.Figure {
		case "installs":
			p = panes.NewInstalls(com, pk)
		case "versions":
			p = panes.NewVersions(com, pk)
		case "errors":
			p = panes.NewErrors(com, pk, th)
		case "timers":
			p = panes.NewTimers(com, pk)
		default:
			p = panes.NewGeneric(com, pk, s, th)
		}
		d.panes = append(d.panes, p)
	}
	if len(d.panes) > 0 {
		d.panes[0].Focus()
	}
	return d
}

// Title is the dashboard's title, the first breadcrumb.
func (d *dashboard) Title() string { return d.def.DisplayTitle() }

// figure is the index of the pane showing a built-in figure, or -1.
func (d *dashboard) figure(name string) int {
	for i, s := range d.def.Panes {
		if s.Figure == name {
			return i
		}
	}
	return -1
}

// SetSize lays the panes out in a w x h body.
func (d *dashboard) SetSize(w, h int) {
	d.w, d.h = w, h
	d.relayout()
}

func (d *dashboard) relayout() {
	d.lay = computeLayout(d.w, d.h, len(d.panes), d.zoomed, d.focus, d.lay.top)
	for i, r := range d.lay.rects {
		if r.w > 0 && r.h > 0 {
			d.panes[i].SetSize(r.w, r.h)
		}
	}
}

// Update handles focus, zoom and clicks, feeds data to every pane, and
// passes other keys to the focused pane.
func (d *dashboard) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return d, d.handleKey(msg)
	case tea.MouseClickMsg:
		d.handleMouse(msg)
		return d, nil
	case panes.DataMsg, panes.RestyleMsg:
		cmds := make([]tea.Cmd, 0, len(d.panes))
		for i, p := range d.panes {
			var cmd tea.Cmd
			d.panes[i], cmd = p.Update(msg)
			cmds = append(cmds, cmd)
		}
		return d, tea.Batch(cmds...)
	}
	if len(d.panes) == 0 {
		return d, nil
	}
	var cmd tea.Cmd
	d.panes[d.focus], cmd = d.panes[d.focus].Update(msg)
	return d, cmd
}

func (d *dashboard) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := d.keys
	n := len(d.panes)
	if n == 0 {
		return nil
	}
	switch {
	case key.Matches(msg, k.NextPane):
		d.setFocus((d.focus + 1) % n)
	case key.Matches(msg, k.PrevPane):
		d.setFocus((d.focus + n - 1) % n)
	case key.Matches(msg, k.Zoom):
		d.zoomed = !d.zoomed
		d.relayout()
	case key.Matches(msg, k.Back) && d.zoomed:
		d.zoomed = false
		d.relayout()
	default:
		var cmd tea.Cmd
		d.panes[d.focus], cmd = d.panes[d.focus].Update(msg)
		return cmd
	}
	return nil
}

// handleMouse focuses the pane under a left click (mouse is opt-in).
func (d *dashboard) handleMouse(msg tea.MouseClickMsg) {
	if msg.Button != tea.MouseLeft || d.zoomed {
		return
	}
	for i, r := range d.lay.rects {
		if msg.X >= r.x && msg.X < r.x+r.w && msg.Y >= r.y && msg.Y < r.y+r.h {
			d.setFocus(i)
			return
		}
	}
}

func (d *dashboard) setFocus(i int) {
	if i == d.focus || i < 0 || i >= len(d.panes) {
		return
	}
	d.panes[d.focus].Blur()
	d.focus = i
	d.panes[i].Focus()
	d.relayout() // zoomed, or scrolled to show it
}

// View joins the panes' cached strings. When no pane string changed (Go
// compares equal strings that share memory in O(1)) it returns the body
// built last time, so an idle View allocates nothing.
func (d *dashboard) View() string {
	if len(d.last) != len(d.panes) {
		d.last, d.body = make([]string, len(d.panes)), ""
	}
	same := d.body != ""
	for i, r := range d.lay.rects {
		v := ""
		if r.w > 0 && r.h > 0 {
			v = d.panes[i].View()
		}
		if v != d.last[i] {
			d.last[i], same = v, false
		}
	}
	if same {
		return d.body
	}
	if d.lay.mode == modeZoom {
		d.body = d.last[d.focus]
		return d.body
	}
	var rows []string
	for i := 0; i < len(d.panes); {
		r := d.lay.rects[i]
		j := i + 1
		for j < len(d.panes) && d.lay.rects[j].h > 0 && d.lay.rects[j].y == r.y && r.h > 0 {
			j++
		}
		row := d.last[i]
		for k := i + 1; k < j; k++ {
			row = joinCols(row, d.last[k])
		}
		rows = append(rows, row)
		i = j
	}
	if m := d.moreLine(); m != "" {
		rows = append(rows, m)
	}
	d.body = joinRows(rows...)
	return d.body
}

// moreLine says which panes are scrolled out of view and how to reach
// them, in the body's last row.
func (d *dashboard) moreLine() string {
	if d.lay.above == 0 && d.lay.below == 0 {
		return ""
	}
	var parts []string
	if d.lay.above > 0 {
		parts = append(parts, "▲ "+strconv.Itoa(d.lay.above)+" above")
	}
	if d.lay.below > 0 {
		parts = append(parts, "▼ "+strconv.Itoa(d.lay.below)+" below")
	}
	s := " " + strings.Join(parts, " · ") + " · " + d.keys.NextPane.Help().Key + " scrolls · " +
		d.keys.Zoom.Help().Key + " zooms"
	return d.com.Styles.Muted.Render(fit(s, d.w))
}

// focusedPane is the pane with focus.
func (d *dashboard) focusedPane() panes.Pane { return d.panes[d.focus] }

// ShortHelp lists the dashboard's keys and the focused pane's.
func (d *dashboard) ShortHelp() []key.Binding {
	bs := append([]key.Binding{d.keys.NextPane, d.keys.Zoom}, d.switches...)
	if d.zoomed {
		bs = append(bs, d.keys.Back)
	}
	if len(d.panes) == 0 {
		return bs
	}
	return append(bs, d.focusedPane().ShortHelp()...)
}

// FullHelp groups the dashboard's keys for the help overlay.
func (d *dashboard) FullHelp() [][]key.Binding {
	k := d.keys
	own := []key.Binding{k.full("next_pane"), k.full("prev_pane"), k.full("zoom"), k.full("back"),
		k.full("pane_1"), k.full("pane_2"), k.full("pane_3"), k.full("pane_4")}
	own = append(own, d.switchHelp...)
	if len(d.panes) == 0 {
		return [][]key.Binding{own}
	}
	return append([][]key.Binding{own}, d.focusedPane().FullHelp()...)
}

// joinCols puts two equally tall blocks side by side. Panes render exact
// rectangles, so plain concatenation is enough (and much cheaper than
// lipgloss.JoinHorizontal, which measures every line).
func joinCols(l, r string) string {
	ll, rl := strings.Split(l, "\n"), strings.Split(r, "\n")
	var b strings.Builder
	b.Grow(len(l) + len(r))
	for i := range max(len(ll), len(rl)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(ll) {
			b.WriteString(ll[i])
		}
		if i < len(rl) {
			b.WriteString(rl[i])
		}
	}
	return b.String()
}

// joinRows stacks blocks, skipping empty ones.
func joinRows(blocks ...string) string {
	var b strings.Builder
	for _, s := range blocks {
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	return b.String()
}
