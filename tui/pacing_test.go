package tui

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/cache"
	"github.com/ttmon/ttmon/datasource/pace"
	"github.com/ttmon/ttmon/datasource/posthog"
	"github.com/ttmon/ttmon/datasource/posthog/posthogtest"
)

// limiter is PostHog's throttle in front of the fake PostHog: at most
// limit answered requests in any hour of the fake clock (0: no limit),
// counted as Django REST framework's throttles count (a refused request
// is not), refusing the rest with PostHog's 429 and its "Expected
// available in N seconds". It logs every request it receives.
type limiter struct {
	clock *fakeClock
	limit int
	next  http.Handler

	mu       sync.Mutex
	answered []time.Time
	received []time.Time
	refused  int
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	now := l.clock.now()
	l.received = append(l.received, now)
	i := 0
	for i < len(l.answered) && !l.answered[i].After(now.Add(-time.Hour)) {
		i++
	}
	l.answered = l.answered[i:]
	if l.limit > 0 && len(l.answered) >= l.limit {
		l.refused++
		wait := l.answered[0].Add(time.Hour).Sub(now)
		l.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, posthogtest.Body429(int(math.Ceil(wait.Seconds()))))
		return
	}
	l.answered = append(l.answered, now)
	l.mu.Unlock()
	l.next.ServeHTTP(w, r)
}

// perHour counts the requests received in each hour since start.
func (l *limiter) perHour(start time.Time, hours int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]int, hours)
	for _, t := range l.received {
		if h := int(t.Sub(start) / time.Hour); h >= 0 && h < hours {
			out[h]++
		}
	}
	return out
}

