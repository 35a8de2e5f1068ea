package tui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/common"
)

// picker is the cohort list: the presets, the saved cohorts and, when the
// source keeps its own (PostHog), those, loaded in the background.
type picker struct {
	items   []cohort.Cohort
	sel     int
	backend bool // the source lists cohorts
	pending bool
	err     error
}

// backendMsg carries the source's own cohorts to the picker.
type backendMsg struct {
	cs  []cohort.Cohort
	err error
}

func (m *Model) openPicker() tea.Cmd {
	_, lister := datasource.As[datasource.CohortLister](m.src)
	m.picker = &picker{items: m.catalog.Local(), backend: lister, pending: lister}
	if !lister {
		return nil
	}
	src, parent := m.src, m.poll.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, valuesTimeout)
		defer cancel()
		cs, err := cohort.FromSource(ctx, src)
		for i := range cs {
			cs[i].Name = common.Printable(cs[i].Name)
		}
		return backendMsg{cs: cs, err: err}
	}
}

func (m *Model) handleBackend(msg backendMsg) {
	m.noteCohortNames(msg.cs) // for chips, even once the picker is closed
	if m.picker == nil {
		return
	}
	m.picker.pending, m.picker.err = false, msg.err
	m.picker.items = append(m.catalog.Local(), msg.cs...)
}

// handlePickerKey moves, picks, saves or closes; the picker is modal.
func (m *Model) handlePickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p, k := m.picker, m.keys
	switch {
	case key.Matches(msg, k.Back, k.Cohort):
		m.picker = nil
	case key.Matches(msg, k.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(msg, k.Down):
		p.sel = min(p.sel+1, len(p.items)-1)
	case key.Matches(msg, k.Home):
		p.sel = 0
	case key.Matches(msg, k.End):
		p.sel = len(p.items) - 1
	case key.Matches(msg, k.Drill):
		c := p.items[p.sel]
		m.picker = nil
		return m.resolveCohort(c)
	case key.Matches(msg, k.SaveCohort):
		m.picker = nil
		return m.openNamePrompt("")
	case key.Matches(msg, k.Quit):
		m.quitting = true
		m.poll.stop()
		return tea.Quit
	}
	return nil
}

// pickerKeys are the picker's keys for the footer.
func (m *Model) pickerKeys() []key.Binding {
	k := m.keys
	pick := k.Drill
	pick.SetHelp(pick.Help().Key, "add")
	up := panes.PairHelp(k.Up, k.Down, "choose")
	back := k.Back
	back.SetHelp(back.Help().Key, "close")
	return []key.Binding{up, pick, k.SaveCohort, back}
}

// pickerView is the picker's box: sections, names, what each means.
func (m *Model) pickerView(w, h int) []string {
	st := m.com.Styles
	p := m.picker
	bw := min(max(w-4, 20), 96)
	iw := bw - 4
	var lines []string
	var kind cohort.Kind = -1
	selLine := 0
	for i, c := range p.items {
		if c.Kind != kind {
			if len(lines) > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, st.HelpTitle.Render(sectionTitle(c.Kind)))
			kind = c.Kind
		}
		name := fit(c.Name, min(ansi.StringWidth(c.Name), iw/2))
		desc := oneLine(c.Describe(), max(iw-ansi.StringWidth(name)-3, 0))
		line := name + "   " + st.Muted.Render(desc)
		if i == p.sel {
			line = st.Selected.Render(fit(c.Name+"   "+desc, iw))
			selLine = len(lines)
		}
		lines = append(lines, fit(line, iw))
	}
	if !hasKind(p.items, cohort.Saved) {
		lines = append(lines, "", st.HelpTitle.Render(sectionTitle(cohort.Saved)),
			st.Muted.Render(fit("none yet: "+m.keys.SaveCohort.Help().Key+" saves the current filters", iw)))
	}
	if p.backend && !hasKind(p.items, cohort.Backend) {
		note := "none"
		switch {
		case p.pending:
			note = "loading…"
		case p.err != nil:
			note = oneLine(p.err.Error(), iw)
		}
		lines = append(lines, "", st.HelpTitle.Render(sectionTitle(cohort.Backend)), st.Muted.Render(fit(note, iw)))
	}
	// Keep the selection in view when the list is taller than the body.
	room := max(h-2, 1)
	if len(lines) > room {
		top := min(max(selLine-room/2, 0), len(lines)-room)
		lines = lines[top : top+room]
	}
	box := st.Popup.Padding(0, 1).Render(strings.Join(lines, "\n"))
	return strings.Split(box, "\n")
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
