package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
	"github.com/ttmon/ttmon/tui/helpview"
	"github.com/ttmon/ttmon/tui/picker"
	"github.com/ttmon/ttmon/tui/prompt"
)

// The root's side of its three modal components (the header prompt, the
// cohort picker, the help overlay): building them, opening them, and
// acting on what they emit. Each closes itself; the root only reacts.

// Lookup timing: a values or cohorts question that takes longer than
// lookupTimeout is dropped (the list says so).
const (
	lookupTimeout = 10 * time.Second
	valuesLimit   = 50
)

// promptHead is what the header shows left of the prompt.
const promptHead = " ttmon │ "

// newComponents builds the closed components; m.com, m.keys and m.src
// must be set.
func (m *Model) newComponents() {
	k := m.keys
	m.prompt = prompt.New(m.com, prompt.KeyMap{
		Complete: k.Complete, Prev: k.PromptPrev, Next: k.PromptNext,
		Accept: k.Accept, Cancel: k.Cancel, Yes: k.Yes, No: k.No,
	}, prompt.Lookup{Props: m.loadProps, Values: m.loadValues}, len([]rune(promptHead)))
	closeKeys := append(append([]string(nil), k.Back.Keys()...), k.Cohort.Keys()...)
	m.picker = picker.New(m.com, picker.KeyMap{
		Close: key.NewBinding(key.WithKeys(closeKeys...), key.WithHelp(k.Back.Help().Key, k.Back.Help().Desc)),
		Up:    k.Up, Down: k.Down, Home: k.Home, End: k.End, Pick: k.Drill, Save: k.SaveCohort,
	})
	m.helpView = helpview.New(m.com, helpview.KeyMap{Help: k.Help, Back: k.Back, Quit: k.Quit})
}

// routeKey gives a key to the open component, if one is; done says one
// took it.
func (m *Model) routeKey(msg tea.KeyPressMsg) (cmd tea.Cmd, done bool) {
	switch {
	case m.prompt.Active():
		m.prompt, cmd = m.prompt.Update(msg)
	case m.picker.Active() && key.Matches(msg, m.keys.SaveCohort):
		m.picker.Close()
		cmd = m.openNamePrompt("")
	case m.picker.Active():
		m.picker, cmd = m.picker.Update(msg)
	case m.helpView.Active():
		m.helpView, cmd = m.helpView.Update(msg)
	default:
		return nil, false
	}
	return cmd, true
}

// handleComponent acts on what a component emitted and hands lookup
// answers to the component that asked; ok says msg was one of those.
func (m *Model) handleComponent(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case prompt.PropsMsg, prompt.ValuesMsg:
		m.prompt, cmd = m.prompt.Update(msg)
	case prompt.FilterSubmitted:
		cmd = m.addFilters("filter", msg.Filter)
	case prompt.NameSubmitted:
		cmd = m.saveCmd(msg.Name, false)
	case prompt.OverwriteConfirmed:
		cmd = m.saveCmd(msg.Name, true)
	case prompt.Cancelled:
		// The prompt closed itself; nothing was asked of the root.
	case picker.BackendMsg:
		m.noteCohortNames(msg.Cohorts) // for chips, even once the picker is closed
		m.picker, cmd = m.picker.Update(msg)
	case picker.CohortPicked:
		cmd = m.resolveCohort(msg.Cohort)
	default:
		return nil, false
	}
	return cmd, true
}

// modal reports that a component covers the pages (mouse clicks do not
// reach them).
func (m *Model) modal() bool { return m.prompt.Active() || m.picker.Active() }

// openNamePrompt asks for the name to save the current filters under, or
// says why they cannot be saved.
func (m *Model) openNamePrompt(value string) tea.Cmd {
	switch {
	case m.save == nil && m.saveOff != "":
		return m.setError(m.saveOff)
	case m.save == nil:
		return m.setError("saving cohorts needs a config file; ttmon was started without one it can write")
	case len(m.filters) == 0:
		return m.setStatus("no filters to save: add some with " + m.keys.Filter.Help().Key + " or " + m.keys.Cohort.Help().Key)
	}
	fs := make([]string, len(m.filters))
	for i, f := range m.filters {
		fs[i] = filterText(f)
	}
	m.prompt.OpenName(value, fs, shortPath(m.configPath))
	return nil
}

// promptLine is the header while the prompt is open.
func (m *Model) promptLine() string {
	st := m.com.Styles
	head := " " + st.App.Render("ttmon") + st.Sep.Render(" │ ")
	return fit(head+m.prompt.View(), m.width)
}

// loadProps is the prompt's lookup of property names.
func (m *Model) loadProps() tea.Cmd {
	src, parent, now := m.src, m.poll.ctx, m.com.Clock
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, lookupTimeout)
		defer cancel()
		ps, err := src.Properties(ctx)
		return prompt.PropsMsg{Props: printableProps(ps), Err: err, At: now()}
	}
}

// loadValues is the prompt's lookup of one property's values in the
// current query.
func (m *Model) loadValues(k prompt.ValKey, session uint64) tea.Cmd {
	src, parent, q := m.src, m.poll.ctx, m.query()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, lookupTimeout)
		defer cancel()
		vs, err := src.Values(ctx, datasource.ValuesQuery{Query: q, Scope: k.Scope, Key: k.Key, Limit: valuesLimit})
		return prompt.ValuesMsg{Session: session, Key: k, Vals: vals(printableCounts(vs)), Err: err}
	}
}

func vals(vs []datasource.ValueCount) []datasource.ValueCount {
	if vs == nil {
		return []datasource.ValueCount{}
	}
	return vs
}

// openPicker opens the cohort picker and, when the source keeps cohorts
// of its own, loads them.
func (m *Model) openPicker() tea.Cmd {
	_, lister := datasource.As[datasource.CohortLister](m.src)
	m.picker.Open(m.catalog.Local(), lister)
	if !lister {
		return nil
	}
	src, parent := m.src, m.poll.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, lookupTimeout)
		defer cancel()
		cs, err := cohort.FromSource(ctx, src)
		for i := range cs {
			cs[i].Name = common.Printable(cs[i].Name)
		}
		return picker.BackendMsg{Cohorts: cs, Err: err}
	}
}
