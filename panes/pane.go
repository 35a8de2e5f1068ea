// Package panes holds the dashboard's four panes (active installations,
// versions, error rate, timer usage) behind one contract, Pane, and the
// drawing they share: frames, bars, braille lines, axes and big digits.
//
// Panes never do I/O and never read the terminal size: the root hands them a
// Snapshot in a DataMsg and a size in SetSize, and each keeps its rendered
// string until one of those (or focus) changes, so an idle View is a string
// return.
//
// Charts are hand-drawn rather than built with ntcharts v0.5.1: its canvas
// renders one lip gloss style per cell. Measured at 98x25 (2 cores, 256
// colours): ntcharts sparkline 3.4 ms, 23,503 allocs and 39.6 KB per frame,
// barchart 2.1 ms / 10,418 allocs / 19 KB, streamlinechart 1.5 ms / 2,566
// allocs; a hand-drawn eighth-block chart with one style per row 0.10 ms,
// 286 allocs and 5.6 KB. Bytes per frame matter most over SSH.
package panes

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// Pane is one dashboard panel. Update returns the pane itself (panes are
// pointers so their render cache survives), View returns exactly the size
// last given to SetSize, and an unfocused pane ignores keys.
type Pane interface {
	Update(msg tea.Msg) (Pane, tea.Cmd)
	View() string
	SetSize(w, h int)
	Focus()
	Blur()
	Focused() bool
	// Title is the pane's name as shown in its frame and in breadcrumbs.
	Title() string
	help.KeyMap
}

// DataMsg hands every pane the latest good snapshot. The root sends it only
// for fresh, successful refreshes; a failed poll leaves panes untouched so
// they keep showing the last good data.
type DataMsg struct {
	Snapshot *datasource.Snapshot
	// Alerts are the alert rules that hold for Snapshot (alert.Evaluate):
	// each pane colours its border and the breaking figure by the ones
	// on its metrics.
	Alerts []alert.Firing
}

// StatusMsg asks the root to show Text in the status line for a while,
// e.g. why a key did nothing.
type StatusMsg struct {
	Text string
}

// noDrill says why enter did nothing: no data yet, or (has) the data
// holds nothing to drill into, which empty says.
func noDrill(has bool, empty string) string {
	if !has {
		return "no data to drill into yet"
	}
	return empty
}

// status returns the command that sends a StatusMsg.
func status(text string) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: text} }
}

// RestyleMsg tells panes their styles changed (a theme switch): every pane
// drops its cached string and draws again on the next View.
type RestyleMsg struct{}

// KeyMap holds the bindings panes and drill views react to while they have
// focus. They are defined with every other binding in tui/keymap.go, so
// they are remappable and help shows them as bound.
type KeyMap struct {
	// Drill opens the drill view of the focused pane, or of a row.
	Drill key.Binding
	// Up, Down, Left and Right move the selection (a version, an hour, a
	// row); PageUp, PageDown, Home and End move it further.
	Up, Down, Left, Right, PageUp, PageDown, Home, End key.Binding
	// Sort picks the next column to sort a table by; Reverse flips it.
	Sort, Reverse key.Binding
	// Find searches a table's rows.
	Find key.Binding
}

// DrillMsg asks the root to open View on top of the current page. Filters
// are the filters this level adds to every query (app_version=4.9.1 for a
// version); going back removes them again.
type DrillMsg struct {
	View    Drill
	Filters []datasource.Filter
}

// drill returns the command that sends a DrillMsg.
func drill(v Drill, fs ...datasource.Filter) tea.Cmd {
	return func() tea.Msg { return DrillMsg{View: v, Filters: fs} }
}

// Drill is a drill view: a full-body Pane pushed on the root's page stack.
// It does no I/O either: Request says what it needs, the root's poller
// asks the Source on every poll and hands the answers back in a
// DrillDataMsg.
type Drill interface {
	Pane
	// Request is what the view needs on each poll, nil for a view that
	// shows only what it was opened with.
	Request() *Request
	// Capturing reports that the view takes every key for itself (its
	// find line is open), so the root must not act on them.
	Capturing() bool
}

// Finder is a drill view that keeps its search (the rows its find line
// narrowed to) after the line closes. esc clears that search before it
// leaves the view: ClearFind drops it and reports whether there was one.
type Finder interface {
	ClearFind() bool
}

