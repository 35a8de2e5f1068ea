package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/tui/tuitest"
)

// started returns a model that has shown the fixture and is idle, with the
// next poll scheduled.
func started(t *testing.T, o Options) (*Model, *tuitest.Source) {
	t.Helper()
	src := &tuitest.Source{}
	m := newTest(t, src, o, 120, 40)
	feed(m, fixture(m))
	return m, src
}

func TestFocusKeys(t *testing.T) {
	m, _ := started(t, Options{})
	d := dash(m)
	for _, tc := range []struct {
		key  string
		want int
	}{
		{"tab", 1}, {"tab", 2}, {"tab", 3}, {"tab", 0}, {"shift+tab", 3}, {"shift+tab", 2},
		{"i", 0}, {"u", 3}, {"v", 1}, {"e", 2},
	} {
		press(m, tc.key)
		if d.focus != tc.want {
			t.Fatalf("after %q focus = %d, want %d", tc.key, d.focus, tc.want)
		}
		for i, p := range d.panes {
			if p.Focused() != (i == tc.want) {
				t.Fatalf("after %q pane %d focused = %v", tc.key, i, p.Focused())
			}
		}
	}
}

func TestZoomKey(t *testing.T) {
	m, _ := started(t, Options{})
	d := dash(m)
	press(m, "v")
	press(m, "z")
	if !d.zoomed || d.lay.mode != modeZoom || d.lay.rects[1] != (rect{0, 0, 120, 38}) {
		t.Fatalf("z: zoomed=%v mode=%v rect=%v", d.zoomed, d.lay.mode, d.lay.rects[1])
	}
	if !strings.Contains(screen(m), "Versions") || strings.Contains(screen(m), "Timer usage") {
		t.Fatal("zoomed view should show only the focused pane")
	}
	press(m, "tab") // focus moves; the zoom follows it
	if d.focus != 2 || d.lay.rects[2].w != 120 {
		t.Fatalf("tab while zoomed: focus=%d rect=%v", d.focus, d.lay.rects[2])
	}
	press(m, "z")
	if d.zoomed || d.lay.mode != modeGrid {
		t.Fatal("second z should unzoom")
	}
	press(m, "z")
	press(m, "esc")
	if d.zoomed {
		t.Fatal("esc should unzoom")
	}
}

func TestRangeKey(t *testing.T) {
	m, src := started(t, Options{})
	cmd := press(m, "t")
	if m.rng != "7d" {
		t.Fatalf("range = %q after t from 24h", m.rng)
	}
	msgs := collect(cmd)
	res, ok := find[snapshotMsg](msgs)
	if !ok {
		t.Fatalf("t should poll at once, got %v", msgs)
	}
	if got := src.LastQuery().Range.Name; got != "7d" {
		t.Fatalf("polled range %q", got)
	}
	if _, _, ok := findLater[statusClearMsg](msgs); !ok || !strings.Contains(m.status, "7d") {
		t.Fatalf("status %q", m.status)
	}
	m.Update(res)
	if m.snap.Query.Range.Name != "7d" {
		t.Fatal("the 7d snapshot was not shown")
	}
	for _, want := range []string{"30d", "1h", "24h"} {
		collect(press(m, "t"))
		if m.rng != want {
			t.Fatalf("range = %q, want %q", m.rng, want)
		}
	}
}

// TestRangeWhileInFlight: the result of a poll for the old range is
// dropped, and the new range is polled as soon as it returns.
func TestRangeWhileInFlight(t *testing.T) {
	m, _ := started(t, Options{})
	m.poll.fetch(m.query(), job{}) // a 24h poll is running
	old := m.poll.seq
	if cmd := press(m, "t"); cmd == nil {
		t.Fatal("want a status command")
	}
	if !m.poll.queued {
		t.Fatal("the 7d poll should be queued behind the running one")
	}
	stale := tuitest.Snapshot(tuitest.Query("24h"))
	stale.Installs.Active = 99999
	_, cmd := m.Update(snapshotMsg{seq: old, snap: stale})
	if m.snap.Installs.Active == 99999 {
		t.Fatal("stale 24h result was shown after switching to 7d")
	}
	res, ok := find[snapshotMsg](collect(cmd))
	if !ok || res.snap.Query.Range.Name != "7d" {
		t.Fatalf("queued 7d poll did not run: %+v", res)
	}
}

