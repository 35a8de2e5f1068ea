package prompt

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// Lookup is how the prompt asks for what it completes. Each returns a
// command that does the I/O and answers with a PropsMsg or a ValuesMsg;
// the root builds them, since it knows the source and the query.
type Lookup struct {
	// Props lists the property names the data carries.
	Props func() tea.Cmd
	// Values lists the values of one property in the current query,
	// answering with session in the message.
	Values func(k ValKey, session uint64) tea.Cmd
}

// Completion answers. A ValuesMsg carries the prompt session that asked,
// so an answer arriving after the prompt closed (or reopened) is dropped.
type (
	// PropsMsg answers Lookup.Props.
	PropsMsg struct {
		Props []datasource.Property
		Err   error
		At    time.Time
	}
	// ValuesMsg answers Lookup.Values.
	ValuesMsg struct {
		Session uint64
		Key     ValKey
		Vals    []datasource.ValueCount
		Err     error
	}
)

// ValKey is one property whose values are asked for.
type ValKey struct {
	Scope datasource.Scope
	Key   string
}

// valEntry is the answer for one property: pending until it arrives.
type valEntry struct {
	pending bool
	vals    []datasource.ValueCount
	err     error
}

// Completion timing: property names change rarely and are asked again
// when older than PropsTTL.
const (
	PropsTTL = 5 * time.Minute
	listRows = 8
)

// cache is what completion has learnt: the property names (for the
// session, refreshed when older than PropsTTL) and the values asked for
// in this opening of the prompt.
type cache struct {
	clock        func() time.Time
	props        []datasource.Property
	propsAt      time.Time
	propsPending bool
	propsErr     error
	values       map[ValKey]*valEntry
	session      uint64
}

// open starts a prompt session: values are asked again, property names
// if they are missing or old.
func (c *cache) open(l Lookup) tea.Cmd {
	c.session++
	c.values = map[ValKey]*valEntry{}
	if c.propsPending || (c.props != nil && c.clock().Sub(c.propsAt) <= PropsTTL) || l.Props == nil {
		return nil
	}
	c.propsPending = true
	return l.Props()
}

// Props are the property names completion knows; nil before they came.
func (m Model) Props() []datasource.Property { return m.cache.props }

// list is the completion list under the caret.
type list struct {
	ctx    compCtx
	items  []compEntry
	sel    int
	walked bool   // the operator moved through the list
	tabbed bool   // tab was pressed while the list was loading
	note   string // "loading…", "no values in range", an error
	head   string // what the list shows ("values of platform")
}

// step moves the selection, wrapping around.
func (l *list) step(next bool) {
	n := len(l.items)
	if n == 0 {
		return
	}
	if next {
		l.sel = (l.sel + 1) % n
	} else {
		l.sel = (l.sel + n - 1) % n
	}
	l.walked = true
}

// Item is one completion as the list shows it.
type Item struct{ Label, Note string }

// Items are the completions listed now.
func (m Model) Items() []Item {
	out := make([]Item, len(m.list.items))
	for i, it := range m.list.items {
		out[i] = Item{it.label, it.note}
	}
	return out
}

// ListHead is what the list shows ("properties", "operators", "values of
// platform"); ListNote why it is short ("loading…", "no values in range").
func (m Model) ListHead() string { return m.list.head }

// ListNote: see ListHead.
func (m Model) ListNote() string { return m.list.note }

// answer stores a completion answer and redraws the list if the prompt
// still wants it.
func (m *Model) answer(msg tea.Msg) tea.Cmd {
	c := &m.cache
	switch msg := msg.(type) {
	case PropsMsg:
		c.propsPending = false
		if msg.Err != nil {
			c.propsErr = msg.Err
		} else {
			c.props, c.propsAt, c.propsErr = msg.Props, msg.At, nil
		}
	case ValuesMsg:
		if msg.Session != c.session {
			return nil
		}
		c.values[msg.Key] = &valEntry{vals: msg.Vals, err: msg.Err}
	}
	if !m.open || m.kind != Filter {
		return nil
	}
	cmd := m.refresh()
	if m.list.tabbed && len(m.list.items) > 0 {
		// A tab typed ahead of the answer completes when it comes.
		m.list.tabbed = false
		return tea.Batch(cmd, m.accept())
	}
	return cmd
}

// refresh recomputes the list for the caret's context, asking for values
// it does not have yet.
func (m *Model) refresh() tea.Cmd {
	l := &m.list
	c := analyze(m.in.Value(), m.in.Position())
	prevLabel := ""
	if l.sel < len(l.items) && l.ctx.kind == c.kind && l.ctx.key == c.key && l.ctx.start == c.start {
		prevLabel = l.items[l.sel].label // same place: an answer arrived, keep the choice
	}
	l.ctx, l.items, l.note, l.head = c, nil, "", ""
	var cmd tea.Cmd
	switch c.kind {
	case compKey:
		m.keyList(c)
	case compOp:
		l.head = "operators"
		afterName := c.start > 0 && !strings.HasSuffix(string([]rune(m.in.Value())[:c.start]), " ")
		l.items = opEntries(c.prefix, afterName)
	case compValue, compItem:
		cmd = m.valueList(c)
	}
	l.sel, l.walked = 0, false
	for i, it := range l.items {
		if it.label == prevLabel {
			l.sel = i
		}
	}
	return cmd
}

// keyList lists the property names for c; a name typed whole moves on to
// the operators.
func (m *Model) keyList(c compCtx) {
	l, props := &m.list, m.cache.props
	l.head = "properties"
	switch {
	case props == nil && m.cache.propsErr != nil:
		l.note = "property names: " + common.OneLine(m.cache.propsErr.Error(), 60)
	case props == nil:
		l.note = "loading property names…"
	case c.prefix != "" && isKnown(props, c.prefix) && c.end == len([]rune(m.in.Value())):
		l.ctx = compCtx{kind: compOp, start: c.end, end: c.end}
		l.items, l.head = opEntries("", true), "operators"
	default:
		l.items = keyEntries(props, c.prefix)
		if len(l.items) == 0 {
			l.note = "no property starts with " + c.prefix
		}
	}
}

// valueList lists the values for c, asking for them the first time.
func (m *Model) valueList(c compCtx) tea.Cmd {
	l := &m.list
	k := ValKey{c.scope, c.key}
	l.head = "values of " + c.key
	e := m.cache.values[k]
	switch {
	case e == nil:
		l.note = "loading…"
		if m.lookup.Values == nil {
			return nil
		}
		m.cache.values[k] = &valEntry{pending: true}
		return m.lookup.Values(k, m.cache.session)
	case e.pending:
		l.note = "loading…"
	case e.err != nil:
		l.note = "values: " + common.OneLine(e.err.Error(), 60)
	default:
		l.items = valueEntries(e.vals, c.prefix, c.kind)
		switch {
		case len(e.vals) == 0:
			l.note = "no values in range"
		case len(l.items) == 0:
			l.note = "no value matches " + c.prefix
		}
	}
	return nil
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
	l := &m.list
	if l.sel >= len(l.items) {
		return nil
	}
	v, caret := l.ctx.insert(m.in.Value(), l.items[l.sel].insert)
	m.in.SetValue(v)
	m.in.SetCursor(caret)
	m.err, m.errCol = "", -1
	return m.refresh()
}
