package helpview

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/tui/common"
)

func bind(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}

// TestModal: only the help and back keys close the overlay.
func TestModal(t *testing.T) {
	m := New(&common.Common{Styles: common.NewStyles(common.MonoTheme())},
		KeyMap{Help: bind("?", "help"), Back: bind("esc", "back"), Quit: bind("q", "quit")})
	m.Open([]Section{{Title: "General", Binds: []key.Binding{bind("?", "this help")}}}, nil)
	m, _ = m.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})
	if !m.Active() {
		t.Fatal("x closed the overlay")
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: '?', Text: "?"})
	if m.Active() {
		t.Fatal("? left the overlay open")
	}
}

// TestFits: the overlay fills exactly the body it is given, from four
// columns down to compact rows cut to the height.
func TestFits(t *testing.T) {
	var full, compact []Section
	for _, title := range []string{"Panes", "Filters", "Data", "General"} {
		var fb, cb []key.Binding
		for i := range 6 {
			fb = append(fb, bind(string(rune('a'+i)), title+" action with a long description"))
			cb = append(cb, bind(string(rune('a'+i)), "short"))
		}
		full, compact = append(full, Section{title, fb}), append(compact, Section{title, cb})
	}
	m := New(&common.Common{Styles: common.NewStyles(common.MonoTheme())}, KeyMap{})
	m.Open(full, compact)
	for _, sz := range [][2]int{{200, 60}, {120, 38}, {80, 22}, {60, 14}, {30, 5}} {
		lines := strings.Split(m.View(sz[0], sz[1]), "\n")
		if len(lines) != sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w != sz[0] {
				t.Errorf("%dx%d: a line %d wide: %q", sz[0], sz[1], w, l)
				break
			}
		}
	}
}
