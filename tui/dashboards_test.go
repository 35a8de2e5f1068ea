package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// TestBuiltinDashboards: the fallback reads both built-in dashboards.
func TestBuiltinDashboards(t *testing.T) {
	ds := BuiltinDashboards()
	if len(ds) != 2 || ds[0].Name != "health" || ds[1].Name != "engagement" || len(ds[0].Panes) != 9 {
		t.Fatalf("built-in dashboards: %+v", ds)
	}
}

// TestGoldenDashboards: both built-in dashboards at the three sizes, in
// colour (stripped), --basic and NO_COLOR (escapes kept: focus and levels
// must still show).
func TestGoldenDashboards(t *testing.T) {
	for _, name := range []string{"health", "engagement"} {
		for _, sz := range sizes {
			for _, v := range []struct {
				tag string
				o   Options
			}{{"", Options{}}, {"basic-", Options{Basic: true}}} {
				t.Run(fmt.Sprintf("%s%s-%dx%d", v.tag, name, sz.w, sz.h), func(t *testing.T) {
					o := builtin(v.o)
					o.Dashboard = name
					requireView(t, goldenModel(t, o, sz.w, sz.h))
				})
			}
		}
		t.Run("nocolor-"+name+"-120x40", func(t *testing.T) {
			o := builtin(Options{NoColor: true, Profile: plainANSI, Dashboard: name})
			m := goldenModel(t, o, 120, 40)
			checkScreen(t, screen(m), 120, 40)
			golden.RequireEqualEscape(t, []byte(screen(m)), true)
		})
	}
}

// TestDashboardSwitch: 2 shows engagement (its panes asked, its title in
// the header), d cycles back, u finds timer usage on engagement.
func TestDashboardSwitch(t *testing.T) {
	src := &tuitest.Source{}
	m := newTest(t, src, builtin(Options{}), 120, 40)
	feed(m, fixture(m))
	ids := func(q datasource.Query) []string {
		var out []string
		for _, p := range q.Panes {
			out = append(out, p.Spec.ID)
		}
		return out
	}
	if got := ids(m.query()); !slices.Equal(got, []string{"platforms", "deployments", "updates", "adoption", "error_rate", "new_installs"}) {
		t.Fatalf("health asks for %v", got)
	}
	hit(m, "2")
	if m.dash != 1 || !strings.Contains(ansi.Strip(screen(m)), "User engagement") {
		t.Fatalf("2: dashboard %d:\n%s", m.dash, ansi.Strip(screen(m)))
	}
	q := src.LastQuery()
	if got := ids(q); !slices.Equal(got, []string{"dau", "features", "auth", "exports", "projects"}) || q.PanesOnly ||
		!slices.Equal(q.Figures, []string{"timers"}) {
		t.Fatalf("engagement asked %v PanesOnly %v figures %v", got, q.PanesOnly, q.Figures)
	}
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "Logins by method") || !strings.Contains(v, "oidc") {
		t.Fatalf("engagement panes not drawn:\n%s", v)
	}
	feed(m, fixture(m)) // engagement's answer: timers only
	press(m, "d")       // health, before its own answer comes: the engagement snapshot counted no installations
	if v := ansi.Strip(dash(m).panes[0].View()); m.dash != 0 || !strings.Contains(v, "1,194 active") {
		t.Fatalf("d: dashboard %d, installs after switching from engagement (want health's own last reading):\n%s", m.dash, v)
	}
	feed(m, fixture(m))
	hit(m, "u")
	if d := dash(m); m.dash != 1 || d.focus != d.figure("timers") || !d.panes[d.focus].Focused() {
		t.Fatalf("u: dashboard %d focus %d", m.dash, d.focus)
	}
	press(m, "?")
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "Installation health") || !strings.Contains(v, "next dashboard") {
		t.Fatalf("help lacks the dashboards:\n%s", v)
	}
}

