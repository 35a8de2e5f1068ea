package tui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// settle runs cmd and feeds every message it yields back into m, and so
// on, the way the program loop would; timers (later) are not fired.
func settle(m *Model, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for i := 0; i < 50 && len(queue) > 0; i++ {
		c := queue[0]
		queue = queue[1:]
		for _, msg := range collect(c) {
			if _, ok := msg.(later); ok {
				continue
			}
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// typeText types s one key at a time, settling after each.
func typeText(m *Model, s string) {
	for _, r := range s {
		k := tea.KeyPressMsg{Code: r, Text: string(r)}
		if r == ' ' {
			k = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		}
		_, cmd := m.Update(k)
		settle(m, cmd)
	}
}

func hit(m *Model, k string) { settle(m, press(m, k)) }

func labels(p *prompt) []string {
	var out []string
	for _, it := range p.items {
		out = append(out, it.label+"|"+it.note)
	}
	return out
}

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

// TestFilterByCompletion: "/", "dep", tab, tab, tab types
// deployment_method=docker from the data's names and values; enter applies
// it, every pane is polled again at once with it, and it shows as a chip.
func TestFilterByCompletion(t *testing.T) {
	m, src := started(t, Options{})
	hit(m, "/")
	if m.prompt == nil || m.comp.props == nil {
		t.Fatal("/ should open the prompt and load property names")
	}
	typeText(m, "dep")
	if got := labels(m.prompt); !reflect.DeepEqual(got, []string{"deployment_method|event · person"}) {
		t.Fatalf("key completions %q", got)
	}
	hit(m, "tab")
	if v := m.prompt.in.Value(); v != "deployment_method" || m.prompt.head != "operators" {
		t.Fatalf("after tab: %q, list %q", v, m.prompt.head)
	}
	hit(m, "tab")
	if v := m.prompt.in.Value(); v != "deployment_method=" {
		t.Fatalf("after second tab: %q", v)
	}
	if got := labels(m.prompt); !reflect.DeepEqual(got, []string{"docker|812", "native|378"}) {
		t.Fatalf("value completions %q (note %q)", got, m.prompt.note)
	}
	asked := src.ValuesAsked()
	if len(asked) != 1 || asked[0].Key != "deployment_method" || asked[0].Limit != valuesLimit {
		t.Fatalf("values asked: %+v", asked)
	}
	hit(m, "down")
	hit(m, "up")
	hit(m, "tab")
	if v := m.prompt.in.Value(); v != "deployment_method=docker" {
		t.Fatalf("after third tab: %q", v)
	}
	calls := src.Calls()
	cmd := press(m, "enter")
	if m.prompt != nil || len(m.filters) != 1 || m.filters[0].String() != "deployment_method=docker" {
		t.Fatalf("enter: prompt %v filters %v", m.prompt, m.filters)
	}
	settle(m, cmd)
	if src.Calls() != calls+1 || len(src.LastQuery().Filters) != 1 {
		t.Fatalf("filters change should poll at once with them: %d calls, %v", src.Calls()-calls, src.LastQuery().Filters)
	}
	if h := ansi.Strip(m.header()); !strings.Contains(h, " deployment_method=docker ") {
		t.Fatalf("no chip: %q", h)
	}
}

// TestCompletionFollowsCaret: values are completed for the property under
// the caret, and an in (...) list item replaces only itself.
func TestCompletionFollowsCaret(t *testing.T) {
	m, _ := started(t, Options{})
	hit(m, "/")
	typeText(m, "app_version in (4.2.0, 4.")
	if got := labels(m.prompt); !reflect.DeepEqual(got, []string{"4.2.1|9,120", "4.2.0|5,030", "4.3.0|610"}) {
		t.Fatalf("list item completions %q", got)
	}
	hit(m, "down")
	hit(m, "down")
	hit(m, "enter") // a chosen completion goes in first; the list is not closed yet
	if v := m.prompt.in.Value(); v != "app_version in (4.2.0, 4.3.0" || m.prompt.err != "" {
		t.Fatalf("enter on a walked completion: %q err %q", v, m.prompt.err)
	}
	typeText(m, ")")
	hit(m, "enter")
	if len(m.filters) != 1 || m.filters[0].String() != "app_version in (4.2.0, 4.3.0)" {
		t.Fatalf("filters %v", m.filters)
	}
}

// TestFilterParseError: a filter that does not parse says why, under the
// prompt, pointing at the column, and nothing is applied.
func TestFilterParseError(t *testing.T) {
	m, src := started(t, Options{})
	hit(m, "/")
	typeText(m, "k in (a b)")
	calls := src.Calls()
	hit(m, "enter")
	if m.prompt == nil || len(m.filters) != 0 || src.Calls() != calls {
		t.Fatal("a bad filter must not be applied")
	}
	if m.prompt.err != "expected , or ) in the list; quote values that contain spaces" || m.prompt.errCol != 8 {
		t.Fatalf("error %q at %d", m.prompt.err, m.prompt.errCol)
	}
	v := ansi.Strip(screen(m))
	lines := strings.Split(v, "\n")
	if !strings.Contains(lines[0], "filter › k in (a b)") || !strings.Contains(lines[1], "↑ expected , or ) in the list") {
		t.Fatalf("error not shown in place:\n%s", strings.Join(lines[:3], "\n"))
	}
	if strings.Index(lines[1], "↑") != strings.Index(lines[0], "b)") {
		t.Fatalf("the arrow does not point at b:\n%s\n%s", lines[0], lines[1])
	}
	typeText(m, "x")
	if m.prompt.err != "" {
		t.Fatal("editing should clear the error")
	}
	hit(m, "esc")
	if m.prompt != nil || len(m.filters) != 0 {
		t.Fatal("esc cancels")
	}
}

// TestChips: x removes the last filter, X clears all, each polling at once;
// a filter already set is not added twice.
func TestChips(t *testing.T) {
	fs, _ := parseFilters("deployment_method=docker", "platform=Linux")
	m, src := started(t, Options{Filters: fs})
	hit(m, "/")
	typeText(m, "platform = Linux")
	hit(m, "enter")
	if len(m.filters) != 2 || !strings.Contains(m.status, "already filtered by platform=Linux") {
		t.Fatalf("duplicate: %v, %q", m.filters, m.status)
	}
	calls := src.Calls()
	hit(m, "x")
	if len(m.filters) != 1 || m.filters[0].Key != "deployment_method" || src.Calls() != calls+1 {
		t.Fatalf("x: %v, %d polls", m.filters, src.Calls()-calls)
	}
	hit(m, "X")
	if len(m.filters) != 0 || src.Calls() != calls+2 || !strings.Contains(ansi.Strip(m.header()), "no filters") {
		t.Fatalf("X: %v", m.filters)
	}
	hit(m, "x")
	if m.status != "no filters to remove" {
		t.Fatalf("x without filters: %q", m.status)
	}
}

// TestChipsFit: many long filters fold into "+N", then "N filters"; the
// header always fits.
func TestChipsFit(t *testing.T) {
	var exprs []string
	for i := range 6 {
		exprs = append(exprs, fmt.Sprintf("property_%d = %s", i, strings.Repeat("long value ", 5)))
	}
	fs, _ := parseFilters(exprs...)
	for _, w := range []int{60, 80, 120, 200} {
		m := newTest(t, &tuitest.Source{}, Options{Filters: fs}, w, 24)
		h := ansi.Strip(m.header())
		if ansi.StringWidth(h) != w || !(strings.Contains(h, "+") || strings.Contains(h, "6 filters")) {
			t.Errorf("%d: %q", w, h)
		}
	}
}

// TestPickPresets: each preset becomes its filters; "latest" stays
// `is latest`, resolved per query by the source.
func TestPickPresets(t *testing.T) {
	m, _ := started(t, Options{})
	hit(m, "c")
	if m.picker == nil || len(m.picker.items) != 2 {
		t.Fatalf("picker: %+v", m.picker)
	}
	v := ansi.Strip(screen(m))
	for _, want := range []string{"Presets", "Docker users on latest", "Admins using OIDC", "Saved in config", "none yet: S saves"} {
		if !strings.Contains(v, want) {
			t.Errorf("picker lacks %q", want)
		}
	}
	hit(m, "enter")
	if got := strings.Join(datasource.FilterStrings(m.filters), " "); got != "deployment_method=docker current_version is latest" {
		t.Fatalf("Docker users on latest: %q", got)
	}
	hit(m, "X")
	hit(m, "c")
	hit(m, "down")
	hit(m, "enter")
	if got := strings.Join(datasource.FilterStrings(m.filters), " "); got != "is_admin=true auth_method=oidc" {
		t.Fatalf("Admins using OIDC: %q", got)
	}
	hit(m, "c")
	hit(m, "esc")
	if m.picker != nil {
		t.Fatal("esc closes the picker")
	}
}

// TestSavePresetKeepsLatest: saving "Docker users on latest" with S keeps
// "the newest release" (it froze current_version=4.9.1), so the saved
// cohort follows the next release as the preset does.
func TestSavePresetKeepsLatest(t *testing.T) {
	var saved []cohort.Cohort
	save := func(c cohort.Cohort, _ bool) error { saved = append(saved, c); return nil }
	m, _ := started(t, Options{SaveCohort: save, ConfigPath: "/etc/ttmon.yaml"})
	hit(m, "c")
	hit(m, "enter")
	hit(m, "S")
	typeText(m, "Docker on latest")
	hit(m, "enter")
	if len(saved) != 1 || !reflect.DeepEqual(saved[0].Filters, []string{"deployment_method=docker", "current_version is latest"}) {
		t.Fatalf("saved %+v", saved)
	}
}

// TestSaveCohort: S asks for a name and saves the filters; a taken name
// asks before overwriting; the saved cohort is in the picker after.
func TestSaveCohort(t *testing.T) {
	var saved []cohort.Cohort
	var overwrites []bool
	save := func(c cohort.Cohort, overwrite bool) error {
		for _, s := range saved {
			if s.Name == c.Name && !overwrite {
				return fmt.Errorf("%w: %q", cohort.ErrExists, c.Name)
			}
		}
		saved, overwrites = append(saved, c), append(overwrites, overwrite)
		return nil
	}
	m, _ := started(t, Options{SaveCohort: save, ConfigPath: "/etc/ttmon.yaml"})
	hit(m, "S")
	if m.prompt != nil || !strings.Contains(m.status, "no filters to save") {
		t.Fatal("S without filters should say there is nothing to save")
	}
	hit(m, "/")
	typeText(m, `environment="self hosted"`)
	hit(m, "enter")
	hit(m, "S")
	if m.prompt == nil || m.prompt.kind != promptName {
		t.Fatal("S should ask for a name")
	}
	hit(m, "enter")
	if m.prompt.err != "give the cohort a name" {
		t.Fatalf("empty name: %q", m.prompt.err)
	}
	typeText(m, "Self hosted")
	hit(m, "enter")
	if len(saved) != 1 || saved[0].Name != "Self hosted" || !reflect.DeepEqual(saved[0].Filters, []string{`environment=self hosted`}) {
		t.Fatalf("saved %+v", saved)
	}
	if m.status != "saved cohort Self hosted in /etc/ttmon.yaml" {
		t.Fatalf("status %q", m.status)
	}
	hit(m, "S")
	typeText(m, "Self hosted")
	hit(m, "enter")
	if m.prompt == nil || m.prompt.kind != promptOverwrite || !strings.Contains(ansi.Strip(screen(m)), `cohort "Self hosted" is saved already: overwrite it? y/n`) {
		t.Fatal("a taken name should ask before overwriting")
	}
	hit(m, "n")
	if m.prompt == nil || m.prompt.kind != promptName {
		t.Fatal("n goes back to the name")
	}
	hit(m, "enter")
	hit(m, "y")
	if len(saved) != 2 || !overwrites[1] {
		t.Fatalf("overwrite: %v", overwrites)
	}
	hit(m, "c")
	if len(m.picker.items) != 3 || m.picker.items[2].Name != "Self hosted" {
		t.Fatalf("picker after saving: %+v", m.picker.items)
	}
	hit(m, "esc")
	m2, _ := started(t, Options{Filters: m.filters})
	hit(m2, "S")
	if m2.prompt != nil || !strings.Contains(m2.status, "needs a config file") || !m2.statusErr {
		t.Fatalf("no saver: %q", m2.status)
	}
	m.save = func(cohort.Cohort, bool) error { return errors.New("disk full") }
	hit(m, "S")
	typeText(m, "x")
	hit(m, "enter")
	if m.status != "not saved: disk full" || !m.statusErr {
		t.Fatalf("failed save: %q", m.status)
	}
}

// TestTabAheadOfValues: a tab pressed while the values load completes
// when they arrive.
func TestTabAheadOfValues(t *testing.T) {
	m, _ := started(t, Options{})
	hit(m, "/")
	_, cmd := m.Update(keyMsg("e"))
	settle(m, cmd)
	typeText(m, "nvironment=")
	// Type without running the values command, then tab, then answer.
	m.comp.values = map[valKey]*valEntry{}
	load := m.refreshCompletion()
	if m.prompt.note != "loading…" {
		t.Fatalf("note %q", m.prompt.note)
	}
	hit(m, "tab")
	settle(m, load)
	if v := m.prompt.in.Value(); v != "environment=self hosted" {
		t.Fatalf("after the answer: %q", v)
	}
}

// listerSrc is a source with backend cohorts, like PostHog.
type listerSrc struct {
	*tuitest.Source
}

func (listerSrc) Cohorts(context.Context) ([]datasource.Cohort, error) {
	return []datasource.Cohort{{ID: "12", Name: "Power users", Count: 40}}, nil
}

// TestPickBackendCohort: the source's own cohorts are listed after the
// presets and become cohort=ID.
func TestPickBackendCohort(t *testing.T) {
	m := newTest(t, listerSrc{&tuitest.Source{}}, Options{}, 120, 40)
	feed(m, fixture(m))
	hit(m, "c")
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "PostHog cohorts") || !strings.Contains(v, "Power users   cohort=12 · 40 persons") {
		t.Fatalf("picker:\n%s", v)
	}
	hit(m, "G")
	hit(m, "enter")
	if len(m.filters) != 1 || m.filters[0].String() != "cohort=12" {
		t.Fatalf("filters %v", m.filters)
	}
}
