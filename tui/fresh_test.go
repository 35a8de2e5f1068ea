package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestHeaderShowsLastFetch: on a quiet fleet every poll brings the same
// figures; the header's ↻ time is that of the last good fetch (not of
// the last change, which it names as such), and a failed poll does not
// move it.
func TestHeaderShowsLastFetch(t *testing.T) {
	clock := newFakeClock()
	m := newTest(t, &stepSource{}, Options{Clock: clock.now}, 120, 40)
	start := clock.now()
	snap := fixture(m)
	feed(m, snap)
	clock.add(4 * time.Minute)
	feed(m, snap) // the same figures, four minutes later
	head := ansi.Strip(strings.Split(screen(m), "\n")[0])
	fetched, changed := clock.now().Format("15:04:05"), start.Format("15:04:05")
	if !strings.Contains(head, "↻ "+fetched+" in 12ms · every 5s") || !strings.Contains(head, "changed "+changed) {
		t.Fatalf("the header should say fetched %s, changed %s:\n%s", fetched, changed, head)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if head := ansi.Strip(strings.Split(screen(m), "\n")[0]); !strings.Contains(head, "↻ "+fetched) {
		t.Fatalf("at 80 columns the header should keep the fetch time %s:\n%s", fetched, head)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})

	clock.add(time.Minute)
	m.poll.fetch(m.query(), job{})
	m.Update(snapshotMsg{seq: m.poll.seq, err: errNoSnapshot, took: time.Millisecond})
	if head := ansi.Strip(strings.Split(screen(m), "\n")[0]); !strings.Contains(head, "↻ "+fetched) || !strings.Contains(head, "POLL FAILED") {
		t.Fatalf("a failed poll moved the fetch time:\n%s", head)
	}

	clock.add(time.Minute)
	next := *snap
	next.Installs.Active++
	snap = &next
	feed(m, snap)
	head = ansi.Strip(strings.Split(screen(m), "\n")[0])
	if now := clock.now().Format("15:04:05"); !strings.Contains(head, "↻ "+now) || strings.Contains(head, "changed") {
		t.Fatalf("new figures: the header should say ↻ %s and nothing about a change:\n%s", now, head)
	}
}
