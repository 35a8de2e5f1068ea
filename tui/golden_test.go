package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/ttmon/ttmon/tui/tuitest"
)

// Goldens are the fixed snapshot at a fixed clock, ANSI stripped (colour is
// checked separately), refreshed with: go test ./tui -run Golden -update

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}, {200, 60}}

func goldenModel(t *testing.T, o Options, w, h int) *Model {
	t.Helper()
	m := newTest(t, &tuitest.Source{}, o, w, h)
	feed(m, fixture(m))
	return m
}

func requireView(t *testing.T, m *Model) {
	t.Helper()
	v := screen(m)
	checkScreen(t, v, m.width, m.height)
	golden.RequireEqual(t, []byte(ansi.Strip(v)))
}

func TestGoldenDashboard(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			requireView(t, goldenModel(t, builtin(Options{}), sz.w, sz.h))
		})
	}
}

func TestGoldenBasic(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			requireView(t, goldenModel(t, builtin(Options{Basic: true}), sz.w, sz.h))
		})
	}
}

func TestGoldenStates(t *testing.T) {
	t.Run("help-80x24", func(t *testing.T) {
		m := goldenModel(t, Options{}, 80, 24)
		press(m, "?")
		requireView(t, m)
	})
	t.Run("zoom-120x40", func(t *testing.T) {
		m := goldenModel(t, Options{}, 120, 40)
		press(m, "e")
		press(m, "z")
		requireView(t, m)
	})
	t.Run("loading-120x40", func(t *testing.T) {
		requireView(t, newTest(t, &tuitest.Source{}, Options{}, 120, 40))
	})
	t.Run("failed-80x24", func(t *testing.T) {
		m := goldenModel(t, Options{}, 80, 24)
		m.poll.fetch(m.query(), job{})
		m.Update(snapshotMsg{seq: m.poll.seq, err: tuitest.ErrFake})
		requireView(t, m)
	})
	t.Run("small-59x15", func(t *testing.T) {
		requireView(t, goldenModel(t, Options{}, 59, 15))
	})
	t.Run("min-60x16", func(t *testing.T) {
		requireView(t, goldenModel(t, Options{}, 60, 16))
	})
}

// TestGoldenMonochrome keeps the escapes: without colour, focus, the
// warning and the newest version must still be marked (bold, reverse).
func TestGoldenMonochrome(t *testing.T) {
	m := goldenModel(t, Options{NoColor: true, Profile: plainANSI}, 80, 24)
	golden.RequireEqualEscape(t, []byte(screen(m)), true)
}

// TestColour: with colour, the error pane takes the warn colour past the
// threshold and the alert colour past the next one; without, it says so.
func TestColour(t *testing.T) {
	warn, alert := "38;5;214", "38;5;196"
	for _, tc := range []struct {
		th         Thresholds
		want, deny string
		word       string
	}{
		{Thresholds{Warn: 0.05, Alert: 0.2}, warn, alert, "WARN"},
		{Thresholds{Warn: 0.01, Alert: 0.05}, alert, warn, "ALERT"},
		{Thresholds{Warn: 0.5, Alert: 0.9}, "", "", "ok"},
	} {
		m := goldenModel(t, Options{Profile: ansi256, Thresholds: tc.th}, 120, 40)
		errPane := dash(m).panes[2].View()
		if tc.want != "" && !strings.Contains(errPane, tc.want) {
			t.Errorf("%v: error pane lacks %s", tc.th, tc.want)
		}
		if tc.deny != "" && strings.Contains(errPane, tc.deny) {
			t.Errorf("%v: error pane has %s", tc.th, tc.deny)
		}
		if !strings.Contains(ansi.Strip(errPane), " "+tc.word) {
			t.Errorf("%v: error pane does not say %s", tc.th, tc.word)
		}
	}
}

// checkScreen fails unless v fills exactly w x h cells.
func checkScreen(t testing.TB, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d: view has %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw != w {
			t.Fatalf("%dx%d: line %d is %d cells: %q", w, h, i, lw, ansi.Strip(l))
		}
	}
	checkOnlySGR(t, v)
}

// checkOnlySGR fails if v holds anything a terminal would act on besides
// colours and attributes (SGR, ESC [ ... m) and newlines: the data must
// never reach the terminal as a control sequence.
func checkOnlySGR(t testing.TB, v string) {
	t.Helper()
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == 0x1b:
			j := i + 1
			if j < len(v) && v[j] == '[' {
				j++
				for j < len(v) && (v[j] >= '0' && v[j] <= '9' || v[j] == ';' || v[j] == ':') {
					j++
				}
				if j < len(v) && v[j] == 'm' {
					i = j
					continue
				}
			}
			t.Fatalf("control sequence in the view: %q", v[i:min(i+12, len(v))])
		case c < 0x20 && c != '\n', c == 0x7f:
			t.Fatalf("control character %#x in the view: %q", c, v[max(i-10, 0):min(i+10, len(v))])
		case c == 0xc2 && i+1 < len(v) && v[i+1] >= 0x80 && v[i+1] < 0xa0:
			t.Fatalf("C1 control in the view: %q", v[max(i-10, 0):min(i+10, len(v))])
		}
	}
}

// TestResizeSweep: every size from 0x0 up, in every mode, gives a screen
// that fits exactly and never panics; down to 40x12 and back restores the
// same screen.
func TestResizeSweep(t *testing.T) {
	m := goldenModel(t, Options{}, 120, 40)
	before := screen(m)
	ws := []int{0, 1, 2, 10, 39, 40, 59, 60, 61, 79, 80, 99, 100, 101, 150, 200, 301}
	hs := []int{0, 1, 2, 3, 11, 12, 15, 16, 17, 23, 24, 29, 30, 31, 60, 101}
	for _, mode := range []string{"grid", "zoom", "help", "basic"} {
		m := goldenModel(t, Options{Basic: mode == "basic"}, 120, 40)
		switch mode {
		case "zoom":
			press(m, "z")
		case "help":
			press(m, "?")
		}
		for _, w := range ws {
			for _, h := range hs {
				m.Update(tea.WindowSizeMsg{Width: w, Height: h})
				v := screen(m)
				if w == 0 || h == 0 {
					if v != "" {
						t.Fatalf("%s %dx%d: want nothing, got %q", mode, w, h, v)
					}
					continue
				}
				checkScreen(t, v, w, h)
				if (w < minWidth || h < minHeight) && !strings.Contains(v, "too small") && w >= 18 && h >= 1 {
					t.Fatalf("%s %dx%d: no too-small message:\n%s", mode, w, h, v)
				}
			}
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 40, Height: 12})
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "need 60x16, have 40x12") {
		t.Fatalf("40x12:\n%s", v)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if screen(m) != before {
		t.Fatal("back at 120x40 the screen differs from before")
	}
}

// TestHelpFits: at every size from the minimum up, the help overlay shows
// every section.
func TestHelpFits(t *testing.T) {
	for _, sz := range [][2]int{{60, 16}, {70, 20}, {80, 24}, {100, 30}, {200, 60}} {
		m := goldenModel(t, Options{}, sz[0], sz[1])
		press(m, "?")
		v := ansi.Strip(screen(m))
		for _, want := range []string{"Panes", "Data", "General", "range", "quit", "zoom"} {
			if !strings.Contains(v, want) {
				t.Errorf("%dx%d: help lacks %q:\n%s", sz[0], sz[1], want, v)
			}
		}
	}
	m := goldenModel(t, Options{}, 60, 16)
	press(m, "?")
	golden.RequireEqual(t, []byte(ansi.Strip(screen(m))))
}
