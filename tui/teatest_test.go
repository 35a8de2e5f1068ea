package tui

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"

	"github.com/ttmon/ttmon/tui/tuitest"
)

// TestEndToEnd runs the real program loop (commands, ticks, renderer) on a
// fake source with real time and a short interval, and drives it with keys
// the way a person would.
func TestEndToEnd(t *testing.T) {
	src := &tuitest.Source{Drift: true}
	m, err := New(src, Options{Interval: time.Second, TZ: "UTC", Profile: noStyle, Theme: "dark", Dashboards: classic()})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "Active installations", "● live", "Timer usage")

	tm.Send(keyMsg("e"))
	tm.Send(keyMsg("z"))
	waitFor(t, tm, "per active installation")
	tm.Send(keyMsg("t"))
	waitFor(t, tm, "range 7d")
	tm.Send(keyMsg("?"))
	waitFor(t, tm, "range: 1h → 24h → 7d → 30d")
	tm.Send(keyMsg("?"))
	tm.Send(keyMsg("p"))
	waitFor(t, tm, "PAUSED")
	calls := src.Calls()
	time.Sleep(1500 * time.Millisecond) // longer than the interval
	if src.Calls() != calls {
		t.Fatalf("polled while paused: %d -> %d calls", calls, src.Calls())
	}
	tm.Send(keyMsg("p"))
	waitFor(t, tm, "polling resumed")
	tm.Send(tea.WindowSizeMsg{Width: 40, Height: 12})
	waitFor(t, tm, "terminal too small")
	tm.Send(tea.WindowSizeMsg{Width: 100, Height: 30})
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	fm := tm.FinalModel(t).(*Model)
	if fm.rng != "7d" || !fm.quitting || src.Calls() < 3 {
		t.Fatalf("final state: range %s quitting %v calls %d", fm.rng, fm.quitting, src.Calls())
	}
}

// waitFor waits until everything in want is on the screen. Bubble Tea
// v2 writes only the cells that changed, so a new word may reach the
// terminal in pieces around cells that already showed the right letter:
// the output is played on a terminal emulator and its screen is searched.
func waitFor(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	emu := screenOf(tm)
	fed := 0
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		emu.Write(b[fed:])
		fed = len(b)
		scr := emu.String()
		for _, w := range want {
			if !strings.Contains(scr, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// screens holds each test program's emulated terminal.
var screens sync.Map // *teatest.TestModel -> *vt.Emulator

// screenOf is tm's terminal, made on first use, larger than any size the
// tests give the program. Its answers to queries are read and dropped.
func screenOf(tm *teatest.TestModel) *vt.Emulator {
	if e, ok := screens.Load(tm); ok {
		return e.(*vt.Emulator)
	}
	e := vt.NewEmulator(240, 80)
	go io.Copy(io.Discard, e)
	screens.Store(tm, e)
	return e
}
