package tui

import (
	"context"
	"errors"
	"github.com/charmbracelet/colorprofile"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// TestPollCycle: Init polls at once; each result schedules the next poll
// one interval later; the tick polls; a stale tick does nothing.
func TestPollCycle(t *testing.T) {
	src := &tuitest.Source{}
	m := newTest(t, src, Options{}, 120, 40)
	res, ok := find[snapshotMsg](collect(m.Init()))
	if !ok || res.err != nil || src.Calls() != 1 {
		t.Fatalf("Init: %+v", res)
	}
	_, cmd := m.Update(res)
	tick, d, ok := findLater[pollTickMsg](collect(cmd))
	if !ok || d != DefaultInterval {
		t.Fatal("no next poll scheduled")
	}
	if m.snap == nil || m.lastRefresh() != tuitest.Now {
		t.Fatal("the snapshot was not taken")
	}
	_, cmd = m.Update(tick)
	if _, ok := find[snapshotMsg](collect(cmd)); !ok || src.Calls() != 2 {
		t.Fatal("the tick did not poll")
	}
	if _, cmd := m.Update(pollTickMsg{gen: tick.gen - 1}); cmd != nil {
		t.Fatal("an old tick polled")
	}
}

// TestPollTimeout: a hung source is cut off by the poll timeout and shows
// as a failed poll.
func TestPollTimeout(t *testing.T) {
	src := &tuitest.Source{Block: make(chan struct{})}
	m := newTest(t, src, Options{Timeout: 20 * time.Millisecond}, 120, 40)
	res, _ := find[snapshotMsg](collect(m.Init()))
	if !errors.Is(res.err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", res.err)
	}
	m.Update(res)
	v := screen(m)
	if head := strings.Split(v, "\n")[0]; !strings.Contains(head, "POLL FAILED · timed out") {
		t.Fatalf("timeout not in the header: %q", head)
	}
	if !strings.Contains(v, "poll failed: timed out: the source did not answer within 20ms") {
		t.Fatalf("timeout not in the footer:\n%s", v)
	}
}

// TestPollPanic: a panicking source becomes a failed poll, not a crash.
func TestPollPanic(t *testing.T) {
	m := newTest(t, &tuitest.Source{Panic: "index out of range"}, Options{}, 120, 40)
	res, _ := find[snapshotMsg](collect(m.Init()))
	if res.err == nil || !strings.Contains(res.err.Error(), "index out of range") {
		t.Fatalf("got %v", res.err)
	}
}

// TestStrayResults: results that are not the awaited poll change nothing,
// and a nil snapshot without an error counts as a failure.
func TestStrayResults(t *testing.T) {
	m, _ := started(t, Options{})
	before := m.snap
	if _, cmd := m.Update(snapshotMsg{seq: 99, snap: fixture(m)}); cmd != nil || m.snap != before {
		t.Fatal("a stray result was used")
	}
	m.poll.fetch(m.query(), job{})
	m.Update(snapshotMsg{seq: m.poll.seq})
	if m.snap != before || m.poll.err == nil {
		t.Fatal("a nil snapshot should be a failed poll")
	}
}

func TestStepInterval(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		up   bool
		want time.Duration
	}{
		{5 * time.Second, true, 10 * time.Second}, {5 * time.Second, false, 2 * time.Second},
		{7 * time.Second, true, 10 * time.Second}, {7 * time.Second, false, 5 * time.Second},
		{time.Second, false, time.Second}, {10 * time.Minute, true, 10 * time.Minute},
		{time.Hour, true, time.Hour}, {time.Hour, false, 10 * time.Minute},
	} {
		if got := stepInterval(tc.d, tc.up); got != tc.want {
			t.Errorf("stepInterval(%v, %v) = %v, want %v", tc.d, tc.up, got, tc.want)
		}
	}
}

// TestMouse: with the mouse on, a left click focuses the pane under it
// (the header line is above the body).
func TestMouse(t *testing.T) {
	m, _ := started(t, Options{Mouse: true})
	click := func(x, y int) {
		m.Update(tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft})
	}
	click(100, 30) // bottom right: timers
	if dash(m).focus != 3 {
		t.Fatalf("focus %d", dash(m).focus)
	}
	click(5, 1) // first body line: installs
	if dash(m).focus != 0 {
		t.Fatalf("focus %d", dash(m).focus)
	}
	m.Update(tea.MouseMotionMsg{X: 100, Y: 2})
	if dash(m).focus != 0 {
		t.Fatal("motion changed focus")
	}
}

