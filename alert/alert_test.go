package alert

import (
	"strings"
	"testing"

	"github.com/ttmon/ttmon/datasource"
)

func snap() *datasource.Snapshot {
	return &datasource.Snapshot{
		Totals:   datasource.Totals{Events: 5000},
		Installs: datasource.Installs{Active: 90, Previous: 120},
		Versions: []datasource.VersionShare{
			{Version: "4.9.1", Installs: 36, Share: 0.4, Latest: true},
			{Version: "4.9.0", Installs: 54, Share: 0.6},
		},
		Errors: datasource.Errors{Total: 8, PerInstall: 8.0 / 90},
		Timers: datasource.Timers{Total: 300},
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		when  string
		fires bool
		value float64
	}{
		{"errors.per_install > 0.05", true, 8.0 / 90},
		{"errors.per_install > 0.1", false, 0},
		{"errors.per_install >= 0.0888", true, 8.0 / 90},
		{"installs.active < 100", true, 90},
		{"installs.active <= 89", false, 0},
		{"installs.previous == 120", true, 120},
		{"installs.change < -0.2", true, -0.25},
		{"installs.change < -0.3", false, 0},
		{"versions.latest_share < 0.5", true, 0.4},
		{"versions.count != 2", false, 0},
		{"errors.total >= 8", true, 8},
		{"timers.total < 1", false, 0},
		{"events.total > 4999", true, 5000},
		{"  errors.total>7  ", true, 8},
	}
	for _, tt := range tests {
		rules, err := Compile([]Rule{{Name: "r", When: tt.when, Level: Warn}})
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.when, err)
		}
		got := Evaluate(rules, snap())
		if (len(got) == 1) != tt.fires {
			t.Errorf("%q fired %d times, want %v", tt.when, len(got), tt.fires)
			continue
		}
		if tt.fires && got[0].Value != tt.value {
			t.Errorf("%q value = %v, want %v", tt.when, got[0].Value, tt.value)
		}
	}
}

func TestEvaluateEmptySnapshot(t *testing.T) {
	rules, _ := Compile([]Rule{
		{Name: "a", When: "versions.latest_share < 0.5", Level: Warn},
		{Name: "b", When: "installs.change < -0.5", Level: Alert},
	})
	got := Evaluate(rules, &datasource.Snapshot{})
	if len(got) != 1 || got[0].Rule.Name != "a" || got[0].Value != 0 {
		t.Fatalf("empty snapshot: %+v (no previous period must not read as a crash of -100%%)", got)
	}
}

func TestOrderAndWorst(t *testing.T) {
	rules, _ := Compile([]Rule{
		{Name: "w1", When: "installs.active < 100", Level: Warn},
		{Name: "a1", When: "errors.per_install > 0.05", Level: Alert},
		{Name: "w2", When: "versions.latest_share < 0.5", Level: Warn},
	})
	got := Evaluate(rules, snap())
	names := []string{}
	for _, f := range got {
		names = append(names, f.Rule.Name)
	}
	if strings.Join(names, ",") != "a1,w1,w2" {
		t.Fatalf("order = %v, want most severe first then config order", names)
	}
	if Worst(got) != Alert || Worst(got[1:]) != Warn || Worst(nil) != OK {
		t.Fatal("Worst is wrong")
	}
	if got[0].Pane() != "errors" || got[1].Pane() != "installs" || got[2].Metric() != "versions.latest_share" {
		t.Fatalf("panes/metrics: %q %q %q", got[0].Pane(), got[1].Pane(), got[2].Metric())
	}
}

