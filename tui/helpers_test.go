package tui

import (
	"io"
	"os"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

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

// testRenderer draws with a fixed profile whatever terminal runs the test.
func testRenderer(p termenv.Profile) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return r
}

// newTest builds a model on src with a fixed clock, sized w x h, with
// timers replaced by testAfter.
func newTest(t testing.TB, src datasource.Source, o Options, w, h int) *Model {
	t.Helper()
	if o.Clock == nil {
		o.Clock = tuitest.Clock
	}
	if o.Renderer == nil {
		o.Renderer = testRenderer(termenv.Ascii)
	}
	if o.TZ == "" {
		o.TZ = "UTC"
	}
	if o.Theme == "" {
		o.Theme = "dark"
	}
	m, err := New(src, o)
	if err != nil {
		t.Fatal(err)
	}
	m.poll.after = testAfter
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
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

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+z":
		return tea.KeyMsg{Type: tea.KeyCtrlZ}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
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
