package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/cache"
	"github.com/ttmon/ttmon/datasource/pace"
	"github.com/ttmon/ttmon/datasource/posthog"
	"github.com/ttmon/ttmon/datasource/posthog/posthogtest"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// canaryKey is the personal API key of the remote tests: distinctive, so
// that any output holding it (or its middle, canaryPart) is a leak.
const (
	canaryKey  = "phx_SECRET_canary_1234567890"
	canaryPart = "SECRET_canary"
)

// noSecret fails if text holds the canary key or a piece of it.
func noSecret(t testing.TB, where, text string) {
	t.Helper()
	if strings.Contains(text, canaryKey) || strings.Contains(text, canaryPart) || strings.Contains(text, "1234567890") {
		t.Fatalf("%s shows the API key:\n%s", where, text)
	}
}

// fakeClock is "now" for the model and the pace decorator at once; the
// fetch goroutines read it, hence atomic.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(tuitest.Now.UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) add(d time.Duration)     { c.ns.Add(int64(d)) }
func (c *fakeClock) since(t time.Time) int64 { return c.ns.Load() - t.UnixNano() }

// dialer dials the fake whatever the URL says, until cut: then it dials
// the address a request asked for, so an unknown host fails in the real
// resolver and a closed port is refused. heal points it at the fake again.
type dialer struct{ to atomic.Pointer[string] }

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if p := d.to.Load(); p != nil {
		addr = *p
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (d *dialer) heal(addr string) { d.to.Store(&addr) }
func (d *dialer) cut()             { d.to.Store(nil) }

// fleet answers the snapshot query with a small fleet whose active count
// (1,280, then 1,391 once gen is 1) tells old data from new.
func fleet(gen *atomic.Int64) func(posthogtest.Query) ([]string, [][]any) {
	return func(q posthogtest.Query) ([]string, [][]any) {
		n := 1280 + 111*gen.Load()
		rows := [][]any{{"tot", "", 0, 48213, n, 122, 2738}, {"prev", "", 0, 1200, 0, 0, 0},
			{"ver", "4.9.1", 0, n - 300, 0, 0, 0}, {"ver", "4.9.0", 0, 300, 0, 0, 0}, {"errv", "4.9.1", 0, 61, 0, 0, 0}}
		for b := range 24 {
			rows = append(rows, []any{"bkt", "", b, 900 + 10*b, b % 5, 10, 0}, []any{"hour", "", b, 10 * b, 0, 0, 0})
		}
		return []string{"tag", "k", "b", "v1", "v2", "v3", "v4"}, rows
	}
}

// remote is the real stack cmd builds for --source posthog (adapter in
// pace in cache), pointed at a fake PostHog through dial, on clock.
type remote struct {
	fake  *posthogtest.Server
	ph    *posthog.Source
	src   datasource.Source
	dial  *dialer
	tr    *http.Transport
	clock *fakeClock
	gen   atomic.Int64
	logs  *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newRemote(t testing.TB, host string, timeout time.Duration) *remote {
	r := &remote{dial: &dialer{}, clock: newFakeClock(), logs: &lockedBuffer{}}
	r.fake = posthogtest.New(t, canaryKey)
	r.fake.Answer = fleet(&r.gen)
	r.dial.heal(strings.TrimPrefix(r.fake.URL, "http://"))
	if host == "" {
		host = r.fake.URL
	}
	log := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.tr = &http.Transport{DialContext: r.dial.DialContext}
	client := &http.Client{Transport: r.tr}
	ph, err := posthog.New(host, "12345", canaryKey, posthog.WithHTTPClient(client), posthog.WithTimeout(timeout),
		posthog.WithLogger(log), posthog.WithClock(r.clock.now))
	if err != nil {
		t.Fatal(err)
	}
	r.ph = ph
	r.src = cache.New(pace.New(ph, pace.DefaultBudget, pace.WithClock(r.clock.now), pace.WithJitter(func() float64 { return 0.5 })),
		cache.WithClock(r.clock.now))
	return r
}

// heal ends the fault: the fake answers again, with new figures.
func (r *remote) heal() {
	r.fake.Fail(nil)
	r.dial.heal(strings.TrimPrefix(r.fake.URL, "http://"))
	r.gen.Store(1)
}

// storm answers 500, 502 and 503 in turn with PostHog's error body and,
// as a careless proxy might, the Authorization header it was sent.
func storm() http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		status := []int{500, 502, 503}[n.Add(1)%3]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"type":"server_error","code":"error","detail":"A server error occurred (request had %s, token %s).","attr":null}`,
			r.Header.Get("Authorization"), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")[:16])
	}
}

func stall(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// remoteFaults are the ways PostHog can fail, each with the cause the
// header must name.
var remoteFaults = []struct {
	name         string
	host         string // "" is the fake; "closed" a port nobody listens on
	fault        http.HandlerFunc
	srcTimeout   time.Duration // the adapter's request timeout
	pollTimeout  time.Duration // the UI's poll timeout (0: default)
	cause, wants string        // the header's words and the footer's
}{
	{"connection refused", "closed", nil, time.Second, 0, "connection refused", "connection refused by 127.0.0.1:"},
	{"unknown host", "http://ttmon-test.invalid", nil, time.Second, 0, "cannot resolve host", "cannot resolve host ttmon-test.invalid"},
	{"slower than the request timeout", "", stall, 60 * time.Millisecond, 0, "timed out", "timed out: PostHog at"},
	{"slower than the poll timeout", "", stall, 30 * time.Second, 60 * time.Millisecond, "timed out", "timed out: PostHog at"},
	{"truncated JSON", "", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"columns":["tag","k","b","v1","v2","v3","v4"],"results":[["tot","",0,4`)
	}, time.Second, 0, "bad response from PostHog", "bad response from PostHog"},
	{"body cut off", "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		io.WriteString(w, `{"columns":["tag","k","b","v1","v2","v3","v4"],"results":[`)
	}, time.Second, 0, "bad response from PostHog", "bad response from PostHog"},
	{"malformed JSON", "", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<html><body>Bad gateway. Your request: `+r.Header.Get("Authorization")+`</body></html>`)
	}, time.Second, 0, "bad response from PostHog", "bad response from PostHog"},
	{"5xx storm", "", storm(), time.Second, 0, "PostHog error 50", "PostHog error 50"},
}

// TestRemoteFaults drives the real model on the real PostHog adapter (in
// the pace and cache decorators, as cmd wires it) against a real HTTP
// server that misbehaves in each way PostHog or the network can. For
// each fault: while a failing poll is in flight, keys still change the
// screen; the header names the cause in plain words and the footer says
// more; the panes keep the last good figures, with a STALE badge once
// they are old; polling backs off (the adapter sends fewer requests than
// the UI polls); the key is on no screen, at any size, nor in the log;
// and once PostHog answers again, the next poll clears it all and shows
// the new figures. Time is a fake clock; only the two timeout faults
// wait, for their 60ms.
func TestRemoteFaults(t *testing.T) {
	for _, f := range remoteFaults {
		t.Run(f.name, func(t *testing.T) {
			host := f.host
			if host == "closed" {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				host = "http://" + l.Addr().String()
				l.Close()
			}
			r := newRemote(t, host, f.srcTimeout)
			m := newTest(t, r.src, Options{Clock: r.clock.now, Timeout: f.pollTimeout, Logger: slog.New(slog.NewTextHandler(r.logs, nil))}, 120, 40)
			tick := remotePoll(t, m, m.Init(), nil)
			v := screen(m)
			if !strings.Contains(v, "● live") || !strings.Contains(v, "1,280") || strings.Contains(v, "1,391") {
				t.Fatalf("first poll:\n%s", v)
			}
			goodBody := bodyOf(v)

			if f.fault != nil {
				r.fake.Fail(f.fault)
			} else {
				r.dial.cut()
				r.tr.CloseIdleConnections() // or the next poll reuses one
			}
			sent := r.ph.Requests()
			const polls = 12
			for i := range polls {
				r.clock.add(m.poll.interval)
				_, cmd := m.Update(tick)
				tick = remotePoll(t, m, cmd, func() {
					if i == 0 {
						keysWhileInFlight(t, m)
					}
				})
				v := screen(m)
				head := ansi.Strip(strings.Split(v, "\n")[0])
				if !strings.Contains(head, "POLL FAILED") || !strings.Contains(head, f.cause) {
					t.Fatalf("poll %d: the header does not say %q:\n%s", i, f.cause, head)
				}
				if foot := ansi.Strip(v[strings.LastIndex(v, "\n")+1:]); !strings.Contains(foot, "poll failed: "+f.wants[:min(len(f.wants), 40)]) {
					t.Fatalf("poll %d: the footer does not say %q:\n%s", i, f.wants, foot)
				}
				if bodyOf(v) != goodBody {
					t.Fatalf("poll %d: the panes changed:\n%s", i, v)
				}
				noSecret(t, "the screen", v)
			}
			if v := screen(m); !strings.Contains(v, "STALE 1m") {
				t.Errorf("no stale badge after %d failed polls a minute apart:\n%s", polls, strings.Split(v, "\n")[0])
			}
			full := m.poll.err.Error()
			if !strings.Contains(full, f.wants) {
				t.Errorf("the error says %q, want it to mention %q", full, f.wants)
			}
			noSecret(t, "the poll error", full)
			if n := r.ph.Requests() - sent; n >= polls || n < 1 {
				t.Errorf("%d polls sent %d requests: no backoff", polls, n)
			}
			if f.host == "" && r.fake.Count() > 1+polls/2 {
				t.Errorf("%d polls: the server saw %d requests", polls, r.fake.Count())
			}
			for _, sz := range [][2]int{{200, 60}, {80, 24}, {60, 16}, {40, 10}, {1, 1}} {
				m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				v := screen(m)
				checkScreen(t, v, sz[0], sz[1])
				noSecret(t, fmt.Sprintf("the screen at %dx%d", sz[0], sz[1]), v)
			}
			press(m, "?")
			noSecret(t, "the help screen", screen(m))
			press(m, "?")
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})

			r.heal()
			r.clock.add(10 * time.Minute) // past the longest backoff
			_, cmd := m.Update(tick)
			remotePoll(t, m, cmd, nil)
			v = screen(m)
			if strings.Contains(v, "FAILED") || strings.Contains(v, "STALE") || strings.Contains(v, "poll failed") ||
				!strings.Contains(v, "● live") || !strings.Contains(v, "1,391") {
				t.Fatalf("after recovery the error should be gone and the new figures shown:\n%s", v)
			}
			noSecret(t, "the log", r.logs.String())
			if !strings.Contains(r.logs.String(), "poll failed") {
				t.Errorf("the failures were not logged:\n%s", r.logs.String())
			}
		})
	}
}

// remotePoll runs a poll command as Bubble Tea would, in its own
// goroutine, calling during (if not nil) while it is in flight, then
// delivers its result and returns the tick that schedules the next poll.
func remotePoll(t *testing.T, m *Model, cmd tea.Cmd, during func()) pollTickMsg {
	t.Helper()
	done := make(chan []tea.Msg, 1)
	go func() { done <- collect(cmd) }()
	if during != nil {
		during()
	}
	res, ok := find[snapshotMsg](<-done)
	if !ok {
		t.Fatal("the tick started no poll")
	}
	_, next := m.Update(res)
	tick, _, ok := findLater[pollTickMsg](collect(next))
	if !ok {
		t.Fatal("no next poll scheduled")
	}
	return tick
}

// keysWhileInFlight: help, focus and zoom answer at once while a poll is
// out, and leave the screen as they found it.
func keysWhileInFlight(t *testing.T, m *Model) {
	t.Helper()
	if !m.poll.inFlight {
		t.Fatal("no poll in flight")
	}
	before := screen(m)
	press(m, "?")
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "range: 1h → 24h → 7d → 30d") {
		t.Fatalf("? during a poll did not open help:\n%s", v)
	}
	press(m, "?")
	press(m, "tab")
	if dash(m).focus != 1 || screen(m) == before {
		t.Fatal("tab during a poll did not move focus")
	}
	for range 3 {
		press(m, "tab")
	}
	if screen(m) != before {
		t.Fatal("four tabs should come back to the first pane")
	}
}

// TestRemoteSlowEndToEnd runs the real program loop against a PostHog
// that does not answer: while the poll hangs, help, the range key and
// focus still redraw the screen; the range change abandons the hung poll
// (the adapter sees its cancel) and asks again; when PostHog answers, the
// data shows up.
func TestRemoteSlowEndToEnd(t *testing.T) {
	release := make(chan struct{})
	var released sync.Once
	free := func() { released.Do(func() { close(release) }) }
	defer free()
	var cancelled atomic.Int32
	r := newRemote(t, "", 5*time.Second)
	r.fake.Fail(func(w http.ResponseWriter, req *http.Request) {
		var q posthogtest.Query
		if err := json.NewDecoder(req.Body).Decode(&q); err != nil {
			t.Errorf("the request's body: %v", err)
		}
		select {
		case <-req.Context().Done():
			cancelled.Add(1)
		case <-release:
			w.Header().Set("Content-Type", "application/json")
			w.Write(r.fake.AnswerJSON(q))
		}
	})
	m, err := New(r.src, Options{TZ: "UTC", Profile: noStyle, Theme: "dark"})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "connecting…")
	waitUntil(t, "the first request", func() bool { return r.fake.Count() == 1 })
	tm.Send(keyMsg("?"))
	waitFor(t, tm, "range: 1h → 24h → 7d → 30d")
	tm.Send(keyMsg("?"))
	tm.Send(keyMsg("t"))
	waitFor(t, tm, "range 7d")
	waitUntil(t, "the 7d request", func() bool { return r.fake.Count() == 2 && cancelled.Load() == 1 })
	free()
	waitFor(t, tm, "● live", "1,280")
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	fm := tm.FinalModel(t).(*Model)
	if fm.rng != "7d" || fm.poll.err != nil || fm.snap == nil || fm.snap.Installs.Active != 1280 {
		t.Fatalf("final: range %s err %v", fm.rng, fm.poll.err)
	}
	if q := r.fake.Last().Body.Query.Values; len(q) == 0 {
		t.Error("the last request carried no values")
	}
}

// waitUntil polls cond for up to 5s (for what happens in another
// goroutine: a server receiving a request).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("waited 5s for %s", what)
		}
	}
}
