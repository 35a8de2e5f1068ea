// Package prompt is the line that replaces the monitor's header while the
// operator types a filter or a cohort name: a text input with completions
// from the data, its parse error pointing at the column, and the question
// asked before a saved cohort is overwritten.
//
// It is a component: the root model routes keys to it while it is open
// and reacts to what it emits (FilterSubmitted, NameSubmitted,
// OverwriteConfirmed, Cancelled). It does no I/O: completions are asked
// for through Lookup, whose commands answer with PropsMsg and ValuesMsg,
// which the root hands back to Update. It closes itself at once on enter
// or esc, so a key typed right after goes where it should even before the
// root has seen the message.
package prompt

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// Kind is what the prompt is asking for.
type Kind int

// What the prompt asks.
const (
	Filter    Kind = iota // a filter expression
	Name                  // a name to save the filters under
	Overwrite             // whether to replace a saved cohort
)

// What the prompt emits.
type (
	// FilterSubmitted is a filter typed and parsed; the prompt has closed.
	FilterSubmitted struct{ Filter datasource.Filter }
	// NameSubmitted is the name to save the filters under; the prompt
	// has closed.
	NameSubmitted struct{ Name string }
	// OverwriteConfirmed says yes to replacing the saved cohort Name.
	OverwriteConfirmed struct{ Name string }
	// Cancelled says the prompt closed without an answer (esc).
	Cancelled struct{}
)

// KeyMap is the prompt's own keys; every other key is text.
type KeyMap struct {
	Complete, Prev, Next, Accept, Cancel, Yes, No key.Binding
}

// Model is the prompt. Create it with New; it keeps what completion has
// learnt (property names) between openings.
type Model struct {
	st     *common.Styles
	keys   KeyMap
	lookup Lookup
	left   int // cells the header draws left of the prompt
	width  int // the header's

	open   bool
	kind   Kind
	in     textinput.Model
	err    string // why the input cannot be applied
	errCol int    // rune column the error points at; -1 for none
	name   string // Overwrite: the cohort being replaced
	saving []string
	where  string // Name: the file the filters are saved to

	list  list
	cache cache
}

// New builds a closed prompt. left is the width of what the header draws
// before it (the popup lines up with the input's text).
func New(com *common.Common, keys KeyMap, lookup Lookup, left int) Model {
	return Model{st: com.Styles, keys: keys, lookup: lookup, left: left, errCol: -1, cache: cache{clock: com.Clock}}
}

// SetWidth gives the prompt the header's width. The input leaves a few
// cells free at the right, for its cursor and a margin.
func (m *Model) SetWidth(w int) {
	m.width = w
	m.in.SetWidth(max(w-m.left-ansi.StringWidth(m.in.Prompt)-8, 8))
}

// Active reports that the prompt is open and takes the keys.
func (m Model) Active() bool { return m.open }

// Typing reports that keys go to the prompt as text (the overwrite
// question takes only its answer keys).
func (m Model) Typing() bool { return m.open && m.kind != Overwrite }

// Kind is what the open prompt asks for.
func (m Model) Kind() Kind { return m.kind }

// Value is the text typed.
func (m Model) Value() string { return m.in.Value() }

// Err is why the input cannot be applied and the rune column it points
// at (-1 for none); "" when there is nothing wrong.
func (m Model) Err() (string, int) { return m.err, m.errCol }

// Close closes the prompt without a word.
func (m *Model) Close() { m.open = false }

func (m *Model) newInput(prefix, value string) textinput.Model {
	in := textinput.New()
	in.Prompt = prefix
	state := textinput.StyleState{Prompt: m.st.Crumb, Text: m.st.Text, Placeholder: m.st.Muted}
	// A virtual cursor (drawn in reverse video) that does not blink: an
	// idle prompt costs nothing.
	in.SetStyles(textinput.Styles{Focused: state, Blurred: state, Cursor: textinput.CursorStyle{Blink: false}})
	in.KeyMap.Paste.SetEnabled(false) // bracketed paste still works; no clipboard reads over SSH
	in.KeyMap.AcceptSuggestion.SetEnabled(false)
	in.KeyMap.NextSuggestion.SetEnabled(false)
	in.KeyMap.PrevSuggestion.SetEnabled(false)
	in.CharLimit = 500
	in.SetValue(value)
	in.Focus()
	in.CursorEnd()
	return in
}

