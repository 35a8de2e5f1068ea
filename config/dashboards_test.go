package config

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
)

func TestBuiltinDashboards(t *testing.T) {
	ds := BuiltinDashboards()
	if len(ds) != 2 || ds[0].Name != DefaultDashboard || ds[1].Name != "engagement" {
		t.Fatalf("built-ins = %+v", ds)
	}
	want := map[string][]string{
		"health":     {"installs", "versions", "platforms", "deployments", "updates", "adoption", "error_rate", "new_installs", "errors"},
		"engagement": {"dau", "features", "auth", "timers", "exports", "projects"},
	}
	for _, d := range ds {
		var ids []string
		for _, p := range d.Panes {
			if err := p.Validate(); err != nil {
				t.Errorf("%s: %v", d.Name, err)
			}
			ids = append(ids, p.ID)
		}
		if !slices.Equal(ids, want[d.Name]) {
			t.Errorf("%s panes = %v, want %v", d.Name, ids, want[d.Name])
		}
	}
	if p, _ := ds[0].Pane("error_rate"); p.EffectiveMeasure() != datasource.MeasurePerInstallation || p.Breakdown[0] != "app_version" {
		t.Errorf("error_rate = %+v", p)
	}
	ds[0].Panes[0].ID = "changed"
	if BuiltinDashboards()[0].Panes[0].ID != "installs" {
		t.Error("BuiltinDashboards hands out shared state")
	}
	if err := errors.Join(validateDashboards(ds[1:])...); err != nil {
		t.Errorf("built-ins fail the file-less check: %v", err)
	}
}

const customDashboards = `version: 1
dashboards:
  - name: engagement
    title: Logins only
    key: "2"
    panes:
      - id: auth
        events: [auth.login]
        breakdown: [auth_method]
  - name: mine
    title: My dashboard
    key: m
    panes:
      - id: installs
        figure: installs
      - id: rollout
        title: Roll-out of 4.9.1
        events: [telemetry.update]
        measure: installations
        breakdown: [new_version]
        where: ["old_version = 4.9.0"]
        chart: table
        columns: [first_seen, last_seen]
        range: 30d
        limit: 5
      - id: errs
        events: ["@errors"]
        measure: per_installation
        breakdown: [app_version]
        warn: 0.1
        crit: 0.5
`

func TestCustomDashboard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, customDashboards, 0o600)
	c, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.DashboardNames(); !slices.Equal(got, []string{"health", "engagement", "mine"}) {
		t.Fatalf("names = %v: a built-in's name replaces it in place, new ones follow", got)
	}
	all := c.AllDashboards()
	if all[1].Title != "Logins only" || len(all[1].Panes) != 1 {
		t.Errorf("engagement not replaced: %+v", all[1])
	}
	p, ok := all[2].Pane("rollout")
	if !ok || p.Measure != datasource.MeasureInstallations || p.Where[0] != "old_version = 4.9.0" || p.Range != "30d" ||
		p.Limit != 5 || p.Chart != datasource.ChartTable || !slices.Equal(p.Columns, []string{"first_seen", "last_seen"}) {
		t.Errorf("rollout = %+v", p)
	}
	if e, _ := all[2].Pane("errs"); e.Warn != 0.1 || e.Crit != 0.5 {
		t.Errorf("errs = %+v", e)
	}
}

