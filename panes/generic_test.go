package panes

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// genericSpecs are one pane of each chart, as config declares them.
var genericSpecs = []datasource.PaneSpec{
	{ID: "dau", Title: "Active users", Events: []string{"*"}, Measure: datasource.MeasureUsers, Chart: datasource.ChartNumber},
	{ID: "platforms", Title: "Platforms", Events: []string{"@heartbeat"}, Measure: datasource.MeasureInstallations,
		Breakdown: []string{"platform"}, Chart: datasource.ChartBars},
	{ID: "features", Title: "Feature usage", Events: []string{"*"}, Breakdown: []string{"$category"}, Chart: datasource.ChartLine, Limit: 4},
	{ID: "updates", Title: "Updates", Events: []string{"telemetry.update"}, Chart: datasource.ChartLine},
	{ID: "error_rate", Title: "Errors per installation", Events: []string{"@errors"}, Measure: datasource.MeasurePerInstallation,
		Breakdown: []string{"app_version"}, Chart: datasource.ChartTable},
	ErrorGroupsSpec(),
}

// fedGeneric is the pane for spec fed the fixture's figures.
func fedGeneric(t *testing.T, com *common.Common, keys KeyMap, spec datasource.PaneSpec, filters ...datasource.Filter) *Generic {
	t.Helper()
	q := tuitest.Query("24h")
	q.Filters = filters
	pq, err := datasource.ResolvePane(spec, q.Range, tuitest.Now)
	if err != nil {
		t.Fatal(err)
	}
	q.Panes = []datasource.PaneQuery{pq}
	p := NewGeneric(com, keys, spec, DefaultThresholds())
	p.Update(DataMsg{Snapshot: tuitest.Snapshot(q)})
	return p
}

// TestGoldenGeneric: every chart at three sizes, and in basic mode.
func TestGoldenGeneric(t *testing.T) {
	for _, spec := range genericSpecs {
		for _, sz := range []struct{ w, h int }{{40, 8}, {60, 12}, {100, 16}} {
			for _, basic := range []bool{false, true} {
				name := fmt.Sprintf("%s-%dx%d", spec.ID, sz.w, sz.h)
				if basic {
					name = "basic-" + name
				}
				t.Run(name, func(t *testing.T) {
					p := fedGeneric(t, testCommon(noStyle, basic), KeyMap{}, spec)
					p.SetSize(sz.w, sz.h)
					v := p.View()
					checkBox(t, name, v, sz.w, sz.h)
					golden.RequireEqual(t, []byte(ansi.Strip(v)))
				})
			}
		}
	}
}

// TestGenericStates: before data, and when the source did not answer,
// the pane says so; it never shows a zero it was not given.
func TestGenericStates(t *testing.T) {
	com := testCommon(noStyle, false)
	spec := genericSpecs[1]
	p := NewGeneric(com, KeyMap{}, spec, DefaultThresholds())
	p.SetSize(60, 10)
	if v := ansi.Strip(p.View()); !strings.Contains(v, "waiting for data") {
		t.Fatalf("before data:\n%s", v)
	}
	q := tuitest.Query("24h")
	snap := tuitest.Snapshot(q) // a query that did not ask for the pane
	p.Update(DataMsg{Snapshot: snap})
	if v := ansi.Strip(p.View()); !strings.Contains(v, "waiting for data") {
		t.Fatalf("a snapshot that did not ask changed the pane:\n%s", v)
	}
	pq, _ := datasource.ResolvePane(spec, q.Range, tuitest.Now)
	snap.Query.Panes = []datasource.PaneQuery{pq}
	snap.Panes = nil
	p.Update(DataMsg{Snapshot: snap})
	if v := ansi.Strip(p.View()); !strings.Contains(v, "no data: the source did not compute this pane") || strings.Contains(v, " 0 ") {
		t.Fatalf("unanswered:\n%s", v)
	}
	snap.Panes = []datasource.PaneFigures{{ID: spec.ID, Range: q.Range}}
	p.Update(DataMsg{Snapshot: snap})
	if v := ansi.Strip(p.View()); !strings.Contains(v, "no installations in range") {
		t.Fatalf("empty:\n%s", v)
	}
}