// TestPanesOnly: a dashboard without built-in figures asks for its panes
// alone, and its zeros do not fire alert rules on the built-in figures.
func TestPanesOnly(t *testing.T) {
	src := &tuitest.Source{}
	d := datasource.Dashboard{Name: "mine", Key: "3", Panes: []datasource.PaneSpec{
		{ID: "logins", Events: []string{"auth.login"}, Breakdown: []string{"auth_method"}},
	}}
	rule := alert.Rule{Name: "fleet gone", When: "installs.active < 10", Level: alert.Alert}
	m := newTest(t, src, Options{Dashboards: append(BuiltinDashboards(), d), Dashboard: "mine", Alerts: []alert.Rule{rule}}, 120, 40)
	q := m.query()
	if !q.PanesOnly || len(q.Panes) != 1 {
		t.Fatalf("query %+v", q)
	}
	feed(m, fixture(m))
	if len(m.firing) != 0 {
		t.Fatalf("a PanesOnly snapshot fired %v", m.firing)
	}
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "logins") || !strings.Contains(v, "local") {
		t.Fatalf("custom pane not drawn:\n%s", v)
	}
	press(m, "1") // health, before its own answer comes: no zeros from the PanesOnly one
	if v := ansi.Strip(dash(m).panes[0].View()); !strings.Contains(v, "waiting for data") {
		t.Fatalf("installs after switching from a PanesOnly dashboard:\n%s", v)
	}
}

// TestDashboardErrors: what New refuses, with what to do.
func TestDashboardErrors(t *testing.T) {
	bad := datasource.Dashboard{Name: "bad", Panes: []datasource.PaneSpec{{ID: "x", Events: []string{"a"}, Where: []string{"=="}}}}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Dashboards: []datasource.Dashboard{{Name: "q", Key: "q", Panes: classic()[0].Panes}}}, `key "q" is bound to quit`},
		{Options{Dashboards: BuiltinDashboards(), Dashboard: "nope"}, "use one of health, engagement"},
		{Options{Dashboards: []datasource.Dashboard{bad}}, "pane x: where"},
		{Options{Dashboards: []datasource.Dashboard{{Name: "a", Key: "7", Panes: classic()[0].Panes}, {Name: "b", Key: "7", Panes: classic()[0].Panes}}}, "both use key"},
	} {
		_, err := New(&tuitest.Source{}, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error with %q, got %v", tc.want, err)
		}
	}
}

// TestPaneWithoutAnswer: a source that computes no dashboard panes (the
// embedded store before it learns them) leaves them saying so, not zero.
func TestPaneWithoutAnswer(t *testing.T) {
	m := newTest(t, &tuitest.Source{}, builtin(Options{}), 120, 40)
	snap := fixture(m)
	snap.Panes = nil
	feed(m, snap)
	v := ansi.Strip(screen(m))
	if !strings.Contains(v, "no data: the source did not compute") || strings.Contains(v, "0 installations") {
		t.Fatalf("unanswered panes:\n%s", v)
	}
}

// TestDashboardScrolls: at 80x24 the health dashboard shows four panes
// and says how many are below; tab to the last scrolls it into view.
func TestDashboardScrolls(t *testing.T) {
	m := newTest(t, &tuitest.Source{}, builtin(Options{}), 80, 24)
	feed(m, fixture(m))
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "▼ 5 below") || strings.Contains(v, "Error rate") {
		t.Fatalf("first page:\n%s", v)
	}
	press(m, "shift+tab") // to the last pane, the error rate
	v := ansi.Strip(screen(m))
	if !strings.Contains(v, "Error rate") || !strings.Contains(v, "▲ 5 above") || strings.Contains(v, "Active installations") {
		t.Fatalf("after shift+tab:\n%s", v)
	}
	checkScreen(t, screen(m), 80, 24)
}