// TestDashboardErrors: every bad definition is reported on its line, with
// the valid choices.
func TestDashboardErrors(t *testing.T) {
	head := "version: 1\ndashboards:\n  - name: mine\n    panes:\n" // pane at line 5
	tests := []struct {
		name, panes string
		want        []string
	}{
		{"unknown key", "      - id: a\n        events: [x]\n        meassure: users\n",
			[]string{"line 7: unknown pane key meassure; use one of id, title, figure, events, measure, breakdown, where, chart, columns, range, limit, warn, crit"}},
		{"unknown measure", "      - id: a\n        events: [x]\n        measure: count\n",
			[]string{`line 7: dashboard mine: pane a: measure "count": use one of events, users, installations, per_installation, new_installations`}},
		{"unknown chart", "      - id: a\n        events: [x]\n        chart: pie\n",
			[]string{`line 7: dashboard mine: pane a: chart "pie": use one of number, bars, line, table`}},
		{"unknown column", "      - id: a\n        events: [x]\n        breakdown: [k]\n        chart: table\n        columns:\n          - users\n          - nope\n",
			[]string{`line 11: dashboard mine: pane a: column "nope": use any of installations, users`}},
		{"unknown figure", "      - id: a\n        figure: sessions\n",
			[]string{`line 6: dashboard mine: pane a: figure "sessions": use one of installs, versions, errors, timers`}},
		{"figure with extras", "      - id: a\n        figure: errors\n        measure: users\n",
			[]string{"line 7: dashboard mine: pane a: figure errors is a built-in pane: it takes only id and title; remove measure"}},
		{"bad breakdown", "      - id: a\n        events: [x]\n        breakdown: [platform, $hours]\n",
			[]string{`line 7: dashboard mine: pane a: breakdown "$hours": the special breakdowns are $category, $hour, $event`}},
		{"too many breakdowns", "      - id: a\n        events: [x]\n        breakdown: [a, b, c]\n",
			[]string{"line 7: dashboard mine: pane a: breakdown: at most 2 properties"}},
		{"rate by hour", "      - id: a\n        events: [x]\n        measure: per_installation\n        breakdown: [$hour]\n",
			[]string{"line 8: dashboard mine: pane a: per_installation can break down by a property, not $hour"}},
		{"bad where", "      - id: a\n        events: [x]\n        where:\n          - platform = Linux\n          - platform ~ Linux\n",
			[]string{`line 9: dashboard mine: pane a: where: filter "platform ~ Linux"`, "property=value"}},
		{"bad range", "      - id: a\n        events: [x]\n        range: forever\n",
			[]string{"line 7: dashboard mine: pane a: range:"}},
		{"bad family", "      - id: a\n        events:\n          - x\n          - \"@error\"\n",
			[]string{`line 8: dashboard mine: pane a: events: "@error": families are @heartbeat, @errors, @timers`}},
		{"no events", "      - id: a\n        measure: users\n",
			[]string{"line 5: dashboard mine: pane a: events: name at least one event"}},
		{"no id", "      - events: [x]\n",
			[]string{"line 5: dashboard mine: pane needs an id"}},
		{"columns need a table", "      - id: a\n        events: [x]\n        breakdown: [k]\n        columns: [users]\n",
			[]string{"line 8: dashboard mine: pane a: columns need chart: table (this pane draws bars)"}},
		{"bad thresholds", "      - id: a\n        events: [x]\n        warn: 2\n        crit: 1\n",
			[]string{"line 7: dashboard mine: pane a: warn 2, crit 1: use 0 <= warn <= crit"}},
		{"negative limit", "      - id: a\n        events: [x]\n        limit: -1\n",
			[]string{"line 7: dashboard mine: pane a: limit -1"}},
		{"duplicate pane ids", "      - id: a\n        events: [x]\n      - id: a\n        events: [y]\n",
			[]string{`line 7: dashboard mine: pane id "a" is already used at line 5`}},
		{"duplicate yaml keys", "      - id: a\n        events: [x]\n        events: [y]\n",
			[]string{`line 7: mapping key "events" already defined at line 6`}},
		{"duplicate dashboard names", "      - id: a\n        events: [x]\n  - name: mine\n    panes:\n      - id: b\n        events: [x]\n",
			[]string{`line 7: dashboard name "mine" is already used at line 3`}},
		{"no panes", "      []\n", []string{"line 3: dashboard mine: list at least one pane under panes:"}},
		{"wrong type", "      - id: a\n        events: x\n", []string{`line 6: "x" should be a list`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := Decode([]byte(head+tt.panes), &c)
			if err == nil {
				t.Fatal("Decode accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if err := c.Validate(); err != nil && strings.Contains(err.Error(), "dashboard") {
				t.Errorf("Validate reports the file's dashboards again, without lines: %v", err)
			}
		})
	}
}

// TestDashboardErrorsAllAtOnce: one pass lists every problem of the file,
// the decoder's and the dashboards', top to bottom.
func TestDashboardErrorsAllAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, `version: 1
ui:
  rnage: 7d
dashboards:
  - name: mine
    panes:
      - id: a
        events: [x]
        measure: count
        chart: pie
        bogus: 1
      - id: a
        events: [x]
        range: forever
`, 0o600)
	_, _, err := Load(path)
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Load = %v, want a FileError", err)
	}
	want := []string{"line 3: unknown setting rnage", "line 9:", "line 10:", "line 11: unknown pane key bogus", "line 12:", "line 14:"}
	if len(fe.Problems) != len(want) {
		t.Fatalf("problems = %q, want %d", fe.Problems, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(fe.Problems[i], w) {
			t.Errorf("problem %d = %q, want it to start %q", i, fe.Problems[i], w)
		}
	}
}

func TestValidateDashboardsWithoutFile(t *testing.T) {
	c := Default()
	c.Dashboards = []datasource.Dashboard{
		{Name: "x", Key: "1", Panes: []datasource.PaneSpec{{ID: "a", Events: []string{"e"}, Measure: "count"}, {ID: "a", Figure: "installs"}}},
		{Name: "y"},
		{Name: "y", Panes: []datasource.PaneSpec{{ID: "b", Figure: "timers"}}},
	}
	err := c.Validate()
	for _, w := range []string{`dashboards[0] x: pane a: measure "count"`, `pane id "a" is used twice`, `dashboards[2] y: the name "y" is used twice`,
		"dashboards[1] y: list at least one pane", `dashboard x: key "1" already switches to health`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate error lacks %q: %v", w, err)
		}
	}
}

func TestAlertPanes(t *testing.T) {
	c := Default()
	c.Alerts = []alert.Rule{
		{Name: "rate", Pane: "error_rate", Group: "4.9.1", When: "> 0.1", Level: alert.Warn},
		{Name: "typo", Pane: "eror_rate", When: "> 0.1", Level: alert.Warn},
		{Name: "figure", Pane: "installs", When: "> 0.1", Level: alert.Warn},
	}
	err := c.Validate()
	for _, w := range []string{`alerts[1] "typo": no dashboard has a pane "eror_rate"; the panes are platforms, deployments,`,
		`alerts[2] "figure": pane installs shows the built-in installs figures`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate error lacks %q: %v", w, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "alerts[0]") {
		t.Errorf("a pane alert on a built-in dashboard's pane is refused: %v", err)
	}
}

func TestAlertKeysListed(t *testing.T) {
	c := Default()
	err := Decode([]byte("version: 1\nalerts:\n  - name: a\n    pane: error_rate\n    grup: \"4.9.1\"\n    when: \"> 1\"\n    level: warn\n"), &c)
	if err == nil || !strings.Contains(err.Error(), "line 5: unknown alert key grup; use one of name, when, level, pane, figure, group") {
		t.Fatalf("Decode = %v", err)
	}
}