func TestLine(t *testing.T) {
	rules, _ := Compile([]Rule{{Name: "error rate", When: "errors.per_install > 0.05", Level: Alert}})
	s := snap()
	s.Errors.PerInstall = 0.08
	got := Evaluate(rules, s)[0].Line()
	if want := "TTMON CRITICAL - errors.per_install=0.08 > 0.05 (error rate)"; got != want {
		t.Fatalf("Line = %q, want %q", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	_, err := Compile([]Rule{
		{Name: "", When: "errors.total > 1", Level: Warn},
		{Name: "x", When: "error.rate > 1", Level: Warn},
		{Name: "x", When: "errors.total > lots", Level: Warn},
		{Name: "y", When: "errors.total", Level: Warn},
		{Name: "z", When: "errors.total > 1"},
	})
	if err == nil {
		t.Fatal("Compile accepted garbage")
	}
	for _, want := range []string{"give the alert a name", `unknown metric "error.rate"`, "errors.per_install", `"lots" is not a number`, "used twice", "METRIC OP NUMBER", "level: warn"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestLevelText(t *testing.T) {
	for in, want := range map[string]Level{"warn": Warn, "WARNING": Warn, "alert": Alert, "critical": Alert} {
		var l Level
		if err := l.UnmarshalText([]byte(in)); err != nil || l != want {
			t.Errorf("UnmarshalText(%q) = %v, %v", in, l, err)
		}
	}
	var l Level
	if err := l.UnmarshalText([]byte("panic")); err == nil {
		t.Error("unknown level accepted")
	}
}

// TestLatestShareIgnoresAStray: one event claiming 5.0.0 does not make
// versions.latest_share the share of that one installation (0.2 %), so
// "few are on the latest release" does not fire for a stray; a genuine
// release rolling out does move it.
func TestLatestShareIgnoresAStray(t *testing.T) {
	rules, err := Compile([]Rule{{Name: "upgrade lag", When: "versions.latest_share < 0.5", Level: Warn}})
	if err != nil {
		t.Fatal(err)
	}
	s := &datasource.Snapshot{Versions: datasource.BuildVersions(map[string]int64{"4.9.1": 400, "4.9.0": 71, "5.0.0": 1})}
	if f := Evaluate(rules, s); len(f) != 0 {
		t.Errorf("a stray fired %s", f[0].Line())
	}
	s.Versions = datasource.BuildVersions(map[string]int64{"4.9.1": 300, "4.9.0": 71, "5.0.0": 101})
	if f := Evaluate(rules, s); len(f) != 1 || f[0].Value > 0.22 {
		t.Errorf("a release on 101 of 472 installations: %+v", f)
	}
}

// TestUnscopedFiguresDoNotFire: under is_admin=true the installations the
// error rate divides by are every installation (a user property cannot
// narrow heartbeats), so rules on that rate or on installations are not
// checked, not fired; the error total, narrowed by the filter, still is.
func TestUnscopedFiguresDoNotFire(t *testing.T) {
	rules, err := Compile([]Rule{
		{Name: "error rate", When: "errors.per_install > 0.05", Level: Alert},
		{Name: "fleet", When: "installs.active < 100", Level: Warn},
		{Name: "errors", When: "errors.total >= 8", Level: Warn},
		{Name: "timers", When: "timers.total > 1", Level: Warn},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := snap()
	s.NotNarrowed = datasource.NotNarrowed{Installs: []string{"is_admin=true"}, Timers: []string{"current_platform=Linux"}}
	var fired []string
	for _, f := range Evaluate(rules, s) {
		fired = append(fired, f.Rule.Name)
	}
	if strings.Join(fired, ",") != "errors" {
		t.Errorf("fired %v, want only the narrowed error total", fired)
	}
	var lines []string
	for _, u := range Unevaluated(rules, s) {
		lines = append(lines, u.Line())
	}
	want := []string{
		"TTMON UNKNOWN - errors.per_install not checked: not narrowed by is_admin=true (error rate)",
		"TTMON UNKNOWN - installs.active not checked: not narrowed by is_admin=true (fleet)",
		"TTMON UNKNOWN - timers.total not checked: not narrowed by current_platform=Linux (timers)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("unchecked:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if _, ok := Value("errors.per_install", s); ok {
		t.Error("Value reads an unscoped error rate as the cohort's")
	}
	if v, ok := Value("errors.total", s); !ok || v != 8 {
		t.Errorf("Value(errors.total) = %v, %v; want 8, true", v, ok)
	}
}
