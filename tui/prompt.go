package tui

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
)

// promptKind is what the header prompt is asking for.
type promptKind int

const (
	promptFilter    promptKind = iota // a filter expression
	promptName                        // a name to save the filters under
	promptOverwrite                   // whether to replace a saved cohort
)

// prompt is the line that replaces the header while the operator types a
// filter or a cohort name, with its completions and its error.
type prompt struct {
	kind    promptKind
	in      textinput.Model
	err     string // why the input cannot be applied
	errCol  int    // rune column the error points at; -1 for none
	name    string // promptOverwrite: the cohort being replaced
	session uint64 // completion answers for older prompts are dropped

	ctx    compCtx
	items  []compEntry
	sel    int
	walked bool   // the operator moved through the list
	tabbed bool   // tab was pressed while the list was loading
	note   string // "loading…", "no values in range", an error
	head   string // what the list shows ("values of platform · events")
}

// Completion answers. They carry the prompt session that asked, so an
// answer arriving after the prompt closed (or reopened) is dropped.
type (
	propsMsg struct {
		props []datasource.Property
		err   error
		at    time.Time
	}
	valuesMsg struct {
		session uint64
		key     valKey
		vals    []datasource.ValueCount
		err     error
	}
)

// valKey is one property whose values were asked for.
type valKey struct {
	scope datasource.Scope
	key   string
}

// valEntry is the answer for one property: pending until it arrives.
type valEntry struct {
	pending bool
	vals    []datasource.ValueCount
	err     error
}

// completion caches what completion has learnt: the property names (for
// the session, refreshed when older than propsTTL) and the values asked
// for in this prompt.
type completion struct {
	props        []datasource.Property
	propsAt      time.Time
	propsPending bool
	propsErr     error
	values       map[valKey]*valEntry
	session      uint64
}

// Completion timing: property names change rarely; a values question
// that takes longer than valuesTimeout is dropped (the list says so).
const (
	propsTTL      = 5 * time.Minute
	valuesTimeout = 10 * time.Second
	valuesLimit   = 50
	listRows      = 8
)

func (m *Model) newInput(prefix, value string) textinput.Model {
	st := m.com.Styles
	in := textinput.New()
	in.Prompt = prefix
	state := textinput.StyleState{Prompt: st.Crumb, Text: st.Text, Placeholder: st.Muted}
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

// openFilterPrompt opens the prompt for a new filter and starts loading
// property names if they are missing or old.
func (m *Model) openFilterPrompt() tea.Cmd {
	m.comp.session++
	m.comp.values = map[valKey]*valEntry{}
	m.prompt = &prompt{kind: promptFilter, in: m.newInput("filter › ", ""), errCol: -1, session: m.comp.session}
	m.prompt.in.Placeholder = "property=value · tab completes"
	m.sizePrompt()
	var cmd tea.Cmd
	if !m.comp.propsPending && (m.comp.props == nil || m.com.Clock().Sub(m.comp.propsAt) > propsTTL) {
		cmd = m.loadProps()
	}
	return tea.Batch(cmd, m.refreshCompletion())
}

// openNamePrompt asks for the name to save the current filters under.
func (m *Model) openNamePrompt(value string) tea.Cmd {
	switch {
	case m.save == nil && m.saveOff != "":
		return m.setError(m.saveOff)
	case m.save == nil:
		return m.setError("saving cohorts needs a config file; ttmon was started without one it can write")
	case len(m.filters) == 0:
		return m.setStatus("no filters to save: add some with " + m.keys.Filter.Help().Key + " or " + m.keys.Cohort.Help().Key)
	}
	m.prompt = &prompt{kind: promptName, in: m.newInput("save cohort as › ", value), errCol: -1}
	m.prompt.in.Placeholder = "a name, e.g. Docker on 4.9"
	m.sizePrompt()
	return nil
}

func (m *Model) sizePrompt() {
	if m.prompt != nil {
		m.prompt.in.SetWidth(max(m.width-len(" ttmon │ ")-len(m.prompt.in.Prompt)-4, 8))
	}
}

func (m *Model) loadProps() tea.Cmd {
	m.comp.propsPending = true
	src, parent, now := m.src, m.poll.ctx, m.com.Clock
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, valuesTimeout)
		defer cancel()
		ps, err := src.Properties(ctx)
		return propsMsg{props: printableProps(ps), err: err, at: now()}
	}
}

