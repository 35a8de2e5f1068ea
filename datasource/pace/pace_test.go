package pace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// stub is a Source whose Snapshot returns the queued errors in turn (nil
// when none), counting calls; extra is charged as additional requests.
type stub struct {
	datasource.Source
	mu    sync.Mutex
	calls int
	errs  []error
	extra int64
	reqs  atomic.Int64
	gate  chan struct{} // when set, calls wait on it
	in    atomic.Int32
}

func (s *stub) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	s.in.Add(1)
	defer s.in.Add(-1)
	if s.gate != nil {
		<-s.gate
	}
	s.reqs.Add(1 + s.extra)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return nil, err
	}
	return &datasource.Snapshot{}, nil
}

func (s *stub) Values(ctx context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return nil, nil
}

func (s *stub) Info() datasource.Info { return datasource.Info{Kind: "stub"} }
func (s *stub) Requests() int64       { return s.reqs.Load() }

func (s *stub) n() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func half() float64                  { return 0.5 }
func snap(p *Source) error {
	_, err := p.Snapshot(context.Background(), datasource.Query{})
	return err
}
func kindOf(err error) datasource.ErrorKind { return datasource.KindOf(err) }

func TestParseBudget(t *testing.T) {
	for in, want := range map[string]Budget{
		"2400/h": {2400, time.Hour}, "120/h": {120, time.Hour}, "240/m": {240, time.Minute},
		" 240 / min ": {240, time.Minute}, "100/hour": {100, time.Hour}, "5000/day": {5000, 24 * time.Hour},
	} {
		got, err := ParseBudget(in)
		if err != nil || got != want {
			t.Errorf("ParseBudget(%q) = %v, %v", in, got, err)
		}
	}
	if b, err := ParseBudget(" Auto "); err != nil || !b.IsAuto() || b.String() != "auto" {
		t.Errorf("ParseBudget(auto) = %v, %v", b, err)
	}
	for _, in := range []string{"120", "0/h", "-5/h", "12/ms", "lots/h", "2400/fortnight"} {
		if _, err := ParseBudget(in); err == nil || !strings.Contains(err.Error(), "2400/h") {
			t.Errorf("ParseBudget(%q) = %v, want an error showing the syntax", in, err)
		}
	}
	if s := (Budget{120, time.Hour}).String(); s != "120/h" {
		t.Errorf("String %q", s)
	}
}

// TestBudgetRefusesWithoutCalling: past the budget, calls are refused
// with the wait until the oldest request leaves the window, and the
// backend is not called.
func TestBudgetRefusesWithoutCalling(t *testing.T) {
	c, st := newClock(), &stub{}
	p := New(st, Budget{3, time.Minute}, WithClock(c.now), WithBurst(Budget{}))
	for range 3 {
		if err := snap(p); err != nil {
			t.Fatal(err)
		}
		c.add(10 * time.Second)
	}
	err := snap(p)
	if kindOf(err) != datasource.ErrThrottled || st.n() != 3 {
		t.Fatalf("4th call: %v, backend calls %d", err, st.n())
	}
	if d, _ := datasource.RetryAfter(err); d != 30*time.Second || !strings.Contains(err.Error(), "3/min used up") {
		t.Errorf("retry after %v: %v", d, err)
	}
	c.add(30 * time.Second)
	if err := snap(p); err != nil || st.n() != 4 {
		t.Errorf("after the wait: %v, calls %d", err, st.n())
	}
}

// TestThrottledWaits: a 429's wait is honoured without calling the
// backend, then polling resumes.
func TestThrottledWaits(t *testing.T) {
	c := newClock()
	st := &stub{errs: []error{&datasource.Error{Kind: datasource.ErrThrottled, RetryAfter: 7 * time.Second, Message: "slow down"}}}
	p := New(st, DefaultBudget, WithClock(c.now))
	if d, _ := datasource.RetryAfter(snap(p)); d != 7*time.Second {
		t.Fatalf("retry after %v", d)
	}
	c.add(3 * time.Second)
	err := snap(p)
	if d, _ := datasource.RetryAfter(err); kindOf(err) != datasource.ErrThrottled || d != 4*time.Second || st.n() != 1 {
		t.Errorf("during the wait: %v (retry %v), backend calls %d", err, d, st.n())
	}
	if iv, why := p.PollInterval(5 * time.Second); iv != 5*time.Second || why != "" {
		t.Errorf("interval while throttled: %v %q (the wait is the error's, not the pace's)", iv, why)
	}
	c.add(4 * time.Second)
	if err := snap(p); err != nil || st.n() != 2 {
		t.Errorf("after the wait: %v, calls %d", err, st.n())
	}
}

