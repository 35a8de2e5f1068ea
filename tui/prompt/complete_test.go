package prompt

import (
	"strings"
	"testing"

	"github.com/ttmon/ttmon/datasource"
)

func TestAnalyze(t *testing.T) {
	for _, tc := range []struct {
		in     string
		pos    int // -1: at the end
		kind   compKind
		prefix string
		key    string
		span   [2]int
	}{
		{"", -1, compKey, "", "", [2]int{0, 0}},
		{"dep", -1, compKey, "dep", "", [2]int{0, 3}},
		{"deployment_method=docker", 3, compKey, "dep", "", [2]int{0, 17}},
		{"person.is", -1, compKey, "person.is", "", [2]int{0, 9}},
		{"platform ", -1, compOp, "", "platform", [2]int{9, 9}},
		{"platform i", -1, compOp, "i", "platform", [2]int{9, 10}},
		{"platform not i", -1, compOp, "not i", "platform", [2]int{9, 14}},
		{"platform=", -1, compValue, "", "platform", [2]int{9, 9}},
		{"platform = Li", -1, compValue, "Li", "platform", [2]int{11, 13}},
		{`environment="self h`, -1, compValue, "self h", "environment", [2]int{12, 19}},
		{"event.app_version != 4", -1, compValue, "4", "app_version", [2]int{21, 22}},
		{"app_version in (", -1, compItem, "", "app_version", [2]int{16, 16}},
		{"app_version in (4.2.0, 4.", -1, compItem, "4.", "app_version", [2]int{23, 25}},
		{"app_version in (4.2.0, 4.3.0)", 18, compItem, "4.", "app_version", [2]int{16, 21}},
		{"app_version not in ('a b', x", -1, compItem, "x", "app_version", [2]int{27, 28}},
		{"k is set", -1, compOp, "is set", "k", [2]int{2, 8}},
		{"current_version is la", -1, compOp, "is la", "current_version", [2]int{16, 21}},
		{"current_version is latest", -1, compOp, "is latest", "current_version", [2]int{16, 25}},
		{"k is not latest ", -1, compNone, "", "", [2]int{0, 0}},
		{"k in (a) ", -1, compNone, "", "", [2]int{0, 0}},
	} {
		pos := tc.pos
		if pos < 0 {
			pos = len([]rune(tc.in))
		}
		c := analyze(tc.in, pos)
		if c.kind != tc.kind || c.prefix != tc.prefix || c.key != tc.key || (c.kind != compNone && [2]int{c.start, c.end} != tc.span) {
			t.Errorf("analyze(%q, %d) = %+v, want kind %d prefix %q key %q span %v", tc.in, pos, c, tc.kind, tc.prefix, tc.key, tc.span)
		}
	}
	if c := analyze("event.platform=", 15); c.scope != datasource.ScopeEvent {
		t.Errorf("scope %v", c.scope)
	}
	if es := opEntries("is l", false); len(es) != 1 || es[0].insert != "is latest" {
		t.Errorf("completing \"is l\": %+v", es)
	}
}

func TestInsertQuotes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		pick compEntry
		want string
	}{
		{"environment=se", valueEntries([]datasource.ValueCount{{Value: "self hosted", Count: 1}}, "se", compValue)[0], "environment=self hosted"},
		{"environment in (se", valueEntries([]datasource.ValueCount{{Value: "self hosted", Count: 1}}, "se", compItem)[0], `environment in ("self hosted"`},
		{"msg=", valueEntries([]datasource.ValueCount{{Value: ` "quoted"`, Count: 1}}, "", compValue)[0], `msg=" \"quoted\""`},
		{"odd", keyEntries([]datasource.Property{{Key: "odd key=1"}}, "odd")[0], `"odd key=1"`},
	} {
		c := analyze(tc.in, len([]rune(tc.in)))
		got, _ := c.insert(tc.in, tc.pick.insert)
		if got != tc.want {
			t.Errorf("%q + %q = %q, want %q", tc.in, tc.pick.insert, got, tc.want)
		}
		if _, err := datasource.ParseFilter(got); err != nil && !strings.HasSuffix(tc.want, `"`) && !strings.Contains(tc.in, " in (") {
			t.Errorf("%q does not parse: %v", got, err)
		}
	}
}