// maxInAnyHour is the most requests received in any sliding hour.
func (l *limiter) maxInAnyHour() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	best, j := 0, 0
	for i, t := range l.received {
		for l.received[j].Before(t.Add(-time.Hour)) || l.received[j].Equal(t.Add(-time.Hour)) {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// pacingRun is monitors driven for hours of fake time against a PostHog
// that allows serverLimit an hour, on one source told budget.
type pacingRun struct {
	m        *Model // the first session's
	src      datasource.Source
	sessions []*session
	lim      *limiter
	clock    *fakeClock
	start    time.Time
	interval time.Duration
	gaps     []time.Duration // between good fetches after the first hour (of a longer run)
}

// session is one monitor's loop: the messages its commands sent, and the
// tick of its one live timer.
type session struct {
	m     *Model
	keys  []string
	queue []tea.Msg
	last  time.Time // of its last good fetch
	tick  pollTickMsg
	due   time.Time
}

func newPacingRun(t *testing.T, budget pace.Budget, serverLimit int, interval time.Duration) *pacingRun {
	t.Helper()
	clock := newFakeClock()
	fake := posthogtest.New(t, canaryKey)
	fake.Answer = func(q posthogtest.Query) ([]string, [][]any) {
		switch q.Name {
		case "ttmon.breakdown":
			return []string{"value", "n"}, [][]any{{"Linux", 900}, {"Windows", 80}}
		case "ttmon.properties":
			return []string{"scope", "k"}, [][]any{{"event", "app_version"}, {"event", "platform"}}
		}
		// A small answer: thousands of polls are decoded.
		return []string{"tag", "k", "b", "v1", "v2", "v3", "v4"}, [][]any{{"tot", "", 0, 48213, 1280, 122, 2738}, {"ver", "4.9.1", 0, 1280, 0, 0, 0}}
	}
	lim := &limiter{clock: clock, limit: serverLimit, next: fake.Config.Handler}
	front := httptest.NewServer(lim)
	t.Cleanup(front.Close)
	ph, err := posthog.New(front.URL, "12345", canaryKey, posthog.WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	src := cache.New(pace.New(ph, budget, pace.WithClock(clock.now), pace.WithJitter(func() float64 { return 0.5 })),
		cache.WithClock(clock.now))
	r := &pacingRun{src: src, lim: lim, clock: clock, start: clock.now(), interval: interval}
	r.m = r.add(t, nil).m
	return r
}

// add opens another monitor on the same source (another ttmon ssh
// session) that presses keys after its first good poll.
func (r *pacingRun) add(t *testing.T, keys []string) *session {
	s := &session{m: newTest(t, r.src, Options{Clock: r.clock.now, Interval: r.interval}, 120, 40), keys: keys}
	r.sessions = append(r.sessions, s)
	return s
}

// run drives every session's own loop until the fake clock has moved on
// by d: poll results go to Update, and of the commands they return, the
// tick of the one live timer is delivered when the clock, advanced from
// one due tick to the next instead of waiting, reaches it (timers of
// status lines and superseded ticks are dropped).
func (r *pacingRun) run(t *testing.T, d time.Duration) {
	t.Helper()
	for _, s := range r.sessions {
		s.queue = collect(s.m.Init())
	}
	for r.clock.now().Before(r.start.Add(d)) {
		for _, s := range r.sessions {
			r.drain(t, s, d)
		}
		next := r.sessions[0]
		for _, s := range r.sessions[1:] {
			if s.due.Before(next.due) {
				next = s
			}
		}
		r.clock.add(next.due.Sub(r.clock.now()))
		_, cmd := next.m.Update(next.tick)
		next.queue = collect(cmd)
	}
}

// drain delivers a session's poll results (pressing its keys after the
// first good one) until only timers are left, and arms its live tick.
func (r *pacingRun) drain(t *testing.T, s *session, d time.Duration) {
	t.Helper()
	if len(s.queue) == 0 {
		return // armed already, nothing new
	}
	for {
		i := slices.IndexFunc(s.queue, func(m tea.Msg) bool { _, ok := m.(snapshotMsg); return ok })
		if i < 0 {
			break
		}
		res := s.queue[i].(snapshotMsg)
		s.queue = slices.Delete(s.queue, i, i+1)
		_, next := s.m.Update(res)
		s.queue = append(s.queue, collect(next)...)
		if res.err != nil || res.seq < s.m.poll.accept {
			continue
		}
		now := r.clock.now()
		if !s.last.IsZero() && s.last.Sub(r.start) >= min(time.Hour, d-time.Hour) {
			r.gaps = append(r.gaps, now.Sub(s.last))
		}
		s.last = now
		for _, k := range s.keys {
			s.queue = append(s.queue, deliverKeyMsgs(s.m, collect(press(s.m, k)))...)
		}
		s.keys = nil
	}
	found := false
	for _, m := range s.queue {
		if l, ok := m.(later); ok {
			if pt, ok := l.msg.(pollTickMsg); ok && pt.gen == s.m.poll.gen {
				s.tick, s.due, found = pt, r.clock.now().Add(l.d), true
			}
		}
	}
	if !found {
		t.Fatal("no poll in flight and none scheduled")
	}
	s.queue = s.queue[:0]
}

// deliverKeyMsgs delivers what a key's commands sent (a drill view to push, a
// status line) and returns the poll results and timers among them.
func deliverKeyMsgs(m *Model, msgs []tea.Msg) []tea.Msg {
	var keep []tea.Msg
	for _, msg := range msgs {
		switch msg.(type) {
		case snapshotMsg, later:
			keep = append(keep, msg)
		default:
			_, cmd := m.Update(msg)
			keep = append(keep, deliverKeyMsgs(m, collect(cmd))...)
		}
	}
	return keep
}

func (r *pacingRun) longestGap() time.Duration {
	var g time.Duration
	for _, d := range r.gaps {
		g = max(g, d)
	}
	return g
}

// TestPacingRequestsPerHour drives the real monitor loop (Model, its
// poller's commands, the PostHog adapter in the pace and cache
// decorators as cmd wires them) with a fake clock against the fake
// PostHog behind a throttle like PostHog's, for hours of fake time, and
// counts the requests PostHog receives each hour. Whatever the budget
// ttmon is told or assumes, it stays within what the server allows, the
// header says why the interval is longer than asked, and from the second
// hour on the monitor is never without a fresh answer for long.
func TestPacingRequestsPerHour(t *testing.T) {
	cases := []struct {
		name        string
		budget      pace.Budget
		serverLimit int
		interval    time.Duration
		hours       int           // of fake time
		maxPerHour  int           // in any sliding hour
		minLastHour int           // in the last hour: it does not idle
		maxGap      time.Duration // between good fetches after the first hour
		refused     int           // 429s the server sends, at most
		header      string        // in the last header
		keys        []string      // pressed after the first good poll
	}{
		{"told 120/h", pace.LegacyBudget, 120, 5 * time.Second, 3, 120, 90, 40 * time.Second, 0,
			"every 38s: 120/h query budget", nil},
		{"told 2400/h", pace.DefaultBudget, 2400, time.Second, 1, 2400, 1700, 2 * time.Second, 0,
			"every 2s: 2400/h query budget", nil},
		// 121 received in its first hour: 120 answered and the 429 that
		// taught it; then the rest of that hour blind, waiting it out.
		{"told 2400/h, server allows 120/h", pace.DefaultBudget, 120, 5 * time.Second, 3, 121, 90, 40 * time.Second, 1,
			"every 38s: 120/h query budget (learned from a 429)", nil},
		// Trying 2400/h in its second hour costs one 429 and one wait of
		// about a poll interval.
		{"auto, server allows 120/h", pace.Auto, 120, 5 * time.Second, 3, 121, 90, 50 * time.Second, 1,
			"every 38s: 120/h query budget (learned from a 429)", nil},
		{"auto, server allows 2400/h", pace.Auto, 2400, 5 * time.Second, 2, 2400, 700, 40 * time.Second, 0,
			"every 5s", nil},
		// A version's drill view polls two breakdowns: each poll costs two.
		{"told 120/h, drill view open", pace.LegacyBudget, 120, 5 * time.Second, 2, 120, 90, 80 * time.Second, 0,
			"every 1m16s: 120/h query budget", []string{"v", "enter"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newPacingRun(t, tc.budget, tc.serverLimit, tc.interval)
			r.sessions[0].keys = tc.keys
			r.run(t, time.Duration(tc.hours)*time.Hour)
			r.m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
			head := ansi.Strip(strings.Split(screen(r.m), "\n")[0])
			hours := r.lim.perHour(r.start, tc.hours)
			if r.m.poll.err != nil {
				t.Logf("last poll: %v", r.m.poll.err)
			}
			t.Logf("requests per hour %v (most in any hour %d, 429s %d, longest gap between fresh answers %v): %s",
				hours, r.lim.maxInAnyHour(), r.lim.refused, r.longestGap(), head)
			if n := r.lim.maxInAnyHour(); n > tc.maxPerHour {
				t.Errorf("%d requests in one hour, want at most %d", n, tc.maxPerHour)
			}
			if n := hours[tc.hours-1]; n < tc.minLastHour {
				t.Errorf("%d requests in the last hour, want %d or more", n, tc.minLastHour)
			}
			if r.lim.refused > tc.refused {
				t.Errorf("PostHog refused %d requests, want at most %d", r.lim.refused, tc.refused)
			}
			if g := r.longestGap(); g > tc.maxGap {
				t.Errorf("%v without a fresh answer after the first hour, want at most %v", g, tc.maxGap)
			}
			if !strings.Contains(head, tc.header) {
				t.Errorf("the header does not say %q:\n%s", tc.header, head)
			}
		})
	}
}

// TestFasterStopsAtBudget: + cannot poll faster than the budget allows
// (it says so), - steps up from the interval polls keep.
func TestFasterStopsAtBudget(t *testing.T) {
	r := newPacingRun(t, pace.LegacyBudget, 0, 10*time.Second)
	r.run(t, time.Minute)
	if r.m.poll.interval != 38*time.Second {
		t.Fatalf("interval %v, want the budget's 38s", r.m.poll.interval)
	}
	for _, w := range []struct {
		width int
		want  string
	}{{100, "every 38s: 120/h query budget"}, {80, "· every 38s"}} {
		r.m.Update(tea.WindowSizeMsg{Width: w.width, Height: 30})
		if head := ansi.Strip(strings.Split(screen(r.m), "\n")[0]); !strings.Contains(head, w.want) {
			t.Errorf("at %d columns the header does not say %q:\n%s", w.width, w.want, head)
		}
	}
	for range 3 {
		press(r.m, "+")
		if r.m.poll.interval != 38*time.Second || r.m.status != "every 38s: no faster under the 120/h query budget" {
			t.Fatalf("after +: every %v, status %q", r.m.poll.interval, r.m.status)
		}
	}
	press(r.m, "-")
	if r.m.poll.interval != time.Minute || r.m.status != "polling every 1m" {
		t.Fatalf("after -: every %v, status %q", r.m.poll.interval, r.m.status)
	}
	press(r.m, "+")
	if r.m.poll.interval != 38*time.Second {
		t.Fatalf("after - then +: every %v", r.m.poll.interval)
	}
}

// TestPacingSessionsShareBudget: two monitors on one source, as ttmon ssh
// serves them, one on the 24h dashboard and one on 7d (different
// questions, so nothing is shared): together they stay within 120/h, each
// polling half as often, and neither is ever refused.
func TestPacingSessionsShareBudget(t *testing.T) {
	r := newPacingRun(t, pace.LegacyBudget, 120, 5*time.Second)
	r.add(t, []string{"t"}) // 24h -> 7d
	r.run(t, 2*time.Hour)
	hours := r.lim.perHour(r.start, 2)
	t.Logf("two sessions: requests per hour %v (most in any hour %d, 429s %d, longest gap %v)",
		hours, r.lim.maxInAnyHour(), r.lim.refused, r.longestGap())
	if n := r.lim.maxInAnyHour(); n > 120 || hours[1] < 90 {
		t.Errorf("requests per hour %v (most in any hour %d), want 90 to 120", hours, n)
	}
	for i, s := range r.sessions {
		if s.m.poll.err != nil || s.m.poll.fails > 0 {
			t.Errorf("session %d: %v", i, s.m.poll.err)
		}
		s.m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
		if head := ansi.Strip(strings.Split(screen(s.m), "\n")[0]); !strings.Contains(head, "every 1m16s: 120/h query budget, 2 views polling") {
			t.Errorf("session %d's header:\n%s", i, head)
		}
	}
	if g := r.longestGap(); g > 90*time.Second {
		t.Errorf("%v without a fresh answer after the first hour", g)
	}
}
