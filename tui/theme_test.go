package tui

import (
	"strings"
	"testing"

	"github.com/creack/pty"
	"github.com/muesli/termenv"
)

// TestNoColorOnlyFromOptions: NO_COLOR in this process's environment (a
// server's, when it serves viewers over SSH) neither turns a viewer's
// colours off nor reaches the renderer; Options.NoColor alone does.
func TestNoColorOnlyFromOptions(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	t.Setenv("CI", "") // termenv treats CI as "not a terminal"
	t.Setenv("TERM", "xterm-256color")
	t.Setenv("COLORTERM", "")

	m := goldenModel(t, Options{Renderer: testRenderer(termenv.ANSI256)}, 120, 40)
	if m.com.Styles.NoColor || !strings.Contains(m.View(), "38;5;") {
		t.Error("the process's NO_COLOR turned a session's colours off")
	}
	mono := goldenModel(t, Options{Renderer: testRenderer(termenv.ANSI256), NoColor: true}, 120, 40)
	if !mono.com.Styles.NoColor || strings.Contains(mono.View(), "38;5;") {
		t.Error("Options.NoColor did not draw monochrome")
	}

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if p := NewRenderer(tty, false).ColorProfile(); p != termenv.ANSI256 {
		t.Errorf("renderer on a 256-colour terminal with NO_COLOR in the environment: profile %v, want ANSI256", p)
	}
	if p := NewRenderer(tty, true).ColorProfile(); p != termenv.ANSI {
		t.Errorf("renderer with noColor: profile %v, want plain ANSI (bold and reverse still drawn)", p)
	}
}