func (m *Model) loadValues(k valKey) tea.Cmd {
	m.comp.values[k] = &valEntry{pending: true}
	src, parent, q, session := m.src, m.poll.ctx, m.query(), m.comp.session
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, valuesTimeout)
		defer cancel()
		vs, err := src.Values(ctx, datasource.ValuesQuery{Query: q, Scope: k.scope, Key: k.key, Limit: valuesLimit})
		return valuesMsg{session: session, key: k, vals: vals(printableCounts(vs)), err: err}
	}
}

func vals(vs []datasource.ValueCount) []datasource.ValueCount {
	if vs == nil {
		return []datasource.ValueCount{}
	}
	return vs
}

// handleCompletion stores an answer and redraws the list if the prompt
// still wants it.
func (m *Model) handleCompletion(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case propsMsg:
		m.comp.propsPending = false
		if msg.err != nil {
			m.comp.propsErr = msg.err
		} else {
			m.comp.props, m.comp.propsAt, m.comp.propsErr = msg.props, msg.at, nil
		}
	case valuesMsg:
		if msg.session != m.comp.session {
			return nil
		}
		m.comp.values[msg.key] = &valEntry{vals: msg.vals, err: msg.err}
	}
	if m.prompt == nil || m.prompt.kind != promptFilter {
		return nil
	}
	cmd := m.refreshCompletion()
	if m.prompt.tabbed && len(m.prompt.items) > 0 {
		// A tab typed ahead of the answer completes when it comes.
		m.prompt.tabbed = false
		return tea.Batch(cmd, m.accept())
	}
	return cmd
}

// refreshCompletion recomputes the list for the caret's context, asking
// for values it does not have yet.
func (m *Model) refreshCompletion() tea.Cmd {
	p := m.prompt
	c := analyze(p.in.Value(), p.in.Position())
	prevLabel := ""
	if p.sel < len(p.items) && p.ctx.kind == c.kind && p.ctx.key == c.key && p.ctx.start == c.start {
		prevLabel = p.items[p.sel].label // same place: an answer arrived, keep the choice
	}
	p.ctx, p.items, p.note, p.head = c, nil, "", ""
	var cmd tea.Cmd
	switch c.kind {
	case compKey:
		p.head = "properties"
		switch {
		case m.comp.props == nil && m.comp.propsErr != nil:
			p.note = "property names: " + oneLine(m.comp.propsErr.Error(), 60)
		case m.comp.props == nil:
			p.note = "loading property names…"
		default:
			if c.prefix != "" && isKnown(m.comp.props, c.prefix) && c.end == len([]rune(p.in.Value())) {
				p.ctx = compCtx{kind: compOp, start: c.end, end: c.end}
				p.items, p.head = opEntries("", true), "operators"
				break
			}
			p.items = keyEntries(m.comp.props, c.prefix)
			if len(p.items) == 0 {
				p.note = "no property starts with " + c.prefix
			}
		}
	case compOp:
		p.head = "operators"
		afterName := c.start > 0 && !strings.HasSuffix(string([]rune(p.in.Value())[:c.start]), " ")
		p.items = opEntries(c.prefix, afterName)
	case compValue, compItem:
		k := valKey{c.scope, c.key}
		p.head = "values of " + c.key
		e := m.comp.values[k]
		switch {
		case e == nil:
			cmd = m.loadValues(k)
			p.note = "loading…"
		case e.pending:
			p.note = "loading…"
		case e.err != nil:
			p.note = "values: " + oneLine(e.err.Error(), 60)
		default:
			p.items = valueEntries(e.vals, c.prefix, c.kind)
			switch {
			case len(e.vals) == 0:
				p.note = "no values in range"
			case len(p.items) == 0:
				p.note = "no value matches " + c.prefix
			}
		}
	}
	p.sel, p.walked = 0, false
	for i, it := range p.items {
		if it.label == prevLabel {
			p.sel = i
		}
	}
	return cmd
}