// Request lists the Source calls a drill view needs. The poller fills in
// each one's Query (range and filters of the moment) and asks them in
// order.
type Request struct {
	Breakdowns    []datasource.BreakdownQuery
	Events        *datasource.EventsQuery
	Installations *datasource.InstallationsQuery
	// Panes are dashboard panes asked through Source.Snapshot with
	// PanesOnly (the error groups); the poller sets each one's Range to
	// the query's unless the spec names its own.
	Panes []datasource.PaneSpec
}

// DrillDataMsg answers a Request: one Breakdowns entry per asked
// breakdown, in order, and the events or installations if asked.
type DrillDataMsg struct {
	Query datasource.Query
	// NotNarrowed names, per family, the filters the drill's figures could
	// not apply (datasource.Mapping.NotNarrowed), as on the dashboard.
	NotNarrowed   datasource.NotNarrowed
	Breakdowns    [][]datasource.ValueCount
	Events        []datasource.Event
	Installations []datasource.Installation
	// Panes answers Request.Panes, in order.
	Panes []datasource.PaneFigures
}

// Titles of the four panes, in focus order (keys 1-4).
const (
	TitleInstalls = "Active installations"
	TitleVersions = "Versions"
	TitleErrors   = "Error rate"
	TitleTimers   = "Timer usage"
)

// base is what every pane shares: size, focus and the render cache.
type base struct {
	com     *common.Common
	keys    KeyMap
	title   string
	w, h    int
	focused bool
	dirty   bool
	cache   string
	alarm   alarm
	scope   scope // the filters its figures leave out (frame.go)
	// ownScope: the pane sets scope from its own figures (a dashboard
	// pane's PaneFigures.NotNarrowed), not from the Snapshot's families.
	ownScope bool
}

func newBase(com *common.Common, keys KeyMap, title string) base {
	return base{com: com, keys: keys, title: title, dirty: true}
}

// SetSize sets the outer size; the cache is dropped only if it changed.
func (b *base) SetSize(w, h int) {
	if w != b.w || h != b.h {
		b.w, b.h, b.dirty = w, h, true
	}
}

// Focus marks the pane focused; its frame is drawn highlighted.
func (b *base) Focus() {
	if !b.focused {
		b.focused, b.dirty = true, true
	}
}

// Blur removes focus.
func (b *base) Blur() {
	if b.focused {
		b.focused, b.dirty = false, true
	}
}

// Focused reports whether the pane has focus.
func (b *base) Focused() bool { return b.focused }

// Title is the pane's name.
func (b *base) Title() string { return b.title }

// ShortHelp lists the pane's own enabled bindings for the footer.
func (b *base) ShortHelp() []key.Binding { return []key.Binding{b.keys.Drill} }

// PairHelp is one help entry for a pair of keys ("↑/↓ select", "x/X
// unfilter"); it answers to a's keys.
func PairHelp(a, b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(a.Keys()...), key.WithHelp(arrow(a)+"/"+arrow(b), desc))
}

// arrow shows a binding's first key as KeyLabel does.
func arrow(b key.Binding) string {
	if ks := b.Keys(); len(ks) > 0 {
		return KeyLabel(ks[0])
	}
	return b.Help().Key
}

// KeyLabel shows a key the way help and messages name it: arrows as
// arrows.
func KeyLabel(k string) string {
	switch k {
	case "up":
		return "↑"
	case "down":
		return "↓"
	case "left":
		return "←"
	case "right":
		return "→"
	}
	return k
}

// FullHelp lists the pane's own bindings for the help overlay.
func (b *base) FullHelp() [][]key.Binding { return [][]key.Binding{b.ShortHelp()} }

// restyle drops the cache when msg is a RestyleMsg, and takes from a
// DataMsg the filters the pane's figures leave out (takeScope): every
// pane calls it first thing, so the note needs nothing from each pane.
func (b *base) restyle(msg tea.Msg) {
	if _, ok := msg.(RestyleMsg); ok {
		b.dirty = true
	}
	b.takeScope(msg)
}

// view returns the cached string, re-rendering first if anything changed.
func (b *base) view(render func() string) string {
	if b.dirty {
		b.cache = render()
		b.dirty = false
	}
	return b.cache
}
