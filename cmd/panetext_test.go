package cmd

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// TestPaneTextCharts: each chart prints compactly what it draws: a number
// its series, a line one sparkline per group, $hour the 24 hours, a table
// its columns, and a pane past its limit the rest as "other".
func TestPaneTextCharts(t *testing.T) {
	r := datasource.CustomRange(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 4, 0, 0, 0, time.UTC))
	pts := func(vs ...float64) []datasource.Point {
		out := make([]datasource.Point, len(vs))
		for i, v := range vs {
			out[i].V = v
		}
		return out
	}
	hours := make([]datasource.Group, 24)
	for h := range hours {
		hours[h] = datasource.Group{Key: []string{time.Duration(h).String()}, Value: float64(h % 8)}
	}
	seen := time.Date(2026, 11, 3, 1, 30, 0, 0, time.UTC)
	tests := []struct {
		spec datasource.PaneSpec
		figs datasource.PaneFigures
		want []string
	}{
		{datasource.PaneSpec{ID: "dau", Events: []string{"*"}, Measure: "users"},
			datasource.PaneFigures{Total: 1234, Series: pts(1, 2, 4, 8)},
			[]string{"\ndau\n  users of *\n  1,234 users\n  ▂▃▅█  per 5m\n"}},
		{datasource.PaneSpec{ID: "features", Events: []string{"*"}, Breakdown: []string{"$category"}, Chart: "line"},
			datasource.PaneFigures{Total: 30, Series: pts(0, 10, 20, 0), Groups: []datasource.Group{{Key: []string{"timer"}, Value: 20, Series: pts(0, 5, 15, 0)}}},
			[]string{"  30 events\n  ▁▅█▁  per 5m\n  timer        20  ▁▃█▁\n"}},
		{datasource.PaneSpec{ID: "by_hour", Events: []string{"@timers"}, Breakdown: []string{"$hour"}},
			datasource.PaneFigures{Total: 84, Groups: hours},
			[]string{"  84 events\n  00 ▁▂▃▄▅▆▇█▁▂▃▄▅▆▇█▁▂▃▄▅▆▇█ 23\n"}},
		{datasource.PaneSpec{ID: "errs", Events: []string{"@errors"}, Breakdown: []string{"error_type"}, Chart: "table", Columns: []string{"installations", "first_seen", "versions"}, Limit: 1},
			datasource.PaneFigures{Total: 9, Groups: []datasource.Group{{Key: []string{"ValueError"}, Value: 7, Installations: 3, FirstSeen: seen, Versions: []string{"4.9.1", "4.9.0"}}}, Other: 2, OtherGroups: 2, NotNarrowed: []string{"current_platform=Linux"}},
			[]string{"  not narrowed by current_platform=Linux: the figures are the whole fleet's\n",
				"  ValueError         7  3 installations  first 2026-11-03 01:30  versions 4.9.1, 4.9.0\n",
				"  other              2  (2 more groups)\n"}},
		{datasource.PaneSpec{ID: "none", Events: []string{"x"}, Breakdown: []string{"k"}},
			datasource.PaneFigures{},
			[]string{"  0 events\n  (no groups in range)\n"}},
	}
	for _, tt := range tests {
		tt.figs.ID = tt.spec.ID
		s := &datasource.Snapshot{Query: datasource.Query{Range: r}, Panes: []datasource.PaneFigures{tt.figs}}
		var out bytes.Buffer
		writePaneText(&out, s, datasource.PaneQuery{Spec: tt.spec, Range: r})
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s lacks %q:\n%s", tt.spec.ID, w, out.String())
			}
		}
	}
	var out bytes.Buffer
	writePaneText(&out, &datasource.Snapshot{Query: datasource.Query{Range: r}}, datasource.PaneQuery{Spec: datasource.PaneSpec{ID: "x", Events: []string{"x"}}, Range: r})
	if !strings.Contains(out.String(), "(no figures: the source did not answer this pane)") {
		t.Errorf("unanswered pane:\n%s", out.String())
	}
}