// TestFiltersInHeader: the active filters are shown.
func TestFiltersInHeader(t *testing.T) {
	fs, err := parseFilters("deployment_method=docker", "person.is_admin=true")
	if err != nil {
		t.Fatal(err)
	}
	m, src := started(t, Options{Filters: fs})
	if v := screen(m); !strings.Contains(v, " deployment_method=docker   person.is_admin=true ") {
		t.Fatalf("filters not in the header:\n%s", strings.Split(v, "\n")[0])
	}
	collect(press(m, "r"))
	if len(src.LastQuery().Filters) != 2 {
		t.Fatal("filters not in the query")
	}
}

// TestViewModes: the alternate screen always; mouse reports only on
// request, so that the terminal's text selection keeps working.
func TestViewModes(t *testing.T) {
	m, _ := started(t, Options{})
	if v := m.View(); !v.AltScreen || v.MouseMode != tea.MouseModeNone {
		t.Fatalf("default: alt screen %v, mouse mode %v", v.AltScreen, v.MouseMode)
	}
	m, _ = started(t, Options{Mouse: true})
	if v := m.View(); !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion {
		t.Fatalf("--mouse: alt screen %v, mouse mode %v", v.AltScreen, v.MouseMode)
	}
	// FPS defaulted; the profile only when one is set.
	if n := len(ProgramOptions(Options{})); n != 1 {
		t.Fatalf("%d options without a profile", n)
	}
	if n := len(ProgramOptions(Options{FPS: 30, Profile: colorprofile.ANSI})); n != 2 {
		t.Fatalf("%d options with a profile", n)
	}
}

// TestRunEndsWithContext: Run returns nil when its context ends, and its
// polls see the cancellation.
func TestRunEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := &tuitest.Source{Block: make(chan struct{})}
	done := make(chan error, 1)
	r, w := io.Pipe()
	defer w.Close()
	go func() { done <- Run(ctx, src, Options{TZ: "UTC"}, r, io.Discard) }()
	deadline := time.Now().Add(5 * time.Second)
	for src.Calls() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the context ended")
	}
	if _, err := NewProgram(ctx, src, Options{Range: "nope"}, r, io.Discard); err == nil {
		t.Fatal("NewProgram accepted a bad range")
	}
}

// TestPollBacksOffPermanentErrors: after a failure that asking again will
// not mend (a wrong key), the next poll waits a minute, doubling per
// failure up to ten; a passing failure keeps the interval; once the
// source heals, the interval is back.
func TestPollBacksOffPermanentErrors(t *testing.T) {
	src := &tuitest.Source{}
	src.SetErr(&datasource.Error{Kind: datasource.ErrAuth, Message: "PostHog refused the personal API key (401)"})
	m := newTest(t, src, Options{}, 120, 40)
	res, _ := find[snapshotMsg](collect(m.Init()))
	var waits []time.Duration
	for range 6 {
		_, cmd := m.Update(res)
		tick, d, ok := findLater[pollTickMsg](collect(cmd))
		if !ok {
			t.Fatal("no next poll scheduled")
		}
		waits = append(waits, d)
		_, cmd = m.Update(tick)
		res, _ = find[snapshotMsg](collect(cmd))
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	if !slices.Equal(waits, want) {
		t.Fatalf("waits after an auth error: %v, want %v", waits, want)
	}
	m.Update(res) // the last auth failure
	src.SetErr(&datasource.Error{Kind: datasource.ErrUnavailable, Message: "PostHog error 503"})
	_, cmd := m.Update(pollTickMsg{gen: m.poll.gen})
	res, _ = find[snapshotMsg](collect(cmd))
	_, cmd = m.Update(res)
	if _, d, _ := findLater[pollTickMsg](collect(cmd)); d != DefaultInterval {
		t.Fatalf("after an unavailable error the next poll waits %v, want the interval", d)
	}
	src.SetErr(nil)
	_, cmd = m.Update(pollTickMsg{gen: m.poll.gen})
	res, _ = find[snapshotMsg](collect(cmd))
	_, cmd = m.Update(res)
	if _, d, _ := findLater[pollTickMsg](collect(cmd)); d != DefaultInterval || m.poll.err != nil {
		t.Fatalf("healed: next poll in %v, err %v", d, m.poll.err)
	}
}
