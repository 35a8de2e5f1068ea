// Package picker is the cohort list the operator picks filters from: the
// presets, the cohorts saved in config and, when the source keeps its own
// (PostHog), those, which arrive later.
//
// It is a component: while it is open the root routes keys to it, and it
// emits CohortPicked for the root to resolve into filters. It does no I/O:
// the root loads the source's cohorts and hands them over in a
// BackendMsg. It closes itself at once (pick, esc), so the next key goes
// where it should even before the root has seen the message.
package picker

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/common"
)

// CohortPicked is the cohort chosen; the picker has closed.
type CohortPicked struct{ Cohort cohort.Cohort }

// BackendMsg carries the source's own cohorts (or why they are missing).
type BackendMsg struct {
	Cohorts []cohort.Cohort
	Err     error
}

// KeyMap is the picker's keys. Save is only shown: the root acts on it,
// since it opens the name prompt.
type KeyMap struct {
	Close, Up, Down, Home, End, Pick, Save key.Binding
}

// Model is the picker. Create it with New.
type Model struct {
	st   *common.Styles
	keys KeyMap

	open    bool
	local   []cohort.Cohort // presets and saved cohorts
	items   []cohort.Cohort
	sel     int
	backend bool // the source lists cohorts
	pending bool
	err     error
}

// New builds a closed picker.
func New(com *common.Common, keys KeyMap) Model {
	return Model{st: com.Styles, keys: keys}
}

// Open shows local (presets, then saved cohorts); backend says the source
// lists cohorts of its own, which come in a BackendMsg.
func (m *Model) Open(local []cohort.Cohort, backend bool) {
	*m = Model{st: m.st, keys: m.keys, open: true, local: local, items: local, backend: backend, pending: backend}
}

// Close closes the picker without a pick.
func (m *Model) Close() { m.open = false }

// Active reports that the picker is open and takes the keys.
func (m Model) Active() bool { return m.open }

// Items are the cohorts listed.
func (m Model) Items() []cohort.Cohort { return m.items }

// Update moves and picks; the source's cohorts join the list when they
// come.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case BackendMsg:
		if m.open {
			m.pending, m.err = false, msg.Err
			m.items = append(append([]cohort.Cohort(nil), m.local...), msg.Cohorts...)
		}
	case tea.KeyPressMsg:
		if m.open {
			return m, m.key(msg)
		}
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Close):
		m.open = false
	case key.Matches(msg, k.Up):
		m.sel = max(m.sel-1, 0)
	case key.Matches(msg, k.Down):
		m.sel = min(m.sel+1, len(m.items)-1)
	case key.Matches(msg, k.Home):
		m.sel = 0
	case key.Matches(msg, k.End):
		m.sel = len(m.items) - 1
	case key.Matches(msg, k.Pick) && m.sel < len(m.items):
		m.open = false
		c := m.items[m.sel]
		return func() tea.Msg { return CohortPicked{Cohort: c} }
	}
	return nil
}

// ShortHelp is the picker's keys for the footer.
func (m Model) ShortHelp() []key.Binding {
	k := m.keys
	pick := k.Pick
	pick.SetHelp(pick.Help().Key, "add")
	up := panes.PairHelp(k.Up, k.Down, "choose")
	back := k.Close
	back.SetHelp(back.Help().Key, "close")
	return []key.Binding{up, pick, k.Save, back}
}

// View is the picker's box for a w x h body, as lines: sections, names,
// what each means, the selection kept in view.
func (m Model) View(w, h int) []string {
	st := m.st
	bw := min(max(w-4, 20), 96)
	iw := bw - 4
	var lines []string
	var kind cohort.Kind = -1
	selLine := 0
	for i, c := range m.items {
		if c.Kind != kind {
			if len(lines) > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, st.HelpTitle.Render(sectionTitle(c.Kind)))
			kind = c.Kind
		}
		name := common.Fit(c.Name, min(ansi.StringWidth(c.Name), iw/2))
		desc := common.OneLine(c.Describe(), max(iw-ansi.StringWidth(name)-3, 0))
		line := name + "   " + st.Muted.Render(desc)
		if i == m.sel {
			line = st.Selected.Render(common.Fit(c.Name+"   "+desc, iw))
			selLine = len(lines)
		}
		lines = append(lines, common.Fit(line, iw))
	}
	lines = append(lines, m.missing(iw)...)
	// Keep the selection in view when the list is taller than the body.
	room := max(h-2, 1)
	if len(lines) > room {
		top := min(max(selLine-room/2, 0), len(lines)-room)
		lines = lines[top : top+room]
	}
	box := st.Popup.Padding(0, 1).Render(strings.Join(lines, "\n"))
	return strings.Split(box, "\n")
}

// missing are the sections with nothing in them yet, saying why.
func (m Model) missing(iw int) []string {
	st := m.st
	var lines []string
	if !hasKind(m.items, cohort.Saved) {
		lines = append(lines, "", st.HelpTitle.Render(sectionTitle(cohort.Saved)),
			st.Muted.Render(common.Fit("none yet: "+m.keys.Save.Help().Key+" saves the current filters", iw)))
	}
	if m.backend && !hasKind(m.items, cohort.Backend) {
		note := "none"
		switch {
		case m.pending:
			note = "loading…"
		case m.err != nil:
			note = common.OneLine(m.err.Error(), iw)
		}
		lines = append(lines, "", st.HelpTitle.Render(sectionTitle(cohort.Backend)), st.Muted.Render(common.Fit(note, iw)))
	}
	return lines
}

func sectionTitle(k cohort.Kind) string {
	switch k {
	case cohort.Saved:
		return "Saved in config"
	case cohort.Backend:
		return "PostHog cohorts"
	}
	return "Presets"
}

func hasKind(cs []cohort.Cohort, k cohort.Kind) bool {
	for _, c := range cs {
		if c.Kind == k {
			return true
		}
	}
	return false
}
