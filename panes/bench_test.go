package panes

import (
	"fmt"
	"testing"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// BenchmarkPaneUpdate is one pane taking a new snapshot and drawing it, at
// its size in the 2x2 grid of a 120x40 and a 200x60 terminal, in 256
// colours: the work one refresh costs per pane.
//
// go test ./panes -run '^$' -bench PaneUpdate -benchmem
func BenchmarkPaneUpdate(b *testing.B) {
	com := testCommon(ansi256, false)
	q := tuitest.Query("24h")
	a, c := tuitest.Snapshot(q), tuitest.Snapshot(q)
	c.Installs.Active++
	c.Installs.Series[3].V++
	c.Versions[0].Installs++
	c.Errors.Total++
	c.Timers.ByHour[5]++
	snaps := [2]*datasource.Snapshot{a, c}
	for _, sz := range [][2]int{{60, 19}, {100, 29}} { // grid cells of 120x40 and 200x60
		for _, p := range allPanes(com, "24h") {
			b.Run(fmt.Sprintf("%dx%d/%s", sz[0], sz[1], p.Title()), func(b *testing.B) {
				p.SetSize(sz[0], sz[1])
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					p.Update(DataMsg{Snapshot: snaps[i%2]})
					_ = p.View()
					i++
				}
			})
		}
	}
}
