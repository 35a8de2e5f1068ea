package tui

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// fillingSource is a source whose history is still arriving (a demo's
// store during its backfill) and says how far it is.
type fillingSource struct {
	datasource.Wrapper
	note atomic.Value // string
}

func (f *fillingSource) Filling() string { return f.note.Load().(string) }

// TestFillingSourcePollsEverySecond: while a source's history arrives the
// monitor polls it every second and its header says how far the history
// is; once it is in, polls go back to the interval.
func TestFillingSourcePollsEverySecond(t *testing.T) {
	src := &fillingSource{Wrapper: datasource.Wrap(&tuitest.Source{})}
	src.note.Store("demo backfill 40%")
	m := newTest(t, src, Options{}, 120, 40)
	res, _ := find[snapshotMsg](collect(m.Init()))
	_, cmd := m.Update(res)
	tick, d, ok := findLater[pollTickMsg](collect(cmd))
	if !ok || d != time.Second {
		t.Fatalf("next poll in %v while the history arrives, want 1s", d)
	}
	if head := strings.Split(screen(m), "\n")[0]; !strings.Contains(head, "every 1s · demo backfill 40%") {
		t.Errorf("header while filling: %q", head)
	}
	src.note.Store("")
	_, cmd = m.Update(tick)
	res, _ = find[snapshotMsg](collect(cmd))
	_, cmd = m.Update(res)
	if _, d, _ := findLater[pollTickMsg](collect(cmd)); d != DefaultInterval {
		t.Errorf("next poll in %v once the history is in, want %v", d, DefaultInterval)
	}
	if head := strings.Split(screen(m), "\n")[0]; strings.Contains(head, "backfill") {
		t.Errorf("header once filled: %q", head)
	}
}

// TestFillingShownWhenNarrow: at 80 columns, and narrower, the header
// still says the history is arriving (the source and the interval give
// way first): figures of half a backfill must not read as the fleet's.
func TestFillingShownWhenNarrow(t *testing.T) {
	for _, w := range []int{120, 80, 64} {
		src := &fillingSource{Wrapper: datasource.Wrap(&tuitest.Source{})}
		src.note.Store("demo backfill 40%")
		m := newTest(t, src, Options{Interval: time.Second}, w, 24)
		res, _ := find[snapshotMsg](collect(m.Init()))
		m.Update(res)
		if head := strings.Split(screen(m), "\n")[0]; !strings.Contains(head, "demo backfill 40%") {
			t.Errorf("%d columns, polling every second: header %q", w, head)
		}
	}
}