// TestGenericPartialShaded: the bucket still filling up is shaded in the
// number's bars and in each group's sparkline, with and without braille.
func TestGenericPartialShaded(t *testing.T) {
	for _, basic := range []bool{false, true} {
		for _, spec := range []datasource.PaneSpec{genericSpecs[0], genericSpecs[2], genericSpecs[3]} {
			p := fedGeneric(t, testCommon(noStyle, basic), KeyMap{}, spec)
			p.SetSize(80, 14)
			if v := p.View(); !strings.ContainsRune(v, partialRune) {
				t.Errorf("%s basic=%v: no shaded bucket:\n%s", spec.ID, basic, ansi.Strip(v))
			}
		}
	}
}

// TestGenericLabelsWhole: a label is cut only when the row has no room
// for it; the bar gives way first.
func TestGenericLabelsWhole(t *testing.T) {
	spec := datasource.PaneSpec{ID: "msgs", Events: []string{"@errors"}, Breakdown: []string{"error_message"}, Chart: datasource.ChartBars}
	for _, w := range []int{34, 40, 60} {
		p := fedGeneric(t, testCommon(noStyle, false), KeyMap{}, spec)
		p.SetSize(w, 8)
		v := ansi.Strip(p.View())
		if !strings.Contains(v, "database is locked") || !strings.Contains(v, "SMTP timed out") {
			t.Errorf("width %d: labels cut with room:\n%s", w, v)
		}
	}
}

// TestGenericRateLevels: per-installation rates say their level in words
// (the spec's warn/crit, else the thresholds), and in colour.
func TestGenericRateLevels(t *testing.T) {
	spec := genericSpecs[4]
	p := fedGeneric(t, testCommon(ansi256, false), KeyMap{}, spec)
	p.SetSize(80, 10)
	v := p.View()
	if s := ansi.Strip(v); !strings.Contains(s, "0.24 CRIT") || !strings.Contains(s, "0.12 WARN") || strings.Contains(s, "0.02 WARN") {
		t.Fatalf("levels:\n%s", s)
	}
	if !strings.Contains(v, "38;5;196") || !strings.Contains(v, "38;5;214") {
		t.Fatalf("no level colours: %q", v)
	}
	spec.Warn, spec.Crit = 0.5, 1
	p = fedGeneric(t, testCommon(noStyle, false), KeyMap{}, spec)
	p.SetSize(80, 10)
	if s := ansi.Strip(p.View()); strings.Contains(s, "WARN") || strings.Contains(s, "CRIT") {
		t.Fatalf("the spec's own thresholds are ignored:\n%s", s)
	}
}

// TestGenericNotNarrowed: a filter the pane's events cannot apply is named
// on its frame, as on the built-in panes.
func TestGenericNotNarrowed(t *testing.T) {
	f := datasource.Filter{Key: "is_admin", Scope: datasource.ScopePerson, Op: datasource.OpEq, Values: []string{"true"}}
	p := fedGeneric(t, testCommon(noStyle, false), KeyMap{}, genericSpecs[1], f)
	p.SetSize(80, 10)
	if v := ansi.Strip(p.View()); !strings.Contains(v, "not narrowed by is_admin=true") {
		t.Fatalf("no note:\n%s", v)
	}
}

