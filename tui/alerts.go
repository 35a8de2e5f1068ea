package tui

import (
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
)

// evaluate checks the alert rules against a fresh dashboard snapshot. It
// is pure apart from the log: the firings go to the panes with the data
// and to the status line. When a rule starts to fire (it did not on the
// previous snapshot) and the bell is on, the returned command rings it,
// once for however many rules started together.
func (m *Model) evaluate(s *datasource.Snapshot) tea.Cmd {
	if len(m.rules) == 0 || s.Query.PanesOnly {
		// A PanesOnly snapshot holds no built-in figures: its zeros are
		// not readings, so the rules keep their last state.
		return nil
	}
	prev := m.firing
	m.firing = alert.Evaluate(m.rules, s)
	started := false
	for _, f := range m.firing {
		if !slices.ContainsFunc(prev, func(p alert.Firing) bool { return p.Rule.Name == f.Rule.Name }) {
			started = true
			m.com.Logger.Info("alert fired", "alert", f.Rule.Name, "level", f.Rule.Level.String(), "metric", f.Metric(), "value", f.Value)
		}
	}
	for _, p := range prev {
		if !slices.ContainsFunc(m.firing, func(f alert.Firing) bool { return f.Rule.Name == p.Rule.Name }) {
			m.com.Logger.Info("alert cleared", "alert", p.Rule.Name)
		}
	}
	if started && m.bell != nil {
		return ring(m.bell)
	}
	return nil
}

// ring writes BEL to the terminal. Bubble Tea v1 has no command for raw
// output (Println is dropped in the alternate screen) and a BEL inside the
// frame would be lost when the renderer coalesces frames, so it goes to the
// program's output directly, through the lock that keeps it from landing
// inside a frame (see lockOutput).
func ring(w io.Writer) tea.Cmd {
	return func() tea.Msg {
		_, _ = w.Write([]byte{'\a'})
		return nil
	}
}

// lockOutput wraps the program's output so that every Write is whole: the
// renderer writes each frame with one Write, and the bell, written from a
// command's goroutine, then falls between two frames, never inside an
// escape sequence or a character (an SSH channel splits large writes
// into packets; a terminal would show a broken sequence). A terminal file
// stays one, so Bubble Tea still finds its size and raw mode.
func lockOutput(w io.Writer) io.Writer {
	mu := &sync.Mutex{}
	if f, ok := w.(*os.File); ok {
		return lockedFile{File: f, mu: mu}
	}
	return &lockedWriter{w: w, mu: mu}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type lockedFile struct {
	*os.File
	mu *sync.Mutex
}

func (l lockedFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.File.Write(p)
}

// alertLine names the firing alerts for the status line, most severe
// first: "ALERT error rate: errors.per_install=0.08 > 0.05 · +1 more",
// cut to w cells; "" when none fires.
func (m *Model) alertLine(w int) string {
	if len(m.firing) == 0 || w <= 0 {
		return ""
	}
	st := m.com.Styles
	f := m.firing[0]
	mark := st.WarnMark.Render("WARN")
	if f.Rule.Level == alert.Alert {
		mark = st.AlertMark.Render("ALERT")
	}
	more := ""
	if n := len(m.firing) - 1; n > 0 {
		more = st.Muted.Render(" · +" + strconv.Itoa(n) + " more")
	}
	room := w - ansi.StringWidth(mark) - 1 - ansi.StringWidth(more)
	if room < 8 {
		return fit(mark, min(w, ansi.StringWidth(mark)))
	}
	// The figure against its limit matters more than the rule's name.
	text := f.Rule.Name + ": " + condition(f)
	for _, alt := range []string{condition(f), f.Rule.Name} {
		if ansi.StringWidth(text) <= room {
			break
		}
		text = alt
	}
	return mark + " " + st.Text.Render(oneLine(text, room)) + more
}

// condition shows what a firing rule compares, with the value it found:
// "errors.per_install=0.08 > 0.05".
func condition(f alert.Firing) string {
	metric := f.Metric()
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f.Rule.When), metric))
	for _, op := range []string{">=", "<=", "==", "!=", ">", "<"} {
		if v, ok := strings.CutPrefix(rest, op); ok {
			rest = op + " " + strings.TrimSpace(v)
			break
		}
	}
	return metric + "=" + strconv.FormatFloat(f.Value, 'g', 4, 64) + " " + rest
}