func isKnown(props []datasource.Property, key string) bool {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "person."), "event.")
	for _, p := range props {
		if p.Key == key {
			return true
		}
	}
	return false
}

// accept puts the chosen completion into the input.
func (m *Model) accept() tea.Cmd {
	p := m.prompt
	if p.sel >= len(p.items) {
		return nil
	}
	v, caret := p.ctx.insert(p.in.Value(), p.items[p.sel].insert)
	p.in.SetValue(v)
	p.in.SetCursor(caret)
	p.err, p.errCol = "", -1
	return m.refreshCompletion()
}

// handlePromptKey edits the prompt; every key but force-quit is its own.
func (m *Model) handlePromptKey(msg tea.KeyPressMsg) tea.Cmd {
	p, k := m.prompt, m.keys
	if p.kind == promptOverwrite {
		return m.handleOverwriteKey(msg)
	}
	switch {
	case key.Matches(msg, k.Cancel):
		m.prompt = nil
		return nil
	case key.Matches(msg, k.Accept):
		if p.kind == promptName {
			return m.submitName()
		}
		return m.submitFilter()
	case p.kind == promptFilter && key.Matches(msg, k.Complete):
		if len(p.items) == 0 {
			p.tabbed = strings.HasSuffix(p.note, "…") // still loading
			return nil
		}
		return m.accept()
	case p.kind == promptFilter && key.Matches(msg, k.PromptPrev, k.PromptNext):
		if n := len(p.items); n > 0 {
			if key.Matches(msg, k.PromptPrev) {
				p.sel = (p.sel + n - 1) % n
			} else {
				p.sel = (p.sel + 1) % n
			}
			p.walked = true
		}
		return nil
	}
	before, pos := p.in.Value(), p.in.Position()
	var cmd tea.Cmd
	p.in, cmd = p.in.Update(msg)
	if p.in.Value() != before {
		p.err, p.errCol, p.tabbed = "", -1, false
	}
	if p.kind == promptFilter && (p.in.Value() != before || p.in.Position() != pos) {
		return tea.Batch(cmd, m.refreshCompletion())
	}
	return cmd
}

// submitFilter applies the typed filter, or says in place why it cannot.
// A completion chosen with the arrows is put in first.
func (m *Model) submitFilter() tea.Cmd {
	p := m.prompt
	walked := p.walked && p.sel < len(p.items)
	if walked {
		cmd := m.accept()
		if _, err := datasource.ParseFilter(p.in.Value()); err != nil {
			return cmd // half way there: keep typing
		}
	}
	text := p.in.Value()
	if strings.TrimSpace(text) == "" {
		m.prompt = nil
		return nil
	}
	f, err := datasource.ParseFilter(text)
	if err != nil {
		p.err, p.errCol = err.Error(), -1
		var pe *datasource.ParseError
		if errors.As(err, &pe) {
			p.errCol = len([]rune(pe.Input[:pe.Pos]))
			p.err = pe.Msg
		}
		return nil
	}
	m.prompt = nil
	return m.addFilters("filter", f)
}

// submitName saves the filters under the typed name, or asks first when
// a cohort of that name exists.
func (m *Model) submitName() tea.Cmd {
	p := m.prompt
	name := strings.TrimSpace(p.in.Value())
	if name == "" {
		p.err, p.errCol = "give the cohort a name", -1
		return nil
	}
	for _, c := range cohort.Presets() {
		if strings.EqualFold(c.Name, name) {
			p.err, p.errCol = "that is a preset's name; choose another", -1
			return nil
		}
	}
	return m.saveCmd(name, false)
}

func (m *Model) handleOverwriteKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Accept, m.keys.Yes):
		name := m.prompt.name
		m.prompt = nil
		return m.saveCmd(name, true)
	case key.Matches(msg, m.keys.Cancel, m.keys.No):
		name := m.prompt.name
		m.openNamePrompt(name)
		if m.prompt != nil {
			m.prompt.err = "not overwritten: choose another name, or esc"
		}
	}
	return nil
}
