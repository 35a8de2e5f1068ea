package embedded

import (
	"fmt"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// TestPanesDecodeTheirRange: in a fresh process, a 24h pane that reads
// install ids, a breakdown and a Where filter on event properties decodes
// the saved chunks of its day, not the month's, and answers as the SQL
// engine does; a new-installations pane reads all history, which defines
// it.
func TestPanesDecodeTheirRange(t *testing.T) {
	withChunkSize(t, 16)
	s := openTest(t)
	var evs []Event
	for d := range 30 {
		for h := 0; h < 24; h += 3 {
			for k := range 4 {
				ts := clock0.Add(-time.Duration(30-d)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(k)*time.Minute)
				evs = append(evs, Event{Name: "telemetry.health", DistinctID: fmt.Sprintf("u%d", k), Timestamp: ts,
					Properties: M{"install_id": fmt.Sprintf("i%d-%d", k, (d+1)/10), "app_version": "1.0",
						"plan": []string{"free", "pro", "team"}[(k+d)%3]}})
			}
		}
	}
	mustIngest(t, s, evs...)
	s = reopen(t, s)
	rg, err := datasource.ParseRange("24h", clock0)
	if err != nil {
		t.Fatal(err)
	}
	pane := func(m datasource.Measure, where string) datasource.PaneQuery {
		spec := datasource.PaneSpec{ID: string(m), Events: []string{"@heartbeat"}, Measure: m,
			Breakdown: []string{"plan"}, Chart: datasource.ChartTable,
			Columns: []string{datasource.ColumnUsers}}
		pq, err := datasource.ResolvePane(spec, rg, rg.To)
		if err != nil {
			t.Fatal(err)
		}
		f, err := datasource.ParseFilter(where)
		if err != nil {
			t.Fatal(err)
		}
		pq.Where = []datasource.Filter{f}
		return pq
	}
	q := datasource.Query{Range: rg, PanesOnly: true,
		Panes: []datasource.PaneQuery{pane(datasource.MeasureInstallations, "event.plan!=team")}}
	snap := sameOnBoth(t, s, "24h pane", snapOn(s, q))
	if p := snap.Panes[0]; p.Total == 0 || len(p.Groups) != 2 {
		t.Fatalf("the day's pane is %+v", p)
	}
	if n := s.idx.DecodedEvents(); n == 0 || n > len(evs)/10 {
		t.Fatalf("a 24h pane decoded %d of %d events", n, len(evs))
	}
	q.Panes = []datasource.PaneQuery{pane(datasource.MeasureNewInstallations, "event.plan!=free")}
	if snap := sameOnBoth(t, s, "new installations", snapOn(s, q)); snap.Panes[0].Total == 0 {
		t.Fatal("no new installation in the last day")
	}
	if n := s.idx.DecodedEvents(); n != len(evs) {
		t.Fatalf("new installations decoded %d of %d events", n, len(evs))
	}
}

// reopen closes s and opens its file again with the test clock, as a new
// process would; the test's cleanup closes the new one.
func reopen(t *testing.T, s *Store) *Store {
	t.Helper()
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
