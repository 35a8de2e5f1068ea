package posthog

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// TestPaneRowsRead reads pane rows as PostHog returns them (64-bit
// integers quoted or not, versions as arrays) into PaneFigures: totals,
// series, groups ranked with ties by key, a line's group series, table
// columns, Other, $hour's 24 groups, a rate's Num/Den, and what the pane
// could not narrow. It needs no ClickHouse.
func TestPaneRowsRead(t *testing.T) {
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)
	r, _ := datasource.ParseRange("1h", now)
	specs := []datasource.PaneSpec{
		{ID: "users", Events: []string{"*"}, Measure: datasource.MeasureUsers, Breakdown: []string{"$category"}, Chart: datasource.ChartLine, Limit: 2},
		{ID: "table", Events: []string{"@errors"}, Breakdown: []string{"error_type", "$event"}, Chart: datasource.ChartTable,
			Columns: []string{"installations", "first_seen", "versions"}},
		{ID: "hours", Events: []string{"@timers"}, Breakdown: []string{"$hour"}},
		{ID: "rate", Events: []string{"@errors"}, Measure: datasource.MeasurePerInstallation, Breakdown: []string{"app_version"}},
	}
	pqs, err := datasource.Dashboard{Panes: specs}.Queries(r, now)
	if err != nil {
		t.Fatal(err)
	}
	fake := newFakePostHog(t)
	first, last := now.Add(-50*time.Minute).UnixMilli(), now.Add(-time.Minute).UnixMilli()
	row := func(pane, kind int, k, k2 string, b int, n, inst, users, den, v7, v8 any, vk []string, vn []any) []any {
		if vk == nil {
			vk, vn = []string{}, []any{}
		}
		return []any{"pane", k, k2, b, pane, kind, n, inst, users, den, v7, v8, vk, vn}
	}
	fake.Answer = func(q fakeQuery) ([]string, [][]any) {
		return []string{"tag", "k", "k2", "b", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "vk", "vn"}, [][]any{
			row(0, rowTotal, "", "", -1, 40, 0, "9", 0, 0, 0, nil, nil),
			row(0, rowSeries, "", "", 3, 5, 0, 4, 0, 0, 0, nil, nil),
			row(0, rowGroup, "timer", "", -1, 20, 0, 6, 0, 0, 0, nil, nil),
			row(0, rowGroup, "auth", "", -1, 3, 0, 6, 0, 0, 0, nil, nil),
			row(0, rowGroupSeries, "timer", "", 59, 2, 0, 1, 0, 0, 0, nil, nil),
			row(0, rowOther, "", "", -1, 7, 4, 3, 0, 0, 0, nil, nil),
			row(1, rowTotal, "", "", -1, 12, 0, 0, 0, 0, 0, nil, nil),
			row(1, rowGroup, "Timeout", "$exception", -1, 12, 3, 0, 0, first, last, []string{"4.9.0", "4.10.0", "4.9.1"}, []any{"2", 9, 1}),
			row(2, rowTotal, "", "", -1, 8, 0, 0, 0, 0, 0, nil, nil),
			row(2, rowGroup, "7", "", -1, 8, 0, 0, 0, 0, 0, nil, nil),
			row(3, rowTotal, "", "", -1, 10, 0, 0, 4, 0, 0, nil, nil),
			row(3, rowGroup, "4.9.1", "", -1, 6, 0, 0, 2, 0, 0, nil, nil),
			row(3, rowGroup, "unknown", "", -1, 4, 0, 0, 0, 0, 0, nil, nil),
			row(3, rowOther, "", "", -1, 0, 0, 0, 0, 0, 0, nil, nil),
		}
	}
	s := testSource(t, fake.URL)
	admins := datasource.Filter{Scope: datasource.ScopePerson, Key: "is_admin", Op: datasource.OpEq, Values: []string{"true"}}
	snap, err := s.Snapshot(context.Background(), datasource.Query{Range: r, Filters: []datasource.Filter{admins}, Panes: pqs, PanesOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	series := func(vs map[int]float64) []datasource.Point {
		s := r.EmptySeries()
		for i, v := range vs {
			s[i].V = v
		}
		return s
	}
	hours := make([]datasource.Group, 24)
	for h := range hours {
		hours[h].Key = []string{[]string{"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14",
			"15", "16", "17", "18", "19", "20", "21", "22", "23"}[h]}
	}
	hours[7].Value = 8
	want := []datasource.PaneFigures{
		{ID: "users", Range: r, Total: 9, Series: series(map[int]float64{3: 4}), Other: 4, OtherGroups: 3, Groups: []datasource.Group{
			{Key: []string{"auth"}, Value: 6, Series: series(nil)}, {Key: []string{"timer"}, Value: 6, Series: series(map[int]float64{59: 1})}}},
		{ID: "table", Range: r, Total: 12, Series: series(nil), Groups: []datasource.Group{{Key: []string{"Timeout", "$exception"}, Value: 12,
			Installations: 3, FirstSeen: time.UnixMilli(first).UTC(), Versions: []string{"4.10.0", "4.9.0", "4.9.1"}}}},
		{ID: "hours", Range: r, Total: 8, Series: series(nil), Groups: hours},
		{ID: "rate", Range: r, Total: 2.5, Num: 10, Den: 4, Series: series(nil), NotNarrowed: []string{"person.is_admin=true"},
			Groups: []datasource.Group{{Key: []string{"4.9.1"}, Value: 3, Num: 6, Den: 2}, {Key: []string{"unknown"}, Num: 4}}},
	}
	for i := range want {
		if !reflect.DeepEqual(snap.Panes[i], want[i]) {
			t.Errorf("pane %s:\ngot  %+v\nwant %+v", want[i].ID, snap.Panes[i], want[i])
		}
	}
	if fake.Count() != 1 || !fake.Last().Body.Has(" AS vn") || fake.Last().Body.Has("'tot'") {
		t.Errorf("%d requests; PanesOnly must send the panes alone:\n%s", fake.Count(), fake.Last().Body.Query.Query)
	}
}

// TestFakeWithoutPanes: a fake PostHog written for the built-in figures
// alone answers a snapshot with panes, every pane zero and the figures as
// it answered them.
func TestFakeWithoutPanes(t *testing.T) {
	fake := newFakePostHog(t)
	fake.Answer = func(fakeQuery) ([]string, [][]any) {
		return []string{"tag", "k", "b", "v1", "v2", "v3", "v4"}, [][]any{{"tot", "", 0, 1280, 42, 3, 77}, {"ver", "4.9.1", 0, 42, 0, 0, 0}}
	}
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)
	r, _ := datasource.ParseRange("24h", now)
	q := datasource.Query{Range: r}
	q.Panes, _ = builtinDashboards(t)[0].Queries(r, now)
	snap, err := testSource(t, fake.URL).Snapshot(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Installs.Active != 42 || len(snap.Panes) != len(q.Panes) || snap.Panes[0].Total != 0 || len(snap.Panes[0].Series) != 24 {
		t.Errorf("installs %d, panes %d of %d: %+v", snap.Installs.Active, len(snap.Panes), len(q.Panes), snap.Panes)
	}
}
