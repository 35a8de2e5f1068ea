package posthog

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// paneQueries resolves specs for a query range.
func paneQueries(t testing.TB, specs []datasource.PaneSpec, r datasource.Range) []datasource.PaneQuery {
	t.Helper()
	d := datasource.Dashboard{Name: "test", Panes: specs}
	pqs, err := d.Queries(r, diffNow)
	if err != nil {
		t.Fatal(err)
	}
	return pqs
}

// paneCase is one query of the pane tests with the reference's answer.
type paneCase struct {
	name      string
	q         datasource.Query
	panesOnly bool
	want      []datasource.PaneFigures
}

// paneCustom is the custom range of the pane tests (not on a whole hour).
var paneCustom = datasource.Range{Name: "custom", From: time.Date(2026, 3, 20, 6, 0, 0, 250e6, time.UTC),
	To: time.Date(2026, 3, 21, 6, 0, 0, 250e6, time.UTC), Step: time.Hour}

// paneCases are the queries of the pane tests: the panes of both built-in
// dashboards (config/builtin/dashboards.yaml) and extraPanes, over the
// presets and custom ranges, under cohorts and zones, each with the
// answer refPane computes from the events. It checks that the data set
// exercises every pane, Other of every measure, and NotNarrowed.
func paneCases(t *testing.T, ref *refData) []paneCase {
	t.Helper()
	person := func(k string, op datasource.Op, vs ...string) datasource.Filter {
		return datasource.Filter{Scope: datasource.ScopePerson, Key: k, Op: op, Values: vs}
	}
	event := func(k string, op datasource.Op, vs ...string) datasource.Filter {
		return datasource.Filter{Scope: datasource.ScopeEvent, Key: k, Op: op, Values: vs}
	}
	cohorts := [][]datasource.Filter{
		nil,
		{person("deployment_method", datasource.OpEq, "docker")},
		{person("is_admin", datasource.OpEq, "true"), person("auth_method", datasource.OpEq, "oidc")},
		{event("app_version", datasource.OpNeq, "4.9.0"), person("current_platform", datasource.OpNotIn, "Windows")},
	}
	type set struct {
		name      string
		specs     []datasource.PaneSpec
		panesOnly bool
	}
	var sets []set
	for _, d := range builtinDashboards(t) {
		sets = append(sets, set{name: d.Name, specs: d.Panes})
	}
	sets = append(sets, set{name: "extra", specs: extraPanes(), panesOnly: true},
		set{name: "extra with figures", specs: extraPanes()}) // own ranges in the figures' scan
	var ranges []datasource.Range
	for _, name := range []string{"24h", "30d", "1h"} {
		r, _ := datasource.ParseRange(name, diffNow)
		ranges = append(ranges, r)
	}
	ranges = append(ranges, paneCustom, datasource.Range{Name: "custom", From: paneCustom.From, To: paneCustom.To})
	zones := []string{"UTC", "Asia/Kathmandu", "Europe/Berlin", "America/New_York"}
	var out []paneCase
	nonzero := map[string]bool{}
	for ri, r := range ranges {
		for fi, fs := range cohorts {
			if ri >= 2 && fi%2 == 1 { // the other ranges: half the cohorts (runtime)
				continue
			}
			for _, set := range sets {
				if set.name == "extra with figures" && (ri+fi)%2 == 1 { // runtime
					continue
				}
				q := datasource.Query{Range: r, TZ: zones[(ri+fi)%len(zones)], Filters: fs,
					Panes: paneQueries(t, set.specs, r), PanesOnly: set.panesOnly}
				c := paneCase{name: fmt.Sprintf("%s %s %s %v", set.name, r.Label(), q.TZ, datasource.FilterStrings(fs)),
					q: q, panesOnly: set.panesOnly, want: make([]datasource.PaneFigures, len(q.Panes))}
				loc := mustLoc(t, q)
				for i, pq := range q.Panes {
					w := ref.refPane(pq, fs, loc)
					c.want[i] = w
					nonzero[pq.Spec.ID] = nonzero[pq.Spec.ID] || w.Total != 0
					if w.OtherGroups > 0 && w.Other > 0 {
						nonzero["other "+string(pq.Spec.EffectiveMeasure())] = true
					}
					if len(w.NotNarrowed) > 0 {
						nonzero["not narrowed"] = true
					}
				}
				out = append(out, c)
			}
		}
	}
	for _, set := range sets {
		for _, p := range set.specs {
			if !p.Builtin() && !nonzero[p.ID] {
				t.Errorf("pane %s (%s) is zero in every run: the data set does not exercise it", p.ID, set.name)
			}
		}
	}
	for _, k := range []string{"other events", "other users", "other installations", "other per_installation", "not narrowed"} {
		if !nonzero[k] {
			t.Errorf("no run has %s: the data set does not exercise it", k)
		}
	}
	return out
}

