package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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

// dashboard is the four-pane page: it owns focus, zoom and layout, routes
// keys to the focused pane and data to all of them, and joins their cached
// strings into the body.
type dashboard struct {
	com    *common.Common
	keys   KeyMap
	panes  [4]panes.Pane
	focus  int
	zoomed bool
	w, h   int
	mode   mode
	rects  [4]rect

	last [4]string // pane strings the cached body was built from
	body string
}

var _ page = (*dashboard)(nil)

func newDashboard(com *common.Common, keys KeyMap, th panes.Thresholds) *dashboard {
	pk := keys.paneKeys()
	d := &dashboard{com: com, keys: keys, panes: [4]panes.Pane{
		panes.NewInstalls(com, pk), panes.NewVersions(com, pk),
		panes.NewErrors(com, pk, th), panes.NewTimers(com, pk),
	}}
	d.panes[0].Focus()
	return d
}

// Title is the breadcrumb of the bottom page.
func (d *dashboard) Title() string { return "Dashboard" }

// SetSize lays the panes out in a w x h body.
func (d *dashboard) SetSize(w, h int) {
	d.w, d.h = w, h
	d.relayout()
}

func (d *dashboard) relayout() {
	d.mode, d.rects = computeLayout(d.w, d.h, d.zoomed, d.focus)
	for i, r := range d.rects {
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
	var cmd tea.Cmd
	d.panes[d.focus], cmd = d.panes[d.focus].Update(msg)
	return d, cmd
}

func (d *dashboard) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := d.keys
	switch {
	case key.Matches(msg, k.NextPane):
		d.setFocus((d.focus + 1) % len(d.panes))
	case key.Matches(msg, k.PrevPane):
		d.setFocus((d.focus + len(d.panes) - 1) % len(d.panes))
	case key.Matches(msg, k.Pane1):
		d.setFocus(0)
	case key.Matches(msg, k.Pane2):
		d.setFocus(1)
	case key.Matches(msg, k.Pane3):
		d.setFocus(2)
	case key.Matches(msg, k.Pane4):
		d.setFocus(3)
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
	for i, r := range d.rects {
		if msg.X >= r.x && msg.X < r.x+r.w && msg.Y >= r.y && msg.Y < r.y+r.h {
			d.setFocus(i)
			return
		}
	}
}

func (d *dashboard) setFocus(i int) {
	if i == d.focus {
		return
	}
	d.panes[d.focus].Blur()
	d.focus = i
	d.panes[i].Focus()
	if d.zoomed {
		d.relayout()
	}
}

// View joins the panes' cached strings. When no pane string changed (Go
// compares equal strings that share memory in O(1)) it returns the body
// built last time, so an idle View allocates nothing.
func (d *dashboard) View() string {
	var cur [4]string
	for i, r := range d.rects {
		if r.w > 0 && r.h > 0 {
			cur[i] = d.panes[i].View()
		}
	}
	if cur == d.last && d.body != "" {
		return d.body
	}
	d.last = cur
	switch d.mode {
	case modeZoom:
		d.body = cur[d.focus]
	case modeGrid:
		d.body = joinRows(joinCols(cur[0], cur[1]), joinCols(cur[2], cur[3]))
	default:
		d.body = joinRows(cur[:]...)
	}
	return d.body
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

// focusedPane is the pane with focus.
func (d *dashboard) focusedPane() panes.Pane { return d.panes[d.focus] }

// ShortHelp lists the dashboard's keys and the focused pane's.
func (d *dashboard) ShortHelp() []key.Binding {
	bs := []key.Binding{d.keys.NextPane, d.keys.paneNumbers(), d.keys.Zoom}
	if d.zoomed {
		bs = append(bs, d.keys.Back)
	}
	return append(bs, d.focusedPane().ShortHelp()...)
}

// FullHelp groups the dashboard's keys for the help overlay.
func (d *dashboard) FullHelp() [][]key.Binding {
	k := d.keys
	own := []key.Binding{k.full("next_pane"), k.full("prev_pane"), k.full("pane_1"), k.full("pane_2"),
		k.full("pane_3"), k.full("pane_4"), k.full("zoom"), k.full("back")}
	return append([][]key.Binding{own}, d.focusedPane().FullHelp()...)
}
