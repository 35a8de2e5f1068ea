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
	"github.com/ttmon/ttmon/tui/prompt"
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

func labels(m *Model) []string {
	var out []string
	for _, it := range m.prompt.Items() {
		out = append(out, it.Label+"|"+it.Note)
	}
	return out
}

// promptErr is the open prompt's error and the column it points at.
func promptErr(m *Model) (string, int) { return m.prompt.Err() }

func first[A, B any](a A, _ B) A { return a }

// TestFilterByCompletion: "/", "dep", tab, tab, tab types
// deployment_method=docker from the data's names and values; enter applies
// it, every pane is polled again at once with it, and it shows as a chip.
func TestFilterByCompletion(t *testing.T) {
	m, src := started(t, Options{})
	hit(m, "/")
	if !m.prompt.Active() || m.prompt.Props() == nil {
		t.Fatal("/ should open the prompt and load property names")
	}
	typeText(m, "dep")
	if got := labels(m); !reflect.DeepEqual(got, []string{"deployment_method|event · person"}) {
		t.Fatalf("key completions %q", got)
	}
	hit(m, "tab")
	if v := m.prompt.Value(); v != "deployment_method" || m.prompt.ListHead() != "operators" {
		t.Fatalf("after tab: %q, list %q", v, m.prompt.ListHead())
	}
	hit(m, "tab")
	if v := m.prompt.Value(); v != "deployment_method=" {
		t.Fatalf("after second tab: %q", v)
	}
	if got := labels(m); !reflect.DeepEqual(got, []string{"docker|812", "native|378"}) {
		t.Fatalf("value completions %q (note %q)", got, m.prompt.ListNote())
	}
	asked := src.ValuesAsked()
	if len(asked) != 1 || asked[0].Key != "deployment_method" || asked[0].Limit != valuesLimit {
		t.Fatalf("values asked: %+v", asked)
	}
	hit(m, "down")
	hit(m, "up")
	hit(m, "tab")
	if v := m.prompt.Value(); v != "deployment_method=docker" {
		t.Fatalf("after third tab: %q", v)
	}
	calls := src.Calls()
	hit(m, "enter") // the prompt emits the filter; the root adds it and polls
	if m.prompt.Active() || len(m.filters) != 1 || m.filters[0].String() != "deployment_method=docker" {
		t.Fatalf("enter: prompt open %v filters %v", m.prompt.Active(), m.filters)
	}
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
	if got := labels(m); !reflect.DeepEqual(got, []string{"4.2.1|9,120", "4.2.0|5,030", "4.3.0|610"}) {
		t.Fatalf("list item completions %q", got)
	}
	hit(m, "down")
	hit(m, "down")
	hit(m, "enter") // a chosen completion goes in first; the list is not closed yet
	if v, e := m.prompt.Value(), first(promptErr(m)); v != "app_version in (4.2.0, 4.3.0" || e != "" {
		t.Fatalf("enter on a walked completion: %q err %q", v, e)
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
	if !m.prompt.Active() || len(m.filters) != 0 || src.Calls() != calls {
		t.Fatal("a bad filter must not be applied")
	}
	if e, col := promptErr(m); e != "expected , or ) in the list; quote values that contain spaces" || col != 8 {
		t.Fatalf("error %q at %d", e, col)
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
	if e, _ := promptErr(m); e != "" {
		t.Fatal("editing should clear the error")
	}
	hit(m, "esc")
	if m.prompt.Active() || len(m.filters) != 0 {
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
	if !m.picker.Active() || len(m.picker.Items()) != 2 {
		t.Fatalf("picker: %+v", m.picker.Items())
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
	if m.picker.Active() {
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
	if m.prompt.Active() || !strings.Contains(m.status, "no filters to save") {
		t.Fatal("S without filters should say there is nothing to save")
	}
	hit(m, "/")
	typeText(m, `environment="self hosted"`)
	hit(m, "enter")
	hit(m, "S")
	if !m.prompt.Active() || m.prompt.Kind() != prompt.Name {
		t.Fatal("S should ask for a name")
	}
	hit(m, "enter")
	if e, _ := promptErr(m); e != "give the cohort a name" {
		t.Fatalf("empty name: %q", e)
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
	if !m.prompt.Active() || m.prompt.Kind() != prompt.Overwrite || !strings.Contains(ansi.Strip(screen(m)), `cohort "Self hosted" is saved already: overwrite it? y/n`) {
		t.Fatal("a taken name should ask before overwriting")
	}
	hit(m, "n")
	if !m.prompt.Active() || m.prompt.Kind() != prompt.Name {
		t.Fatal("n goes back to the name")
	}
	hit(m, "enter")
	hit(m, "y")
	if len(saved) != 2 || !overwrites[1] {
		t.Fatalf("overwrite: %v", overwrites)
	}
	hit(m, "c")
	if len(m.picker.Items()) != 3 || m.picker.Items()[2].Name != "Self hosted" {
		t.Fatalf("picker after saving: %+v", m.picker.Items())
	}
	hit(m, "esc")
	m2, _ := started(t, Options{Filters: m.filters})
	hit(m2, "S")
	if m2.prompt.Active() || !strings.Contains(m2.status, "needs a config file") || !m2.statusErr {
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
	typeText(m, "environment")
	// Type = without running the values lookup it starts, then tab, then
	// answer.
	load := send(m, keyMsg("="))
	if m.prompt.ListNote() != "loading…" {
		t.Fatalf("note %q", m.prompt.ListNote())
	}
	hit(m, "tab")
	settle(m, load)
	if v := m.prompt.Value(); v != "environment=self hosted" {
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