func TestRefreshKey(t *testing.T) {
	m, src := started(t, Options{})
	gen := m.poll.gen
	msgs := collect(press(m, "r"))
	if _, ok := find[snapshotMsg](msgs); !ok || src.Calls() != 1 {
		t.Fatalf("r should poll now: %v, %d calls", msgs, src.Calls())
	}
	if m.poll.gen == gen {
		t.Fatal("r should supersede the scheduled tick")
	}
	// A tick from before the refresh is ignored.
	if _, cmd := m.Update(pollTickMsg{gen: gen}); cmd != nil {
		t.Fatal("superseded tick polled")
	}
}

// TestRefreshWhileInFlight: r never starts a second poll; it queues one.
func TestRefreshWhileInFlight(t *testing.T) {
	m, _ := started(t, Options{})
	m.poll.fetch(m.query(), job{})
	seq := m.poll.seq
	for range 3 {
		collect(press(m, "r"))
	}
	if m.poll.seq != seq || !m.poll.queued || m.status != "refresh queued" {
		t.Fatalf("seq %d->%d queued=%v status=%q", seq, m.poll.seq, m.poll.queued, m.status)
	}
	_, cmd := m.Update(snapshotMsg{seq: seq, snap: fixture(m), took: time.Millisecond})
	if _, ok := find[snapshotMsg](collect(cmd)); !ok || m.poll.seq != seq+1 {
		t.Fatal("the queued refresh should run once the poll returns")
	}
}

func TestPauseKey(t *testing.T) {
	m, src := started(t, Options{})
	gen := m.poll.gen
	collect(press(m, "p"))
	if !m.poll.paused || !strings.Contains(screen(m), "PAUSED") {
		t.Fatal("p should pause and say so")
	}
	if _, cmd := m.Update(pollTickMsg{gen: gen}); cmd != nil {
		t.Fatal("a tick polled while paused")
	}
	msgs := collect(press(m, "p"))
	if m.poll.paused {
		t.Fatal("second p should resume")
	}
	res, ok := find[snapshotMsg](msgs)
	if !ok || src.Calls() != 1 {
		t.Fatal("resuming should poll at once")
	}
	_, cmd := m.Update(res)
	if _, d, ok := findLater[pollTickMsg](collect(cmd)); !ok || d != 5*time.Second {
		t.Fatalf("after resuming, the next poll should be scheduled in 5s (got %v)", d)
	}
}

func TestIntervalKeys(t *testing.T) {
	m, _ := started(t, Options{})
	for _, tc := range []struct {
		key  string
		want time.Duration
	}{
		// "+" polls more often (a shorter interval), "-" less: as the
		// signs read.
		{"-", 10 * time.Second}, {"-", 15 * time.Second}, {"+", 10 * time.Second},
		{"+", 5 * time.Second}, {"=", 2 * time.Second}, {"+", time.Second}, {"+", time.Second},
	} {
		msgs := collect(press(m, tc.key))
		if m.poll.interval != tc.want {
			t.Fatalf("after %q interval = %v, want %v", tc.key, m.poll.interval, tc.want)
		}
		tick, d, ok := findLater[pollTickMsg](msgs)
		if !ok || d != tc.want || tick.gen != m.poll.gen {
			t.Fatalf("after %q: want the next poll rescheduled in %v, got %v %v", tc.key, tc.want, d, ok)
		}
	}
	if !strings.Contains(m.status, "every 1s") {
		t.Fatalf("status %q", m.status)
	}
}