// TestBackoff: failures back off exponentially with jitter, calls in
// between are refused, and a success resets it.
func TestBackoff(t *testing.T) {
	c := newClock()
	down := &datasource.Error{Kind: datasource.ErrUnavailable, Message: "PostHog failed (HTTP 503)"}
	st := &stub{errs: []error{down, down, errors.New("connection reset"), nil, down}}
	p := New(st, DefaultBudget, WithClock(c.now), WithJitter(half), WithBackoff(2*time.Second, 5*time.Minute))
	for i, want := range []time.Duration{1500 * time.Millisecond, 3 * time.Second, 6 * time.Second} {
		err := snap(p)
		d, _ := datasource.RetryAfter(err)
		if kindOf(err) != datasource.ErrUnavailable || d != want {
			t.Errorf("failure %d: retry %v, want %v: %v", i+1, d, want, err)
		}
		calls := st.n()
		if err := snap(p); kindOf(err) != datasource.ErrUnavailable || st.n() != calls {
			t.Errorf("during backoff the backend was called: %v", err)
		}
		c.add(want)
	}
	if err := snap(p); err != nil {
		t.Fatal(err)
	}
	if d, _ := datasource.RetryAfter(snap(p)); d != 1500*time.Millisecond {
		t.Errorf("after a success the backoff starts over: %v", d)
	}
}

