package tui

import (
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// later is what a scheduled command (poll tick, status timeout) yields in
// tests instead of sleeping: the delay and the message it would send.
type later struct {
	d   time.Duration
	msg tea.Msg
}

func testAfter(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return func() tea.Msg { return later{d, fn(time.Time{})} }
}

// Colour profiles the tests draw with, whatever terminal runs them.
// noStyle is an output that is not a terminal: the monochrome theme, and
// no styling in what is written.
const (
	noStyle   = colorprofile.NoTTY
	plainANSI = colorprofile.ANSI
	ansi256   = colorprofile.ANSI256
)

// screen is the frame as it reaches a terminal of the model's colour
// profile: Bubble Tea's renderer brings the styles down to it, and with
// noStyle (not a terminal) writes none at all.
func screen(m *Model) string {
	var b strings.Builder
	w := colorprofile.Writer{Forward: &b, Profile: m.profile}
	w.WriteString(m.View().Content)
	return b.String()
}

// newTest builds a model on src with a fixed clock, sized w x h, with
// timers replaced by testAfter.
func newTest(t testing.TB, src datasource.Source, o Options, w, h int) *Model {
	t.Helper()
	if o.Clock == nil {
		o.Clock = tuitest.Clock
	}
	if o.Profile == colorprofile.Unknown {
		o.Profile = noStyle
	}
	if o.TZ == "" {
		o.TZ = "UTC"
	}
	if o.Theme == "" {
		o.Theme = "dark"
	}
	if o.Dashboards == nil {
		o.Dashboards = classic()
	}
	m, err := New(src, o)
	if err != nil {
		t.Fatal(err)
	}
	m.poll.after = testAfter
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// classic is the four built-in figures on one dashboard, the monitor as
// it was before dashboards: the tests of those panes' behaviour (keys,
// alerts, drills, the header) run on it. The built-in dashboards have
// goldens of their own (TestGoldenDashboard, dashboards_test.go).
func classic() []datasource.Dashboard {
	return []datasource.Dashboard{{Name: "classic", Title: "Dashboard", Panes: []datasource.PaneSpec{
		{ID: "installs", Figure: "installs"}, {ID: "versions", Figure: "versions"},
		{ID: "errors", Figure: "errors"}, {ID: "timers", Figure: "timers"},
	}}}
}

// builtin asks newTest for the built-in dashboards.
func builtin(o Options) Options {
	o.Dashboards = BuiltinDashboards()
	return o
}

// feed delivers a good snapshot as if a poll had just returned it, with a
// fixed duration so headers do not depend on the machine.
func feed(m *Model, snap *datasource.Snapshot) tea.Cmd {
	if !m.poll.inFlight {
		m.poll.fetch(m.query(), job{})
	}
	_, cmd := m.Update(snapshotMsg{seq: m.poll.seq, snap: snap, took: 12 * time.Millisecond})
	return cmd
}

// fixture is the fixed snapshot for the model's current query.
func fixture(m *Model) *datasource.Snapshot { return tuitest.Snapshot(m.query()) }

// collect runs cmd and every command it batches, returning the messages.
// later{} stands in for timers, so nothing sleeps.
func collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, collect(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// find returns the first message of type T.
func find[T any](msgs []tea.Msg) (T, bool) {
	for _, m := range msgs {
		if v, ok := m.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// findLater returns the scheduled message of type T and its delay.
func findLater[T any](msgs []tea.Msg) (T, time.Duration, bool) {
	for _, m := range msgs {
		if l, ok := m.(later); ok {
			if v, ok := l.msg.(T); ok {
				return v, l.d, true
			}
		}
	}
	var zero T
	return zero, 0, false
}

// press sends one key by its Bubble Tea name ("tab", "shift+tab", "z").
func press(m *Model, k string) tea.Cmd {
	_, cmd := m.Update(keyMsg(k))
	return cmd
}

// keyMsg is the key press Bubble Tea reports for a key name, or for text.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+z":
		return tea.KeyPressMsg{Code: 'z', Mod: tea.ModCtrl}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case " ", "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r, _ := utf8.DecodeRuneInString(k)
	return tea.KeyPressMsg{Code: r, Text: k}
}

func dash(m *Model) *dashboard { return m.pages[0].(*dashboard) }

func parseFilters(exprs ...string) ([]datasource.Filter, error) {
	var out []datasource.Filter
	for _, e := range exprs {
		f, err := datasource.ParseFilter(e)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// long reports whether the long campaigns run (TTMON_LONG=1, which CI sets
// in a step of its own); the default run takes the same paths at a small
// size, so that the README's test command stays quick.
func long() bool { return os.Getenv("TTMON_LONG") == "1" }
