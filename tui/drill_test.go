package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/tuitest"
)

func topDrill(t *testing.T, m *Model) panes.Drill {
	t.Helper()
	d, ok := m.top().(*drillPage)
	if !ok {
		t.Fatalf("top page is %T", m.top())
	}
	return d.view
}

// TestDrillVersions: up/down select a version, enter adds its filter and
// opens its breakdowns (polled instead of the snapshot); esc goes back and
// removes the filter again.
func TestDrillVersions(t *testing.T) {
	m, src := started(t, Options{})
	hit(m, "v")
	hit(m, "down") // 4.10.0-rc1 (newest, first) -> 4.3.0
	hit(m, "down") // -> 4.2.1
	hit(m, "up")
	hit(m, "down")
	hit(m, "enter")
	if len(m.pages) != 2 || len(m.filters) != 1 || m.filters[0].String() != "app_version=4.2.1" {
		t.Fatalf("pages %d filters %v", len(m.pages), m.filters)
	}
	if got := m.crumbs(); got != "Dashboard › Versions › 4.2.1" {
		t.Fatalf("crumbs %q", got)
	}
	bq := src.Breakdowns()
	if len(bq) != 2 || bq[0].Key != "platform" || bq[1].Key != "deployment_method" || bq[0].Kind != datasource.KindHeartbeat ||
		len(bq[0].Query.Filters) != 1 {
		t.Fatalf("breakdowns asked %+v", bq)
	}
	v := ansi.Strip(screen(m))
	for _, want := range []string{"Dashboard › Versions › 4.2.1", "app_version=4.2.1", "by platform", "Linux", "402", "by deployment method", "docker", "512 installations"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// The next tick polls the drill view again, not the snapshot.
	calls := src.Calls()
	settle(m, func() tea.Msg { return pollTickMsg{gen: m.poll.gen} })
	if len(src.Breakdowns()) != 4 || src.Calls() != calls {
		t.Fatalf("tick: %d breakdowns, %d snapshots", len(src.Breakdowns()), src.Calls()-calls)
	}
	hit(m, "esc")
	if len(m.pages) != 1 || len(m.filters) != 0 || src.Calls() != calls+1 {
		t.Fatalf("esc: pages %d filters %v", len(m.pages), m.filters)
	}
}

// TestDrillRemovingItsFilter: x on the filter a level added closes it.
func TestDrillRemovingItsFilter(t *testing.T) {
	m, _ := started(t, Options{})
	hit(m, "v")
	hit(m, "enter")
	if len(m.pages) != 2 {
		t.Fatal("no drill")
	}
	hit(m, "x")
	if len(m.pages) != 1 || len(m.filters) != 0 {
		t.Fatalf("x: pages %d filters %v", len(m.pages), m.filters)
	}
}

// TestDrillErrors: the errors grouped by type and message, asked as a
// PanesOnly pane; enter lists one group's events (its type and message
// become filters), enter again shows one with every property; esc three
// times is back on the dashboard with the filters gone.
func TestDrillErrors(t *testing.T) {
	m, src := started(t, Options{})
	hit(m, "e")
	hit(m, "enter")
	if q := src.LastQuery(); !q.PanesOnly || len(q.Panes) != 1 || q.Panes[0].Spec.ID != "error_groups" {
		t.Fatalf("the error groups should be one PanesOnly pane: %+v", q)
	}
	v := ansi.Strip(screen(m))
	for _, want := range []string{"error_type", "error_message", "events", "installs", "first seen", "last seen", "versions",
		"OperationalError", "database is locked", "KeyError", "SMTP timed out", "4.2.1, 4.2.0"} {
		if !strings.Contains(v, want) {
			t.Errorf("errors view lacks %q:\n%s", want, v)
		}
	}
	hit(m, "enter")
	if got := m.crumbs(); got != "Dashboard › Error rate › OperationalError · database is locked" {
		t.Fatalf("crumbs %q", got)
	}
	if got := datasource.FilterStrings(m.filters); strings.Join(got, " ") != "event.error_type=OperationalError event.error_message=database is locked" {
		t.Fatalf("group filters %v", got)
	}
	v = ansi.Strip(screen(m))
	for _, want := range []string{"recent events", "error_occurred", "$exception", "user-7"} {
		if !strings.Contains(v, want) {
			t.Errorf("group's events lack %q:\n%s", want, v)
		}
	}
	hit(m, "down")
	hit(m, "enter")
	if got := m.crumbs(); got != "Dashboard › Error rate › OperationalError · database is locked › 13:50:30 $exception" {
		t.Fatalf("crumbs %q", got)
	}
	v = ansi.Strip(screen(m))
	for _, want := range []string{"$exception", "user-3", "$exception_list", `[{"type":"KeyError"}]`, "日本語"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	hit(m, "esc")
	hit(m, "esc")
	hit(m, "esc")
	if len(m.pages) != 1 || len(m.filters) != 0 {
		t.Fatalf("esc thrice should be back on the dashboard: pages %d filters %v", len(m.pages), m.filters)
	}
}

// TestDrillInstalls: the installations, sortable by each column (s, o)
// and searchable (f).
func TestDrillInstalls(t *testing.T) {
	m, _ := started(t, Options{})
	hit(m, "enter")
	tbl := topDrill(t, m).(*panes.InstallsDrill)
	first := func() string {
		lines := strings.Split(ansi.Strip(tbl.View()), "\n")
		return strings.Join(strings.Fields(lines[2]), " ")
	}
	if got := first(); !strings.HasPrefix(got, "┃ 1m ago 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 4.2.1 Linux docker") {
		t.Fatalf("first row %q", got)
	}
	hit(m, "s") // id ascending
	if got := first(); !strings.Contains(got, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") || !strings.Contains(ansi.Strip(tbl.View()), "id ↑") {
		t.Fatalf("by id: %q", got)
	}
	hit(m, "s") // version, newest first
	if got := first(); !strings.Contains(got, "4.10.0-rc1") {
		t.Fatalf("by version: %q", got)
	}
	hit(m, "o")
	if got := first(); !strings.Contains(got, "unknown") && !strings.Contains(ansi.Strip(tbl.View()), "version ↑") {
		t.Fatalf("by version reversed: %q", got)
	}
	hit(m, "f")
	if !m.capturing() {
		t.Fatal("f should open the find line")
	}
	typeText(m, "windows")
	if v := ansi.Strip(tbl.View()); !strings.Contains(v, "1 of 4") || !strings.Contains(v, "Windows") || strings.Contains(v, "Linux") {
		t.Fatalf("find:\n%s", ansi.Strip(tbl.View()))
	}
	hit(m, "q") // typed, not quit
	if m.quitting {
		t.Fatal("q in the find line quit")
	}
	hit(m, "backspace")
	hit(m, "enter")
	hit(m, "esc") // clears the find
	if len(m.pages) != 2 || strings.Contains(ansi.Strip(tbl.View()), "find:") {
		t.Fatal("esc should clear the find first")
	}
	hit(m, "esc")
	if len(m.pages) != 1 {
		t.Fatal("then go back")
	}
}

// TestDrillTimers: left/right pick an hour, enter shows its timers by
// deployment method and version.
func TestDrillTimers(t *testing.T) {
	m, src := started(t, Options{})
	hit(m, "u")
	tp := dash(m).panes[3].(*panes.Timers)
	peak := tp.Selected()
	hit(m, "left")
	hit(m, "left")
	hit(m, "right")
	if tp.Selected() != (peak+23)%24 {
		t.Fatalf("selected %d, peak %d", tp.Selected(), peak)
	}
	hit(m, "enter")
	want := fmt.Sprintf("Timer usage › %02d:00–%02d:00 UTC", (peak+23)%24, peak)
	if got := m.crumbs(); got != "Dashboard › "+want {
		t.Fatalf("crumbs %q", got)
	}
	bq := src.Breakdowns()
	if len(bq) != 2 || bq[0].Hour != (peak+23)%24 || bq[0].Kind != datasource.KindTimer || bq[1].Key != "app_version" {
		t.Fatalf("asked %+v", bq)
	}
	v := ansi.Strip(screen(m))
	for _, want := range []string{"by deployment method", "by version", "4.2.1", "512 timers started"} {
		if !strings.Contains(v, want) {
			t.Errorf("hour view lacks %q", want)
		}
	}
}

// TestDrillKeepsLastGoodData: a failed poll leaves the drill view's rows
// and says so in the header.
func TestDrillKeepsLastGoodData(t *testing.T) {
	m, src := started(t, Options{})
	hit(m, "e")
	hit(m, "enter")
	src.SetErr(tuitest.ErrFake)
	m.Update(snapshotMsg{seq: m.poll.seq, page: m.pageSeq, err: tuitest.ErrFake})
	m.poll.fetch(m.query(), m.job())
	m.Update(snapshotMsg{seq: m.poll.seq, page: m.pageSeq, err: tuitest.ErrFake})
	v := ansi.Strip(screen(m))
	if !strings.Contains(v, "database is locked") || !strings.Contains(v, "POLL FAILED") {
		t.Fatalf("after a failed poll:\n%s", v)
	}
}

// TestGoldenFilters: the prompt with completions, its error, the picker
// and every drill view at fixed sizes.
func TestGoldenFilters(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		keys []string
	}{
		{"prompt-values-120x40", 120, 40, []string{"/", "deployment_method="}},
		{"prompt-keys-80x24", 80, 24, []string{"/", "e"}},
		{"prompt-error-80x24", 80, 24, []string{"/", "k in (a b)", "enter"}},
		{"picker-80x24", 80, 24, []string{"c", "down"}},
		{"chips-120x40", 120, 40, []string{"c", "enter", "/", "platform=Linux", "enter"}},
		{"not-narrowed-120x40", 120, 40, []string{"/", "is_admin=true", "enter"}},
		{"drill-versions-120x40", 120, 40, []string{"v", "enter"}},
		{"drill-versions-80x24", 80, 24, []string{"v", "enter"}},
		{"drill-errors-80x24", 80, 24, []string{"e", "enter", "down"}},
		{"drill-event-80x24", 80, 24, []string{"e", "enter", "down", "enter"}},
		{"drill-installs-120x40", 120, 40, []string{"enter", "s", "s"}},
		{"drill-installs-find-80x24", 80, 24, []string{"enter", "f", "linux"}},
		{"drill-hour-80x24", 80, 24, []string{"u", "enter"}},
		{"help-drill-120x40", 120, 40, []string{"enter", "?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := goldenModel(t, Options{}, tc.w, tc.h)
			for _, k := range tc.keys {
				switch k {
				case "/", "c", "enter", "down", "v", "e", "u", "s", "f", "?":
					hit(m, k)
				default:
					typeText(m, k)
				}
			}
			requireView(t, m)
		})
	}
}

// TestEndToEndFilterDrill runs the real program: filter by typing and
// completion, drill into versions, and back out.
func TestEndToEndFilterDrill(t *testing.T) {
	src := &tuitest.Source{}
	m, err := New(src, Options{Interval: time.Second, TZ: "UTC", Profile: noStyle, Theme: "dark", Clock: tuitest.Clock, Dashboards: classic()})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "● live", "Timer usage")
	tm.Send(keyMsg("/"))
	waitFor(t, tm, "filter ›")
	tm.Type("dep")
	waitFor(t, tm, "deployment_method")
	tm.Send(keyMsg("tab"))
	tm.Send(keyMsg("tab"))
	waitFor(t, tm, "docker", "812")
	tm.Send(keyMsg("tab"))
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, " deployment_method=docker ")
	tm.Send(keyMsg("v"))
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "Dashboard › Versions › 4.10.0-rc1", "by platform", "app_version=4.10.0-rc1")
	tm.Send(keyMsg("esc"))
	waitFor(t, tm, "Active installations")
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	fm := tm.FinalModel(t).(*Model)
	if len(fm.pages) != 1 || len(fm.filters) != 1 || fm.filters[0].String() != "deployment_method=docker" {
		t.Fatalf("final: %d pages, filters %v", len(fm.pages), fm.filters)
	}
	if q := src.LastQuery(); len(q.Filters) != 1 {
		t.Fatalf("last poll's filters %v", q.Filters)
	}
}

// TestDrillSaysNotNarrowed: a drill view, like its pane, names the filters
// its rows could not apply: under is_admin=true the installations drill
// lists every installation (users carry is_admin, installations do not),
// while the errors drill is narrowed by it; under current_platform=Linux
// it is the other way round.
func TestDrillSaysNotNarrowed(t *testing.T) {
	for _, tc := range []struct {
		filter         string
		installs, errs bool // whether each drill must carry the note
	}{
		{"is_admin=true", true, false},
		{"current_platform=Linux", false, true},
		{"auth_method=oidc", false, false},
	} {
		f, err := datasource.ParseFilter(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []struct {
			pane string
			want bool
		}{{"i", tc.installs}, {"e", tc.errs}} {
			m, _ := started(t, Options{Mapping: datasource.DefaultMapping(), Filters: []datasource.Filter{f}})
			hit(m, d.pane)
			hit(m, "enter")
			v := ansi.Strip(screen(m))
			if got := strings.Contains(v, "not narrowed by "+tc.filter); got != d.want {
				t.Errorf("%s, drill of pane %s: note shown %v, want %v:\n%s", tc.filter, d.pane, got, d.want, v)
			}
		}
	}
}
