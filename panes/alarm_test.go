package panes

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// TestAlarmKeepsCache: a poll with the same data and the same firing
// rules keeps every pane's cached string (no redraw, no bytes on the
// wire); a rule starting or stopping redraws only the pane it is about.
func TestAlarmKeepsCache(t *testing.T) {
	rules, err := alert.Compile([]alert.Rule{{Name: "few", When: "installs.active < 5000", Level: alert.Warn}})
	if err != nil {
		t.Fatal(err)
	}
	snap := tuitest.Snapshot(tuitest.Query("24h"))
	fs := alert.Evaluate(rules, snap)
	ps := allPanes(testCommon(ansi256, false), "24h")
	before := make([]*byte, len(ps))
	for i, p := range ps {
		p.SetSize(60, 19)
		p.Update(DataMsg{Snapshot: snap, Alerts: fs})
		before[i] = ptr(p.View())
	}
	for i, p := range ps {
		p.Update(DataMsg{Snapshot: snap, Alerts: fs})
		if ptr(p.View()) != before[i] {
			t.Errorf("%s: redrawn for the same data and alerts", p.Title())
		}
	}
	if !strings.Contains(ansi.Strip(ps[0].View()), "Active installations  WARN") {
		t.Errorf("installs pane does not say WARN:\n%s", ansi.Strip(ps[0].View()))
	}
	for i, p := range ps {
		p.Update(DataMsg{Snapshot: snap})
		if redrawn := ptr(p.View()) != before[i]; redrawn != (i == 0) {
			t.Errorf("%s: redrawn %v when the installs alert cleared", p.Title(), redrawn)
		}
	}
	if strings.Contains(ansi.Strip(ps[0].View()), "WARN") {
		t.Error("WARN stayed after the alert cleared")
	}
}
