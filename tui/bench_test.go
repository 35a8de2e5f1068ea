package tui

import (
	"fmt"
	"testing"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// BenchmarkView measures a full-screen frame in 256 colours, as the
// running program makes them (Bubble Tea calls View once after every
// Update):
//   - idle: a message that changes nothing on screen (a stale status
//     timeout), then the frame: every pane's cached string is reused;
//   - cold: every pane and the chrome drawn from scratch;
//   - onepane: a new snapshot changes one pane (timers) and the frame is
//     drawn: the other panes' cached strings are reused;
//   - poll: a new snapshot changes every pane and the frame is drawn.
//
// go test ./tui -run '^$' -bench View -benchmem
func BenchmarkView(b *testing.B) {
	for _, sz := range [][2]int{{120, 40}, {200, 60}} {
		name := fmt.Sprintf("%dx%d", sz[0], sz[1])
		b.Run(name+"/idle", func(b *testing.B) {
			m := benchModel(b, sz[0], sz[1])
			_ = m.View()
			b.ReportAllocs()
			for b.Loop() {
				m.Update(statusClearMsg{id: -1})
				_ = m.View()
			}
		})
		b.Run(name+"/cold", func(b *testing.B) {
			m := benchModel(b, sz[0], sz[1])
			b.ReportAllocs()
			for b.Loop() {
				m.Update(panes.RestyleMsg{})
				_ = m.View()
			}
		})
		b.Run(name+"/onepane", func(b *testing.B) {
			m := benchModel(b, sz[0], sz[1])
			a, c := fixture(m), fixture(m)
			c.Timers.ByHour[5]++
			c.Timers.Total++
			snaps := [2]*datasource.Snapshot{a, c}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				feed(m, snaps[i%2])
				_ = m.View()
				i++
			}
		})
		b.Run(name+"/poll", func(b *testing.B) {
			m := benchModel(b, sz[0], sz[1])
			snaps := twoSnapshots(m)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				feed(m, snaps[i%2])
				_ = m.View()
				i++
			}
		})
	}
}

func benchModel(b *testing.B, w, h int) *Model {
	m := newTest(b, &tuitest.Source{}, Options{Profile: ansi256}, w, h)
	feed(m, fixture(m))
	return m
}

// twoSnapshots differ in every pane, so alternating them redraws all four.
func twoSnapshots(m *Model) [2]*datasource.Snapshot {
	a, c := fixture(m), fixture(m)
	c.Installs.Active++
	c.Installs.Series[3].V++
	c.Versions[0].Installs++
	c.Errors.Total++
	c.Timers.ByHour[5]++
	return [2]*datasource.Snapshot{a, c}
}