// TestGroupDrill: enter on a bar of an installation-measured pane opens
// the group's installations and events with its filter as a chip; esc
// removes it.
func TestGroupDrill(t *testing.T) {
	src := &tuitest.Source{}
	m := newTest(t, src, builtin(Options{}), 120, 40)
	feed(m, fixture(m))
	d := dash(m)
	d.setFocus(slices.IndexFunc(d.def.Panes, func(p datasource.PaneSpec) bool { return p.ID == "platforms" }))
	hit(m, "down") // Windows
	hit(m, "enter")
	if got := m.crumbs(); got != "Installation health › Platforms › Windows" {
		t.Fatalf("crumbs %q", got)
	}
	if got := datasource.FilterStrings(m.filters); !slices.Equal(got, []string{"event.platform=Windows"}) {
		t.Fatalf("filters %v", got)
	}
	v := ansi.Strip(screen(m))
	for _, want := range []string{"Active installations", "4 installations", "events", "recent events", "telemetry.health", "event.platform=Windows"} {
		if !strings.Contains(v, want) {
			t.Errorf("group drill lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "page.viewed") {
		t.Errorf("an event of another name is listed:\n%s", v)
	}
	asked := src.EventsAsked()
	if len(asked) == 0 || !slices.Equal(asked[len(asked)-1].Names, []string{"telemetry.health", "base_telemetry.heartbeat"}) ||
		asked[len(asked)-1].Kind != datasource.KindHeartbeat {
		t.Fatalf("events asked %+v", asked)
	}
	hit(m, "right") // the events part
	hit(m, "enter")
	if got := m.crumbs(); !strings.HasPrefix(got, "Installation health › Platforms › Windows › ") || !strings.Contains(got, "telemetry.health") {
		t.Fatalf("event crumbs %q", got)
	}
	hit(m, "esc")
	hit(m, "esc")
	if len(m.pages) != 1 || len(m.filters) != 0 {
		t.Fatalf("back: pages %d filters %v", len(m.pages), m.filters)
	}
}

// TestGroupDrillSpecial: a group of $event and a person property narrows
// the events by name in the question and by role as a filter.
func TestGroupDrillSpecial(t *testing.T) {
	src := &tuitest.Source{}
	m := newTest(t, src, builtin(Options{Dashboard: "engagement"}), 120, 40)
	feed(m, fixture(m))
	d := dash(m)
	d.setFocus(slices.IndexFunc(d.def.Panes, func(p datasource.PaneSpec) bool { return p.ID == "exports" }))
	hit(m, "enter") // the largest group: user · export.excel
	if got := m.crumbs(); got != "User engagement › Exports by role › user · export.excel" {
		t.Fatalf("crumbs %q", got)
	}
	if got := datasource.FilterStrings(m.filters); !slices.Equal(got, []string{"person.role=user"}) {
		t.Fatalf("filters %v", got)
	}
	asked := src.EventsAsked()
	if q := asked[len(asked)-1]; !slices.Equal(q.Names, []string{"export.excel"}) {
		t.Fatalf("events asked %+v", q)
	}
	if v := ansi.Strip(screen(m)); strings.Contains(v, "page.viewed") || strings.Contains(v, "installations") {
		t.Fatalf("an events pane drills into its events only:\n%s", v)
	}
}

// TestInstallationDrill: versions › a version › its installations › one
// installation: its events by install_id, its users, its fields; the id
// is whole.
func TestInstallationDrill(t *testing.T) {
	m := newTest(t, &tuitest.Source{}, Options{}, 200, 50)
	feed(m, fixture(m))
	hit(m, "v")
	hit(m, "enter")
	hit(m, "enter")
	if got := m.crumbs(); got != "Dashboard › Versions › 4.10.0-rc1 › Active installations" {
		t.Fatalf("crumbs %q", got)
	}
	hit(m, "enter")
	id := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	if got := m.crumbs(); got != "Dashboard › Versions › 4.10.0-rc1 › Active installations › "+id {
		t.Fatalf("crumbs %q", got)
	}
	if got := datasource.FilterStrings(m.filters); !slices.Contains(got, "event.install_id="+id) {
		t.Fatalf("filters %v", got)
	}
	v := ansi.Strip(screen(m))
	for _, want := range []string{"events with install_id = " + id, "users in these events", "user-7", "heartbeats in range"} {
		if !strings.Contains(v, want) {
			t.Errorf("installation lacks %q:\n%s", want, v)
		}
	}
	var _ panes.Drill = topDrill(t, m)
}

// TestGroupDrillUpdates: a group of update events (old → new version)
// lists its events only: the installations list reads heartbeats, which
// carry no old_version.
func TestGroupDrillUpdates(t *testing.T) {
	m := newTest(t, &tuitest.Source{}, builtin(Options{}), 120, 40)
	feed(m, fixture(m))
	d := dash(m)
	d.setFocus(slices.IndexFunc(d.def.Panes, func(p datasource.PaneSpec) bool { return p.ID == "adoption" }))
	hit(m, "enter")
	if got := m.crumbs(); got != "Installation health › Upgrades from → to › 4.2.1 · 4.3.0" {
		t.Fatalf("crumbs %q", got)
	}
	v := ansi.Strip(screen(m))
	if strings.Contains(v, "Active installations") || !strings.Contains(v, "telemetry.update") {
		t.Fatalf("update group:\n%s", v)
	}
}
