package panes

import (
	"fmt"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// BenchmarkDrillRender measures a full redraw (new data) of the two
// biggest drill views at 120x38 in 256 colours: the installations table
// with 1,000 rows and the recent errors with 200. An idle View is a
// cached string; only new data or a key pays this.
func BenchmarkDrillRender(b *testing.B) {
	com := testCommon(ansi256, false)
	now := com.Clock()
	rows := make([]datasource.Installation, installsLimit)
	for i := range rows {
		rows[i] = datasource.Installation{ID: fmt.Sprintf("%064x", i*7919), Version: fmt.Sprintf("4.%d.%d", i%10, i%3),
			Platform: "Linux", Deployment: "docker", LastSeen: now.Add(-time.Duration(i) * time.Minute), Heartbeats: int64(i)}
	}
	evs := make([]datasource.Event, errorsLimit)
	for i := range evs {
		evs[i] = datasource.Event{UUID: fmt.Sprint(i), Time: now.Add(-time.Duration(i) * time.Minute), Name: "error_occurred",
			Properties: map[string]any{"app_version": "4.9.1", "error_type": "OperationalError", "error_message": "database is locked while writing time entries"}}
	}
	for _, tc := range []struct {
		name string
		d    Drill
		msg  DrillDataMsg
	}{
		{"installs-1000", NewInstallsDrill(com, KeyMap{}), DrillDataMsg{Installations: rows}},
		{"errors-200", NewErrorsDrill(com, KeyMap{}), DrillDataMsg{Events: evs}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tc.d.SetSize(120, 38)
			tc.d.Focus()
			b.ReportAllocs()
			for b.Loop() {
				tc.d.Update(tc.msg)
				_ = tc.d.View()
			}
		})
	}
}