// show opens the prompt on a fresh input.
func (m *Model) show(kind Kind, prefix, value, placeholder string) {
	m.open, m.kind, m.err, m.errCol = true, kind, "", -1
	m.in = m.newInput(prefix, value)
	m.in.Placeholder = placeholder
	m.SetWidth(m.width)
}

// OpenFilter opens the prompt for a new filter and starts loading
// property names if they are missing or old.
func (m *Model) OpenFilter() tea.Cmd {
	m.show(Filter, "filter › ", "", "property=value · tab completes")
	return tea.Batch(m.cache.open(m.lookup), m.refresh())
}

// OpenName asks for the name to save filters (as text) under, in the
// file where.
func (m *Model) OpenName(value string, filters []string, where string) {
	m.show(Name, "save cohort as › ", value, "a name, e.g. Docker on 4.9")
	m.saving, m.where = filters, where
}

// AskOverwrite asks whether to replace the saved cohort name.
func (m *Model) AskOverwrite(name string) {
	m.show(Overwrite, "", name, "")
	m.name = name
}

// Update edits the open prompt, and takes completion answers (open or
// not: property names are kept for the next opening).
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case PropsMsg, ValuesMsg:
		return m, m.answer(msg)
	case tea.KeyPressMsg:
		if !m.open {
			return m, nil
		}
		if m.kind == Overwrite {
			return m, m.overwriteKey(msg)
		}
		return m, m.key(msg)
	}
	return m, nil
}

// key handles a key while typing; every key but the prompt's own is text.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k, l := m.keys, &m.list
	switch {
	case key.Matches(msg, k.Cancel):
		m.open = false
		return emit(Cancelled{})
	case key.Matches(msg, k.Accept):
		if m.kind == Name {
			return m.submitName()
		}
		return m.submitFilter()
	case m.kind == Filter && key.Matches(msg, k.Complete):
		if len(l.items) == 0 {
			l.tabbed = strings.HasSuffix(l.note, "…") // still loading
			return nil
		}
		return m.accept()
	case m.kind == Filter && key.Matches(msg, k.Prev, k.Next):
		l.step(key.Matches(msg, k.Next))
		return nil
	}
	before, pos := m.in.Value(), m.in.Position()
	var cmd tea.Cmd
	m.in, cmd = m.in.Update(msg)
	if m.in.Value() != before {
		m.err, m.errCol, l.tabbed = "", -1, false
	}
	if m.kind == Filter && (m.in.Value() != before || m.in.Position() != pos) {
		return tea.Batch(cmd, m.refresh())
	}
	return cmd
}

// submitFilter emits the typed filter, or says in place why it cannot.
// A completion chosen with the arrows is put in first.
func (m *Model) submitFilter() tea.Cmd {
	if m.list.walked && m.list.sel < len(m.list.items) {
		cmd := m.accept()
		if _, err := datasource.ParseFilter(m.in.Value()); err != nil {
			return cmd // half way there: keep typing
		}
	}
	text := m.in.Value()
	if strings.TrimSpace(text) == "" {
		m.open = false
		return emit(Cancelled{})
	}
	f, err := datasource.ParseFilter(text)
	if err != nil {
		m.err, m.errCol = err.Error(), -1
		var pe *datasource.ParseError
		if errors.As(err, &pe) {
			m.errCol = len([]rune(pe.Input[:pe.Pos]))
			m.err = pe.Msg
		}
		return nil
	}
	m.open = false
	return emit(FilterSubmitted{Filter: f})
}

// submitName emits the typed name, unless it is empty or a preset's.
func (m *Model) submitName() tea.Cmd {
	name := strings.TrimSpace(m.in.Value())
	if name == "" {
		m.err, m.errCol = "give the cohort a name", -1
		return nil
	}
	for _, c := range cohort.Presets() {
		if strings.EqualFold(c.Name, name) {
			m.err, m.errCol = "that is a preset's name; choose another", -1
			return nil
		}
	}
	m.open = false
	return emit(NameSubmitted{Name: name})
}

// overwriteKey answers the overwrite question: yes emits, no goes back to
// the name.
func (m *Model) overwriteKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Accept, m.keys.Yes):
		m.open = false
		return emit(OverwriteConfirmed{Name: m.name})
	case key.Matches(msg, m.keys.Cancel, m.keys.No):
		m.OpenName(m.name, m.saving, m.where)
		m.err = "not overwritten: choose another name, or esc"
	}
	return nil
}

// emit is a command that sends msg to the root.
func emit(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }
