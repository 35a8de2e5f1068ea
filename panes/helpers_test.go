package panes

import (
	"log/slog"
	"os"
	"testing"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/tui/common"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// testCommon builds a Common for a fixed colour profile, so tests do not
// depend on the terminal running them: noStyle (not a terminal) draws the
// monochrome theme, the others the dark one.
func testCommon(profile colorprofile.Profile, basic bool) *common.Common {
	theme := common.DarkTheme()
	if profile <= colorprofile.ASCII {
		theme = common.MonoTheme()
	}
	return &common.Common{
		Styles: common.NewStyles(theme),
		Clock:  tuitest.Clock,
		Logger: slog.New(slog.DiscardHandler),
		Loc:    time.UTC,
		Basic:  basic,
	}
}

// allPanes returns the four panes fed with the fixture for rng.
func allPanes(com *common.Common, rng string) []Pane {
	ps := []Pane{
		NewInstalls(com, KeyMap{}), NewVersions(com, KeyMap{}),
		NewErrors(com, KeyMap{}, DefaultThresholds()), NewTimers(com, KeyMap{}),
	}
	msg := DataMsg{Snapshot: tuitest.Snapshot(tuitest.Query(rng))}
	for i, p := range ps {
		ps[i], _ = p.Update(msg)
	}
	return ps
}

// checkBox fails unless s is exactly w x h cells.
func checkBox(t *testing.T, name, s string, w, h int) {
	t.Helper()
	if w <= 0 || h <= 0 {
		if s != "" {
			t.Errorf("%s at %dx%d: want empty, got %q", name, w, h, s)
		}
		return
	}
	lines := splitLines(s)
	if len(lines) != h {
		t.Fatalf("%s at %dx%d: %d lines:\n%s", name, w, h, len(lines), s)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw != w {
			t.Fatalf("%s at %dx%d: line %d is %d wide: %q", name, w, h, i, lw, ansi.Strip(l))
		}
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var _ tea.Msg = DataMsg{}

// The colour profiles tests draw with.
const (
	noStyle   = colorprofile.NoTTY
	plainANSI = colorprofile.ANSI
	ansi256   = colorprofile.ANSI256
)

func monoStyles() *common.Styles { return common.NewStyles(common.MonoTheme()) }

// ptr is the address of a string's bytes, to tell a cached string from an
// equal new one.
func ptr(s string) *byte { return unsafe.StringData(s) }

// long reports whether the long campaigns run (TTMON_LONG=1, which CI sets
// in a step of its own); the default run takes the same paths at a small
// size, so that the README's test command stays quick.
func long() bool { return os.Getenv("TTMON_LONG") == "1" }
