package tui

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/creack/pty"
)

// TestNoColorOnlyFromOptions: NO_COLOR in this process's environment (a
// server's, when it serves viewers over SSH) neither turns a viewer's
// colours off nor reaches the renderer; Options.NoColor alone does.
func TestNoColorOnlyFromOptions(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	t.Setenv("TERM", "xterm-256color")
	t.Setenv("COLORTERM", "")

	m := goldenModel(t, Options{Profile: ansi256}, 120, 40)
	if m.com.Styles.NoColor || !strings.Contains(screen(m), "38;5;") {
		t.Error("the process's NO_COLOR turned a session's colours off")
	}
	mono := goldenModel(t, Options{Profile: ansi256, NoColor: true}, 120, 40)
	if !mono.com.Styles.NoColor || strings.Contains(screen(mono), "38;5;") {
		t.Error("Options.NoColor did not draw monochrome")
	}

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	env := []string{"TERM=xterm-256color", "NO_COLOR=1"}
	if p := DetectProfile(tty, env, false); p != colorprofile.ANSI256 {
		t.Errorf("a 256-colour terminal with NO_COLOR in the environment: profile %v, want ANSI256", p)
	}
	if p := DetectProfile(tty, env, true); p != colorprofile.ASCII {
		t.Errorf("with noColor: profile %v, want ASCII (bold and reverse still drawn)", p)
	}
	if p := DetectProfile(io.Discard, env, false); p != colorprofile.NoTTY {
		t.Errorf("not a terminal: profile %v, want NoTTY", p)
	}
}
