package picker

import (
	"errors"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/tui/common"
)

func bind(keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], ""))
}

func newTest() Model {
	com := &common.Common{Styles: common.NewStyles(common.MonoTheme())}
	return New(com, KeyMap{Close: bind("esc", "c"), Up: bind("up"), Down: bind("down"), Home: bind("g"),
		End: bind("G"), Pick: bind("enter"), Save: bind("S")})
}

func press(m *Model, msg tea.KeyPressMsg) tea.Msg {
	var cmd tea.Cmd
	*m, cmd = m.Update(msg)
	if cmd == nil {
		return nil
	}
	return cmd()
}

// TestPick: enter emits the selected cohort and closes the picker at once.
func TestPick(t *testing.T) {
	m := newTest()
	m.Open(cohort.Presets(), false)
	press(&m, tea.KeyPressMsg{Code: tea.KeyDown})
	msg := press(&m, tea.KeyPressMsg{Code: tea.KeyEnter})
	if p, ok := msg.(CohortPicked); !ok || p.Cohort.Name != cohort.Presets()[1].Name || m.Active() {
		t.Fatalf("picked %#v, open %v", msg, m.Active())
	}
	m.Open(cohort.Presets(), false)
	if msg := press(&m, tea.KeyPressMsg{Code: 'c', Text: "c"}); msg != nil || m.Active() {
		t.Fatalf("c: %v, open %v; want closed without a pick", msg, m.Active())
	}
}

// TestBackendCohorts: the source's cohorts join the list when they come;
// until then, and when they fail, the section says so.
func TestBackendCohorts(t *testing.T) {
	m := newTest()
	m.Open(cohort.Presets(), true)
	if v := ansi.Strip(strings.Join(m.View(100, 30), "\n")); !strings.Contains(v, "PostHog cohorts") || !strings.Contains(v, "loading…") {
		t.Fatalf("before the answer:\n%s", v)
	}
	m, _ = m.Update(BackendMsg{Err: errors.New("401 unauthorized")})
	if v := ansi.Strip(strings.Join(m.View(100, 30), "\n")); !strings.Contains(v, "401 unauthorized") {
		t.Fatalf("after a failure:\n%s", v)
	}
	m, _ = m.Update(BackendMsg{Cohorts: []cohort.Cohort{{Name: "Power users", Kind: cohort.Backend, ID: "12"}}})
	if n := len(m.Items()); n != len(cohort.Presets())+1 {
		t.Fatalf("%d items", n)
	}
	press(&m, tea.KeyPressMsg{Code: 'G', Text: "G"})
	if p, ok := press(&m, tea.KeyPressMsg{Code: tea.KeyEnter}).(CohortPicked); !ok || p.Cohort.ID != "12" {
		t.Fatalf("picked %#v", p)
	}
}
