package alert

import (
	"strings"
	"testing"

	"github.com/ttmon/ttmon/datasource"
)

func paneSnap() *datasource.Snapshot {
	s := snap()
	s.Panes = []datasource.PaneFigures{
		{ID: "error_rate", Total: 0.08, Num: 8, Den: 100, OtherGroups: 0, Groups: []datasource.Group{
			{Key: []string{"4.9.1"}, Value: 0.2, Num: 4, Den: 20},
			{Key: []string{"4.9.0"}, Value: 0.05, Num: 4, Den: 80},
		}},
		{ID: "exports", Total: 30, Other: 3, OtherGroups: 2, Groups: []datasource.Group{
			{Key: []string{"admin", "export.csv"}, Value: 20, Users: 4},
			{Key: []string{"user", "export.excel"}, Value: 7, Users: 6},
		}},
		{ID: "auth", Total: 12, NotNarrowed: []string{"is_admin=true"}},
	}
	return s
}

func TestPaneRules(t *testing.T) {
	tests := []struct {
		rule   Rule
		fires  bool
		value  float64
		metric string
	}{
		{Rule{Pane: "error_rate", When: "> 0.05"}, true, 0.08, "error_rate.total"},
		{Rule{Pane: "error_rate", When: "> 0.1"}, false, 0, "error_rate.total"},
		{Rule{Pane: "error_rate", Figure: "num", When: ">= 8"}, true, 8, "error_rate.num"},
		{Rule{Pane: "error_rate", Group: "4.9.1", When: "> 0.1"}, true, 0.2, "error_rate[4.9.1].value"},
		{Rule{Pane: "error_rate", Group: "4.9.0", When: "> 0.1"}, false, 0, "error_rate[4.9.0].value"},
		{Rule{Pane: "error_rate", Group: "4.9.1", Figure: "den", When: "< 25"}, true, 20, "error_rate[4.9.1].den"},
		// Every group is listed: one that is not counted nothing.
		{Rule{Pane: "error_rate", Group: "5.0.0", When: "== 0"}, true, 0, "error_rate[5.0.0].value"},
		{Rule{Pane: "exports", Group: "admin · export.csv", When: "> 10"}, true, 20, "exports[admin · export.csv].value"},
		{Rule{Pane: "exports", Group: "user, export.excel", Figure: "users", When: ">= 6"}, true, 6, "exports[user, export.excel].users"},
		{Rule{Pane: "exports", Figure: "other", When: "> 2"}, true, 3, "exports.other"},
	}
	for _, tt := range tests {
		tt.rule.Name, tt.rule.Level = "r", Warn
		rules, err := Compile([]Rule{tt.rule})
		if err != nil {
			t.Fatalf("Compile(%+v): %v", tt.rule, err)
		}
		got := Evaluate(rules, paneSnap())
		if (len(got) == 1) != tt.fires {
			t.Errorf("%+v fired %d times, want %v", tt.rule, len(got), tt.fires)
			continue
		}
		if rules[0].Metric() != tt.metric {
			t.Errorf("metric = %q, want %q", rules[0].Metric(), tt.metric)
		}
		if tt.fires && (got[0].Value != tt.value || got[0].Pane() != tt.rule.Pane) {
			t.Errorf("%+v: value %v pane %q, want %v %q", tt.rule, got[0].Value, got[0].Pane(), tt.value, tt.rule.Pane)
		}
		if u := Unevaluated(rules, paneSnap()); len(u) != 0 {
			t.Errorf("%+v unevaluated: %+v", tt.rule, u)
		}
	}
	rules, _ := Compile([]Rule{{Name: "rate", Pane: "error_rate", When: "> 0.05", Level: Alert}})
	if got := Evaluate(rules, paneSnap())[0].Line(); got != "TTMON CRITICAL - error_rate.total=0.08 > 0.05 (rate)" {
		t.Errorf("Line = %q", got)
	}
}

// TestPaneRulesUnknown: a pane not narrowed by the filters, a pane the
// snapshot does not hold, and a group past the pane's limit are not
// checked, and say why.
func TestPaneRulesUnknown(t *testing.T) {
	rules, err := Compile([]Rule{
		{Name: "logins", Pane: "auth", When: "< 100", Level: Warn},
		{Name: "dau", Pane: "dau", When: "< 10", Level: Warn},
		{Name: "rare", Pane: "exports", Group: "guest", When: "> 1", Level: Warn},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := paneSnap()
	if f := Evaluate(rules, s); len(f) != 0 {
		t.Fatalf("fired %+v", f)
	}
	var lines []string
	for _, u := range Unevaluated(rules, s) {
		lines = append(lines, u.Line())
	}
	want := []string{
		"TTMON UNKNOWN - auth.total not checked: not narrowed by is_admin=true (logins)",
		"TTMON UNKNOWN - dau.total not checked: pane dau is not in this snapshot (is it on the dashboard shown?) (dau)",
		"TTMON UNKNOWN - exports[guest].value not checked: group guest is not among the pane's top 2 (raise the pane's limit) (rare)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("unchecked:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if _, ok := rules[0].Value(s); ok {
		t.Error("Value reads a pane not narrowed by the filters")
	}
}

func TestPaneRuleCompileErrors(t *testing.T) {
	_, err := Compile([]Rule{
		{Name: "a", Pane: "p", When: "p.total > 1", Level: Warn},
		{Name: "b", Pane: "p", Figure: "value", When: "> 1", Level: Warn},
		{Name: "c", Pane: "p", Group: "x", Figure: "other", When: "> 1", Level: Warn},
		{Name: "d", Pane: "p", When: "> lots", Level: Warn},
	})
	for _, want := range []string{`with pane: write OP NUMBER, e.g. when: "> 0.05"`, `figure "value": a pane's figures are total, num, den, other`,
		`figure "other": a group's figures are value, num, den, installations, users`, `"lots" is not a number`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
