package prompt

import (
	"errors"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func bind(keys ...string) key.Binding { return key.NewBinding(key.WithKeys(keys...)) }

// newTest is a prompt whose lookups answer at once, counting the calls.
func newTest(t *testing.T) (*Model, *int) {
	t.Helper()
	asked := 0
	com := &common.Common{Styles: common.NewStyles(common.MonoTheme()), Clock: func() time.Time { return now }}
	keys := KeyMap{Complete: bind("tab"), Prev: bind("up"), Next: bind("down"), Accept: bind("enter"),
		Cancel: bind("esc"), Yes: bind("y"), No: bind("n")}
	lookup := Lookup{
		Props: func() tea.Cmd {
			asked++
			return func() tea.Msg {
				return PropsMsg{Props: []datasource.Property{{Key: "platform", Scope: datasource.ScopeEvent}}, At: now}
			}
		},
		Values: func(k ValKey, session uint64) tea.Cmd {
			return func() tea.Msg {
				return ValuesMsg{Session: session, Key: k, Vals: []datasource.ValueCount{{Value: "Linux", Count: 3}}}
			}
		},
	}
	m := New(com, keys, lookup, 9)
	m.SetWidth(100)
	return &m, &asked
}

// run feeds cmd's messages back into the prompt, as the root does with
// lookup answers, and returns what the prompt emitted.
func run(m *Model, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case PropsMsg, ValuesMsg:
			var next tea.Cmd
			*m, next = m.Update(msg)
			queue = append(queue, next)
		case nil:
		default:
			out = append(out, msg)
		}
	}
	return out
}

func press(m *Model, k string) []tea.Msg {
	msg := tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		msg = tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		msg = tea.KeyPressMsg{Code: tea.KeyTab}
	}
	var cmd tea.Cmd
	*m, cmd = m.Update(msg)
	return run(m, cmd)
}

func typeText(m *Model, s string) {
	for _, r := range s {
		press(m, string(r))
	}
}

// TestSubmitFilter: enter emits the parsed filter and closes the prompt
// at once; esc emits Cancelled; property names are asked once per TTL.
func TestSubmitFilter(t *testing.T) {
	m, asked := newTest(t)
	run(m, m.OpenFilter())
	typeText(m, "plat")
	press(m, "tab")
	press(m, "tab") // the operator
	press(m, "tab") // the value
	if m.Value() != "platform=Linux" {
		t.Fatalf("completed to %q", m.Value())
	}
	out := press(m, "enter")
	if m.Active() || len(out) != 1 {
		t.Fatalf("enter: open %v, emitted %v", m.Active(), out)
	}
	if f, ok := out[0].(FilterSubmitted); !ok || f.Filter.String() != "platform=Linux" {
		t.Fatalf("emitted %#v", out[0])
	}
	if press(m, "x"); m.Value() != "platform=Linux" {
		t.Fatal("a closed prompt took a key")
	}
	run(m, m.OpenFilter())
	if out := press(m, "esc"); m.Active() || len(out) != 1 || out[0] != (Cancelled{}) {
		t.Fatalf("esc: open %v, emitted %v", m.Active(), out)
	}
	if *asked != 1 {
		t.Fatalf("property names asked %d times within their TTL", *asked)
	}
}

// TestBadFilterStaysOpen: a filter that does not parse emits nothing and
// says where it went wrong.
func TestBadFilterStaysOpen(t *testing.T) {
	m, _ := newTest(t)
	run(m, m.OpenFilter())
	typeText(m, "k in (a b)")
	if out := press(m, "enter"); !m.Active() || len(out) != 0 {
		t.Fatalf("bad filter: open %v, emitted %v", m.Active(), out)
	}
	if e, col := m.Err(); e == "" || col != 8 {
		t.Fatalf("error %q at %d", e, col)
	}
}

// TestErrorPopupFits: a parse error and the grammar reminder under it
// are wrapped to the terminal, not cut, and the grammar is shown once
// even when the error carries it.
func TestErrorPopupFits(t *testing.T) {
	for _, width := range []int{60, 80, 200} {
		for _, in := range []string{"k in (a b)", "xy", "platform iz set"} {
			m, _ := newTest(t)
			m.SetWidth(width)
			run(m, m.OpenFilter())
			typeText(m, in)
			press(m, "enter")
			if e, _ := m.Err(); e == "" {
				t.Fatalf("%q: no error", in)
			}
			lines := m.Popup()
			var words []string
			for _, l := range lines {
				if w := m.X() + ansi.StringWidth(l); w > width {
					t.Errorf("%q at %d columns: a line reaches column %d: %q", in, width, w, l)
				}
				words = append(words, strings.Fields(ansi.Strip(l))...)
			}
			all := strings.Join(words, " ")
			syntax := strings.Join(strings.Fields(datasource.FilterSyntax), " ")
			if n := strings.Count(all, syntax); n != 1 {
				t.Errorf("%q at %d columns: the grammar is there %d times: %q", in, width, n, all)
			}
		}
	}
}

// TestStaleValuesDropped: values asked by an earlier opening of the prompt
// do not fill the list of a later one.
func TestStaleValuesDropped(t *testing.T) {
	m, _ := newTest(t)
	run(m, m.OpenFilter())
	old := m.cache.session
	run(m, m.OpenFilter())
	typeText(m, "platform=")
	*m, _ = m.Update(ValuesMsg{Session: old, Key: ValKey{Key: "platform"}, Err: errors.New("stale")})
	if m.ListNote() != "" || len(m.Items()) != 1 {
		t.Fatalf("a stale answer replaced the list: note %q items %v", m.ListNote(), m.Items())
	}
}

// TestNameAndOverwrite: the name prompt refuses empty and preset names,
// emits the name; the overwrite question emits on yes and goes back to
// the name on no.
func TestNameAndOverwrite(t *testing.T) {
	m, _ := newTest(t)
	m.OpenName("", []string{"platform=Linux"}, "/etc/ttmon.yaml")
	if out := press(m, "enter"); len(out) != 0 || !m.Active() {
		t.Fatalf("empty name emitted %v", out)
	}
	typeText(m, "Admins using OIDC")
	if out := press(m, "enter"); len(out) != 0 {
		t.Fatalf("a preset's name emitted %v", out)
	}
	m.OpenName("Linux", nil, "")
	if out := press(m, "enter"); m.Active() || len(out) != 1 || out[0] != (NameSubmitted{Name: "Linux"}) {
		t.Fatalf("name: emitted %v", out)
	}
	m.AskOverwrite("Linux")
	if m.Typing() {
		t.Fatal("the overwrite question takes text")
	}
	if out := press(m, "x"); len(out) != 0 || !m.Active() {
		t.Fatal("x answered the question")
	}
	press(m, "n")
	if m.Kind() != Name || m.Value() != "Linux" {
		t.Fatalf("no: kind %v value %q", m.Kind(), m.Value())
	}
	m.AskOverwrite("Linux")
	if out := press(m, "y"); m.Active() || len(out) != 1 || out[0] != (OverwriteConfirmed{Name: "Linux"}) {
		t.Fatalf("yes: emitted %v", out)
	}
}