// TestPermanentAndCancelled: auth errors and a caller's cancellation pass
// through without blocking the next call.
func TestPermanentAndCancelled(t *testing.T) {
	c := newClock()
	st := &stub{errs: []error{&datasource.Error{Kind: datasource.ErrAuth, Message: "key rejected"}}}
	p := New(st, DefaultBudget, WithClock(c.now))
	if err := snap(p); kindOf(err) != datasource.ErrAuth {
		t.Errorf("auth: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Snapshot(ctx, datasource.Query{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := snap(p); err != nil || st.n() != 2 {
		t.Errorf("nothing blocks the next call: %v (calls %d)", err, st.n())
	}
}

// TestDeadlineBacksOff: a backend too slow for the caller's deadline is
// backed off like a failing one (a hung PostHog must not be asked again at
// every poll), and the refusal says it timed out.
func TestDeadlineBacksOff(t *testing.T) {
	c := newClock()
	st := &stub{errs: []error{fmt.Errorf("snapshot: %w", context.DeadlineExceeded)}}
	p := New(st, DefaultBudget, WithClock(c.now), WithJitter(half))
	err := snap(p)
	if d, ok := datasource.RetryAfter(err); kindOf(err) != datasource.ErrUnavailable || !ok || d <= 0 || datasource.Cause(err) != "timed out" {
		t.Fatalf("timeout: %v (retry %v, cause %q)", err, d, datasource.Cause(err))
	}
	if err := snap(p); st.n() != 1 || datasource.Cause(err) != "timed out" || !strings.Contains(err.Error(), "next try in") {
		t.Errorf("during the backoff: %v (calls %d, cause %q)", err, st.n(), datasource.Cause(err))
	}
}

func TestPollInterval(t *testing.T) {
	c := newClock()
	p := New(&stub{}, DefaultBudget, WithClock(c.now))
	if iv, why := p.PollInterval(5 * time.Second); iv != 5*time.Second || why != "" {
		t.Errorf("2400/h at 5s: %v %q", iv, why)
	}
	if iv, _ := p.PollInterval(time.Second); iv != 2*time.Second {
		t.Errorf("2400/h at 1s: %v, want 2s (1.875s rounded up)", iv)
	}
	st := &stub{}
	p = New(st, LegacyBudget, WithClock(c.now))
	iv, why := p.PollInterval(5 * time.Second)
	if iv != 38*time.Second || why != "120/h query budget" {
		t.Errorf("120/h: %v %q", iv, why)
	}
	for range 60 {
		if _, err := p.Values(context.Background(), datasource.ValuesQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	iv, why = p.PollInterval(5 * time.Second)
	if iv != time.Minute || !strings.Contains(why, "60 used by lookups") {
		t.Errorf("after 60 lookups: %v %q", iv, why)
	}
	c.add(time.Hour)
	if iv, _ := p.PollInterval(5 * time.Second); iv != 38*time.Second {
		t.Errorf("an hour later: %v", iv)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	st := &stub{gate: make(chan struct{})}
	p := New(st, DefaultBudget, WithConcurrency(3))
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); snap(p) }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.in.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if n := st.in.Load(); n != 3 {
		t.Errorf("%d requests in flight, want 3", n)
	}
	close(st.gate)
	wg.Wait()
	if st.n() != 5 {
		t.Errorf("%d calls", st.n())
	}
}

// TestChargesEveryRequest: a call that made three backend requests costs
// three, so a budget of three has nothing left.
func TestChargesEveryRequest(t *testing.T) {
	c := newClock()
	st := &stub{extra: 2}
	p := New(st, Budget{3, time.Hour}, WithClock(c.now), WithBurst(Budget{}))
	if err := snap(p); err != nil {
		t.Fatal(err)
	}
	if err := snap(p); kindOf(err) != datasource.ErrThrottled {
		t.Errorf("second call after 3 of 3 requests: %v", err)
	}
}

func TestPassThrough(t *testing.T) {
	p := New(&stub{}, DefaultBudget)
	cs, err := p.Cohorts(context.Background())
	if err != nil || cs == nil || len(cs) != 0 {
		t.Errorf("cohorts of a source without any: %v %v", cs, err)
	}
	if _, err := p.Check(context.Background(), datasource.DefaultMapping()); err == nil {
		t.Error("check of a source that cannot check: no error")
	}
	if p.Info().Kind != "stub" || p.Unwrap() == nil {
		t.Error("info/unwrap")
	}
}

// throttle429 is PostHog's answer to a request over its budget.
func throttle429(wait time.Duration) error {
	return &datasource.Error{Kind: datasource.ErrThrottled, RetryAfter: wait, Message: "PostHog's rate limit was reached"}
}

// TestLearnsBudgetFrom429: told 2400/h, ttmon sends 120 requests in ten
// minutes; the 121st gets a 429 asking for 50 minutes. The budget it
// paces to becomes 120/h, learned, and the interval follows.
func TestLearnsBudgetFrom429(t *testing.T) {
	c := newClock()
	st := &stub{}
	p := New(st, DefaultBudget, WithClock(c.now))
	for range 120 {
		if err := snap(p); err != nil {
			t.Fatal(err)
		}
		c.add(5 * time.Second)
	}
	st.errs = []error{throttle429(50 * time.Minute)}
	if err := snap(p); kindOf(err) != datasource.ErrThrottled {
		t.Fatalf("121st: %v", err)
	}
	a := p.Assumption()
	if a.Budget != LegacyBudget || a.Basis != Lowered || !strings.Contains(a.Why, "after 120 requests in the last hour") || !strings.Contains(a.Why, "2400/h") {
		t.Errorf("after the 429: %+v", a)
	}
	if iv, why := p.PollInterval(5 * time.Second); iv != 38*time.Second || why != "120/h query budget (learned from a 429)" {
		t.Errorf("interval: %v %q", iv, why)
	}
	if iv, why := p.PollInterval(5 * time.Minute); iv != 5*time.Minute || why != "120/h query budget (learned from a 429)" {
		t.Errorf("a slower interval still says the budget was lowered: %v %q", iv, why)
	}
}

// TestShort429KeepsBudget: a 429 asking for seconds is a burst or
// concurrency limit, not the hourly budget: it is waited out, the budget
// stays.
func TestShort429KeepsBudget(t *testing.T) {
	c := newClock()
	st := &stub{errs: []error{throttle429(20 * time.Second)}}
	p := New(st, DefaultBudget, WithClock(c.now))
	if err := snap(p); kindOf(err) != datasource.ErrThrottled {
		t.Fatal(err)
	}
	if a := p.Assumption(); a.Budget != DefaultBudget || a.Basis != Configured {
		t.Errorf("after a short 429: %+v", a)
	}
}

// TestAutoBudget: with no budget configured ttmon paces to 120/h, says it
// assumed it, and tries 2400/h after an hour without a 429; a team that
// has it confirms it by answering a 121st request in the hour, a team
// that has not sends a 429 and ttmon returns to 120/h for good.
func TestAutoBudget(t *testing.T) {
	hour := func(p *Source, c *clock) {
		for range 95 { // what 38s polls send in an hour
			if err := snap(p); err != nil {
				t.Fatal(err)
			}
			c.add(38 * time.Second)
		}
		c.add(time.Hour - 95*38*time.Second)
	}
	t.Run("team has 2400/h", func(t *testing.T) {
		c, st := newClock(), &stub{}
		p := New(st, Auto, WithClock(c.now))
		a := p.Assumption()
		if a.Budget != LegacyBudget || a.Basis != Assumed || !strings.Contains(a.Why, "API-queries feature") {
			t.Fatalf("start: %+v", a)
		}
		if iv, why := p.PollInterval(5 * time.Second); iv != 38*time.Second || why != "120/h query budget (assumed)" {
			t.Errorf("start: %v %q", iv, why)
		}
		hour(p, c)
		if iv, _ := p.PollInterval(5 * time.Second); iv != 5*time.Second || p.Assumption().Basis != Trying {
			t.Fatalf("after an hour: %v %+v", iv, p.Assumption())
		}
		for range 40 {
			if err := snap(p); err != nil {
				t.Fatal(err)
			}
			c.add(5 * time.Second)
		}
		if a := p.Assumption(); a.Budget != DefaultBudget || a.Basis != Raised || !strings.Contains(a.Why, "more than 120/h allows") {
			t.Errorf("after 121 in an hour: %+v", a)
		}
	})
	t.Run("team has 120/h", func(t *testing.T) {
		c, st := newClock(), &stub{}
		p := New(st, Auto, WithClock(c.now))
		hour(p, c)
		st.errs = []error{nil, nil, throttle429(30 * time.Second)}
		for range 3 {
			snap(p)
			c.add(5 * time.Second)
		}
		a := p.Assumption()
		if a.Budget != LegacyBudget || a.Basis != Lowered || !strings.Contains(a.Why, "when ttmon tried 2400/h") {
			t.Errorf("after the 429: %+v", a)
		}
		c.add(10 * time.Hour)
		if a := p.Assumption(); a.Budget != LegacyBudget {
			t.Errorf("it tried again: %+v", a)
		}
	})
}

// TestPollersShareBudget: two pollers of different views (ttmon ssh
// sessions), each keeping the interval it is given, are told half as often
// once the budget has seen them both: together they stay within 120/h and
// the budget never refuses one; when one leaves, the other speeds up again.
func TestPollersShareBudget(t *testing.T) {
	c, st := newClock(), &stub{}
	p := New(st, LegacyBudget, WithClock(c.now))
	start := c.now()
	next := []time.Time{start, start.Add(19 * time.Second)}
	var why string
	for c.now().Before(start.Add(2 * time.Hour)) {
		i := 0
		if next[1].Before(next[0]) {
			i = 1
		}
		c.t = next[i]
		if err := snap(p); err != nil {
			t.Fatalf("at %v: %v", c.now().Sub(start), err)
		}
		var iv time.Duration
		iv, why = p.PollInterval(5 * time.Second)
		next[i] = c.now().Add(iv)
	}
	if n := st.n(); n > 2*LegacyBudget.N || n < 2*90 {
		t.Errorf("two pollers made %d requests in two hours, want up to %d", n, 2*LegacyBudget.N)
	}
	if iv, _ := p.PollInterval(5 * time.Second); iv != 76*time.Second || why != "120/h query budget, 2 views polling" {
		t.Errorf("two pollers: %v %q", iv, why)
	}
	for end := c.now().Add(15 * time.Minute); c.now().Before(end); { // the second left
		iv, _ := p.PollInterval(5 * time.Second)
		c.add(iv)
		if err := snap(p); err != nil {
			t.Fatal(err)
		}
	}
	if iv, why := p.PollInterval(5 * time.Second); iv != 38*time.Second || why != "120/h query budget" {
		t.Errorf("one poller left: %v %q", iv, why)
	}
}