// TestPanesEmbedded runs the pane cases on the embedded store and
// compares every figure with the reference (refPane); it needs no
// ClickHouse. Each case is one Snapshot.
func TestPanesEmbedded(t *testing.T) {
	evs, persons := paneFleet(paneCustom)
	st := loadEmbedded(t, evs)
	ref := newRefData(evs, persons, datasource.DefaultMapping())
	ctx := context.Background()
	for _, c := range paneCases(t, ref) {
		t.Run(c.name, func(t *testing.T) {
			got, err := st.Snapshot(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			samePanes(t, "embedded", got.Panes, "reference", c.want)
			if c.panesOnly && (got.Installs.Active != 0 || got.Totals.Events != 0) {
				t.Errorf("PanesOnly answered built-in figures: %+v %+v", got.Totals, got.Installs)
			}
		})
	}
}

// TestPanesOnClickHouse runs the pane cases on ClickHouse (the statement
// as PostHog's printer would hand it over) over the same events, one
// request per Snapshot, and compares every figure with the reference, the
// built-in figures with the embedded store's, and then every pane with
// the embedded store's.
func TestPanesOnClickHouse(t *testing.T) {
	ch := startClickHouse(t)
	evs, persons := paneFleet(paneCustom)
	st := loadBoth(t, ch, evs, persons)
	fake := newFakePostHog(t)
	answerFrom(t, fake, ch, nil)
	s := testSource(t, fake.URL, WithClock(func() time.Time { return diffNow }))
	ref := newRefData(evs, persons, s.o.mapping)
	ctx := context.Background()
	cases := paneCases(t, ref)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fake.Count()
			got, err := s.Snapshot(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if n := fake.Count() - before; n != 1 {
				t.Errorf("%d requests for one snapshot", n)
			}
			samePanes(t, "ClickHouse", got.Panes, "reference", c.want)
			if !c.panesOnly {
				sameFigures(t, got, perFamily(t, st, s.o.mapping, c.q))
			} else if got.Installs.Active != 0 || got.Totals.Events != 0 {
				t.Errorf("PanesOnly answered built-in figures: %+v %+v", got.Totals, got.Installs)
			}
		})
	}
	// The embedded store on the same data, the same queries.
	t.Run("embedded", func(t *testing.T) {
		for _, c := range cases {
			want, err := st.Snapshot(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Snapshot(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			samePanes(t, "ClickHouse", got.Panes, "embedded", want.Panes)
		}
	})
}

// samePanes reports each pane (and field) that differs.
func samePanes(t *testing.T, gotName string, got []datasource.PaneFigures, wantName string, want []datasource.PaneFigures) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d panes from %s, %d from %s", len(got), gotName, len(want), wantName)
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		if reflect.DeepEqual(g, w) {
			continue
		}
		gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
		for f := range gv.NumField() {
			if !reflect.DeepEqual(gv.Field(f).Interface(), wv.Field(f).Interface()) {
				t.Errorf("pane %s %s:\n%-10s %+v\n%-10s %+v", w.ID, gv.Type().Field(f).Name,
					gotName, gv.Field(f).Interface(), wantName, wv.Field(f).Interface())
			}
		}
	}
}
