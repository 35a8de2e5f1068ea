package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// runes is what Bubble Tea v1 sends for several runes that arrived in one
// read: one message holding them all.
func runes(s string) tea.KeyPressMsg { return keyMsg(s) }

// TestTypedAhead: keys typed ahead (tmux send-keys t t t, a slow SSH link)
// act one by one, in order, as if typed slowly.
func TestTypedAhead(t *testing.T) {
	m, _ := started(t, Options{})
	settle(m, send(m, runes("ttt")))
	if m.rng != "1h" {
		t.Fatalf("ttt from 24h: range %s, want 1h (7d, 30d, 1h)", m.rng)
	}
	settle(m, send(m, runes("ez")))
	if d := dash(m); d.focus != 2 || !d.zoomed {
		t.Fatalf("ez: focus %d zoomed %v, want the error pane zoomed", d.focus, d.zoomed)
	}
	settle(m, send(m, runes("?x")))
	if !m.helpView.Active() {
		t.Fatal("?x: help should be open, x ignored by the modal overlay")
	}
	settle(m, send(m, runes("?p")))
	if m.helpView.Active() || !m.poll.paused {
		t.Fatalf("?p: help %v paused %v, want help closed then polling paused", m.helpView.Active(), m.poll.paused)
	}
	_, cmd := m.Update(runes("pq"))
	if !m.quitting || m.poll.paused {
		t.Fatalf("pq: paused %v quitting %v, want resumed then quit", m.poll.paused, m.quitting)
	}
	if _, ok := find[tea.QuitMsg](collect(cmd)); !ok {
		t.Fatal("pq: no quit command")
	}
}

// TestTypedAheadIntoInputs: once a key opens a text input, the rest of
// what came with it is that input's text; pasted text is never split,
// and text inputs take what arrives whole.
func TestTypedAheadIntoInputs(t *testing.T) {
	m, _ := started(t, Options{})
	settle(m, send(m, runes("/deployment_method=dock")))
	if !m.prompt.Active() || m.prompt.Value() != "deployment_method=dock" {
		t.Fatalf("/ then text: prompt %q", m.prompt.Value())
	}
	settle(m, send(m, runes("er")))
	if v := m.prompt.Value(); v != "deployment_method=docker" {
		t.Fatalf("more text into the open prompt: %q", v)
	}
	hit(m, "esc")

	m.Update(tea.PasteMsg{Content: "ttt"})
	if m.rng != "24h" {
		t.Fatalf("pasted ttt on the dashboard changed the range to %s", m.rng)
	}

	hit(m, "i")
	hit(m, "enter") // the installations table
	settle(m, send(m, runes("fwin")))
	tbl := m.top().View()
	if !m.capturing() || !strings.Contains(ansi.Strip(tbl), "find: win") {
		t.Fatalf("f then text: the find line should hold win:\n%s", ansi.Strip(tbl))
	}
}

// send delivers one key message and returns its command.
func send(m *Model, k tea.KeyPressMsg) tea.Cmd {
	_, cmd := m.Update(k)
	return cmd
}

// TestDrillWithoutData: enter on a pane that has nothing to drill into
// says so instead of doing nothing.
func TestDrillWithoutData(t *testing.T) {
	for _, pane := range []string{"v", "u"} {
		m := newTest(t, &tuitest.Source{}, Options{}, 120, 40)
		hit(m, pane)
		hit(m, "enter")
		if len(m.pages) != 1 || m.status != "no data to drill into yet" {
			t.Errorf("pane %s: pages %d, status %q", pane, len(m.pages), m.status)
		}
		foot := strings.Split(ansi.Strip(screen(m)), "\n")[39]
		if !strings.Contains(foot, "no data to drill into yet") {
			t.Errorf("pane %s: footer %q", pane, foot)
		}
	}
	m, _ := started(t, Options{})
	snap := fixture(m)
	snap.Versions = nil
	feed(m, snap)
	hit(m, "v")
	hit(m, "enter")
	if len(m.pages) != 1 || m.status != "no versions in range to drill into" {
		t.Errorf("no versions: pages %d, status %q", len(m.pages), m.status)
	}
	msgs := collect(press(m, "enter"))
	if s, ok := find[panes.StatusMsg](msgs); !ok || s.Text == "" {
		t.Errorf("enter should send a StatusMsg: %v", msgs)
	}
}

// TestSaveDisabledReason: with saving off, S says the reason given (an SSH
// server's), or else that there is no config file to write.
func TestSaveDisabledReason(t *testing.T) {
	fs, _ := parseFilters("deployment_method=docker")
	m, _ := started(t, Options{Filters: fs, SaveCohortDisabled: "saving cohorts is disabled for SSH viewers"})
	hit(m, "S")
	if m.prompt.Active() || m.status != "saving cohorts is disabled for SSH viewers" || !m.statusErr {
		t.Fatalf("S: prompt %v status %q", m.prompt.Active(), m.status)
	}
	m, _ = started(t, Options{Filters: fs})
	hit(m, "S")
	if !strings.Contains(m.status, "needs a config file") {
		t.Fatalf("S without a reason: %q", m.status)
	}
}

// TestPasteIntoPrompt: Bubble Tea v2 delivers pasted text as a PasteMsg;
// it goes into the open prompt (and a drill view's find line) whole, and
// nowhere on the dashboard, where it would be keys.
func TestPasteIntoPrompt(t *testing.T) {
	m, _ := started(t, Options{})
	m.Update(tea.PasteMsg{Content: "zt"})
	if m.prompt.Active() || dash(m).zoomed || m.rng != "24h" {
		t.Fatal("text pasted on the dashboard acted as keys")
	}
	settle(m, press(m, "/"))
	settle(m, send(m, keyMsg("app")))
	m.Update(tea.PasteMsg{Content: "_version=4.2.1"})
	if v := m.prompt.Value(); v != "app_version=4.2.1" {
		t.Fatalf("pasted into the prompt: %q", v)
	}
}