// TestGenericDrill: down then enter opens the second group with its
// filters; a pane without a breakdown says why enter does nothing.
func TestGenericDrill(t *testing.T) {
	keys := KeyMap{Drill: key.NewBinding(key.WithKeys("enter")), Down: key.NewBinding(key.WithKeys("down"))}
	p := fedGeneric(t, testCommon(noStyle, false), keys, genericSpecs[1])
	p.Focus()
	p.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	_, cmd := p.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	msg, ok := cmd().(DrillMsg)
	if !ok || msg.View.Title() != "Platforms › Windows" || len(msg.Filters) != 1 || msg.Filters[0].String() != "event.platform=Windows" {
		t.Fatalf("drill %+v", msg)
	}
	if r := msg.View.Request(); r.Installations == nil || r.Events == nil || r.Events.Kind != datasource.KindHeartbeat {
		t.Fatalf("an installations pane's group asks for %+v", r)
	}
	n := fedGeneric(t, testCommon(noStyle, false), keys, genericSpecs[0])
	n.Focus()
	_, cmd = n.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if s, ok := cmd().(StatusMsg); !ok || !strings.Contains(s.Text, "no groups") {
		t.Fatalf("enter on a number: %+v", s)
	}
}

// TestGroupFilters: a missing value is "is not set"; special breakdowns
// are not filters; the pane's where follows.
func TestGroupFilters(t *testing.T) {
	spec := datasource.PaneSpec{ID: "x", Events: []string{"*"}, Breakdown: []string{"person.role", "$event"}}
	where := []datasource.Filter{{Key: "old_version", Op: datasource.OpEq, Values: []string{"2.9.0"}}}
	got := datasource.FilterStrings(GroupFilters(spec, []string{datasource.Unknown, "export.csv"}, where))
	if strings.Join(got, " ") != "person.role is not set old_version=2.9.0" {
		t.Fatalf("filters %v", got)
	}
}

// TestGenericKeepsSelection: the selected group stays selected when a
// refresh reorders the groups.
func TestGenericKeepsSelection(t *testing.T) {
	keys := KeyMap{Drill: key.NewBinding(key.WithKeys("enter")), Down: key.NewBinding(key.WithKeys("down"))}
	p := fedGeneric(t, testCommon(noStyle, false), keys, genericSpecs[1])
	p.Focus()
	p.Update(tea.KeyPressMsg{Code: tea.KeyDown}) // Windows
	q := tuitest.Query("24h")
	pq, _ := datasource.ResolvePane(genericSpecs[1], q.Range, tuitest.Now)
	q.Panes = []datasource.PaneQuery{pq}
	snap := tuitest.Snapshot(q)
	g := snap.Panes[0].Groups
	g[0], g[1] = g[1], g[0] // Windows first now
	p.Update(DataMsg{Snapshot: snap})
	_, cmd := p.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if msg := cmd().(DrillMsg); msg.View.Title() != "Platforms › Windows" {
		t.Fatalf("after a reorder enter opens %q", msg.View.Title())
	}
}

// TestGenericRateNotNarrowed: an errors-per-installation pane under a user
// property counts those users' errors and divides by every active
// installation, so its frame says the installations are not narrowed, not
// that the errors are; a filter the errors cannot read is named as theirs.
func TestGenericRateNotNarrowed(t *testing.T) {
	com := testCommon(noStyle, false)
	com.Mapping = datasource.DefaultMapping()
	person := func(k, v string) datasource.Filter {
		return datasource.Filter{Key: k, Scope: datasource.ScopePerson, Op: datasource.OpEq, Values: []string{v}}
	}
	p := fedGeneric(t, com, KeyMap{}, genericSpecs[4], person("is_admin", "true"))
	p.SetSize(100, 10)
	if v := ansi.Strip(p.View()); !strings.Contains(v, "rate: installs not narrowed by is_admin=true (a user property)") {
		t.Fatalf("a user property under a rate:\n%s", v)
	}
	p = fedGeneric(t, com, KeyMap{}, genericSpecs[4], person("current_platform", "Linux"))
	p.SetSize(100, 10)
	if v := ansi.Strip(p.View()); !strings.Contains(v, "not narrowed by current_platform=Linux (not on these events)") {
		t.Fatalf("an installation property the errors do not carry:\n%s", v)
	}
}