func TestHelpKey(t *testing.T) {
	m, _ := started(t, Options{})
	press(m, "?")
	if !m.helpView.Active() || !strings.Contains(screen(m), "range: 1h → 24h → 7d → 30d") {
		t.Fatal("? should show the help overlay")
	}
	press(m, "tab") // modal: ignored
	press(m, "t")
	if dash(m).focus != 0 || m.rng != "24h" {
		t.Fatal("keys leaked through the help overlay")
	}
	press(m, "?")
	if m.helpView.Active() {
		t.Fatal("? should close help")
	}
	press(m, "?")
	press(m, "esc")
	if m.helpView.Active() {
		t.Fatal("esc should close help")
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		src := &tuitest.Source{Block: make(chan struct{})}
		m := newTest(t, src, Options{}, 120, 40)
		running := m.Init() // a poll is in flight
		cmd := press(m, k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok || !m.quitting || screen(m) != "" {
			t.Fatalf("%s should quit and clear the screen", k)
		}
		if res := running().(snapshotMsg); !errors.Is(res.err, context.Canceled) {
			t.Fatalf("%s: the running poll was not cancelled: %v", k, res.err)
		}
	}
	m, _ := started(t, Options{})
	press(m, "?")
	if _, ok := press(m, "q")().(tea.QuitMsg); !ok {
		t.Fatal("q should quit from the help overlay too")
	}
}

// TestStrayKeys: keys bound to nothing do nothing (and do not panic).
func TestStrayKeys(t *testing.T) {
	m, _ := started(t, Options{})
	before := screen(m)
	for _, k := range []string{"ä", " ", "esc", "w", "ctrl+z"} {
		if cmd := press(m, k); cmd != nil {
			t.Errorf("%q returned a command", k)
		}
	}
	if screen(m) != before {
		t.Error("stray keys changed the screen")
	}
}

func TestRemappedKeys(t *testing.T) {
	m, _ := started(t, Options{Keys: map[string][]string{"zoom": {"Z"}, "range": {"R"}, "help": {"H", "?"}}})
	press(m, "z")
	if dash(m).zoomed {
		t.Fatal("z still zooms after remapping zoom to Z")
	}
	press(m, "Z")
	if !dash(m).zoomed {
		t.Fatal("Z should zoom")
	}
	collect(press(m, "R"))
	if m.rng != "7d" {
		t.Fatal("R should change the range")
	}
	press(m, "H")
	v := screen(m)
	if !strings.Contains(v, "Z          zoom pane in / out") || !strings.Contains(v, "R    range") {
		t.Fatalf("help does not show the remapped keys:\n%s", v)
	}
	press(m, "H")
	if !strings.Contains(screen(m), "H/? help") || !strings.Contains(screen(m), "Z zoom") {
		t.Fatalf("footer does not show the remapped keys:\n%s", screen(m))
	}
}

func TestKeyMapErrors(t *testing.T) {
	for _, tc := range []struct {
		keys map[string][]string
		want string
	}{
		{map[string][]string{"zoomm": {"z"}}, `"zoomm" is not an action`},
		{map[string][]string{"zoom": {"t"}}, `"t" is bound to both zoom and range`},
		{map[string][]string{"zoom": {}}, "ui.keys.zoom: list at least one key"},
		{map[string][]string{"zoom": {"/"}}, `"/" is bound to both zoom and filter`},
		{map[string][]string{"pause": {"space"}, "refresh": {" "}}, `"space" is bound to both`},
	} {
		_, err := NewKeyMap(tc.keys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewKeyMap(%v) = %v, want error containing %s", tc.keys, err, tc.want)
		}
		if _, err := New(&tuitest.Source{}, Options{Keys: tc.keys}); err == nil {
			t.Errorf("New accepted keys %v", tc.keys)
		}
	}
	km, err := NewKeyMap(map[string][]string{"pause": {"Space"}, "quit": {"Ctrl+Q"}})
	if err != nil || km.Pause.Keys()[0] != "space" || km.Pause.Help().Key != "space" || km.Quit.Keys()[0] != "ctrl+q" {
		t.Fatalf("normalising keys: %v %q %q", err, km.Pause.Keys(), km.Quit.Keys())
	}
	if len(ActionNames()) != len(actions) {
		t.Fatal("ActionNames is incomplete")
	}
}

func TestNewOptionErrors(t *testing.T) {
	for _, o := range []Options{
		{Range: "yesterday"}, {Interval: 10 * time.Millisecond}, {TZ: "Mars/Olympus"}, {Theme: "pink"},
	} {
		if _, err := New(&tuitest.Source{}, o); err == nil {
			t.Errorf("New accepted %+v", o)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New accepted a nil source")
	}
	m, err := New(&tuitest.Source{}, Options{})
	if err != nil || m.poll.interval != DefaultInterval || m.rng != "24h" {
		t.Fatalf("defaults: %v %v %q", err, m.poll.interval, m.rng)
	}
}

// TestPollErrorKeepsData: a failed poll leaves the panes' data alone and
// shows the failure; the next good poll clears it.
func TestPollErrorKeepsData(t *testing.T) {
	clock := tuitest.Now
	src := &tuitest.Source{}
	m := newTest(t, src, Options{Clock: func() time.Time { return clock }}, 120, 40)
	feed(m, fixture(m))
	good := screen(m)
	m.poll.fetch(m.query(), job{})
	_, cmd := m.Update(snapshotMsg{seq: m.poll.seq, err: errors.New("dial tcp: connection refused")})
	v := screen(m)
	if !strings.Contains(v, "POLL FAILED") || !strings.Contains(v, "connection refused") {
		t.Fatalf("no error badge:\n%s", v)
	}
	if _, d, ok := findLater[pollTickMsg](collect(cmd)); !ok || d != 5*time.Second {
		t.Fatal("polling should go on after an error")
	}
	if bodyOf(v) != bodyOf(good) {
		t.Fatal("the panes changed after a failed poll")
	}
	clock = clock.Add(16 * time.Second)
	m.poll.fetch(m.query(), job{})
	m.Update(snapshotMsg{seq: m.poll.seq, err: tuitest.ErrFake})
	if v := screen(m); !strings.Contains(v, "STALE 16s") || !strings.Contains(v, "POLL FAILED ×2") {
		t.Fatalf("want stale and failure count:\n%s", v)
	}
	feed(m, fixture(m))
	if v := screen(m); strings.Contains(v, "FAILED") || strings.Contains(v, "STALE") || !strings.Contains(v, "● live") {
		t.Fatalf("a good poll should clear the badges:\n%s", v)
	}
}

func bodyOf(v string) string {
	lines := strings.Split(v, "\n")
	return strings.Join(lines[1:len(lines)-1], "\n")
}

// pacedSrc is a source with a query budget that sets the poll interval.
type pacedSrc struct {
	*tuitest.Source
	iv time.Duration
}

func (p *pacedSrc) PollInterval(time.Duration) (time.Duration, string) { return p.iv, "test budget" }

// TestHelpFollowsInterval: the open help overlay names the interval polls
// keep now, also when the budget moved it while the overlay was open.
func TestHelpFollowsInterval(t *testing.T) {
	src := &pacedSrc{Source: &tuitest.Source{}}
	m := newTest(t, src, Options{}, 120, 40)
	feed(m, fixture(m))
	hit(m, "?")
	if v := screen(m); !strings.Contains(v, "poll less often (now every 5s)") {
		t.Fatalf("help:\n%s", v)
	}
	src.iv = time.Minute
	feed(m, fixture(m)) // the next poll is paced by the new budget
	if v := screen(m); m.poll.interval != time.Minute || !strings.Contains(v, "poll less often (now every 1m)") {
		t.Fatalf("interval %v, help:\n%s", m.poll.interval, v)
	}
}
