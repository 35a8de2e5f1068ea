// Package pace is a datasource.Source decorator that keeps a backend within
// its request budget: it counts every request in sliding windows (the
// configured budget and the backend's burst limit), limits concurrent
// requests, backs off exponentially with jitter after failures, waits out
// the time a throttled backend asks for, and tells the UI which poll
// interval fits the budget (datasource.Pacer).
//
// A refused call never reaches the backend: it returns a
// *datasource.Error (ErrThrottled or ErrUnavailable) whose RetryAfter says
// when to try again, so the UI keeps its last good data with a stale badge.
package pace

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// RequestCounter is implemented by sources that can say how many backend
// requests they have made in total. A call that made more than one (the
// PostHog adapter resolving a filter's scope first) is charged for each.
type RequestCounter interface {
	Requests() int64
}

// Source is the pacing decorator. It implements datasource.Source and
// datasource.Pacer, and paces the wrapped source's datasource.CohortLister
// and datasource.Checker when it has them (it relays them: see
// datasource.Relayer).
type Source struct {
	datasource.Wrapper
	o   options
	sem chan struct{}

	mu       sync.Mutex
	budget   Budget // the budget paced to; see learn.go for how it moves
	basis    Basis
	why      string
	probe    probe
	windows  []*window     // budget, then burst
	lookups  *window       // lookup requests (values, properties, cohorts), for the interval
	polls    []polled      // poll requests, to count the pollers (streams.go)
	paced    time.Duration // the interval PollInterval last gave polls
	fails    int           // consecutive ErrUnavailable results
	until    time.Time     // refuse calls before this
	blockErr *datasource.Error
}

var (
	_ datasource.Source       = (*Source)(nil)
	_ datasource.Pacer        = (*Source)(nil)
	_ datasource.CohortLister = (*Source)(nil)
	_ datasource.Checker      = (*Source)(nil)
	_ datasource.Relayer      = (*Source)(nil)
)

type options struct {
	now         func() time.Time
	jitter      func() float64 // in [0, 1)
	burst       Budget
	concurrency int
	reserve     float64
	backoffBase time.Duration
	backoffMax  time.Duration
}

// Option configures New.
type Option func(*options)

// WithClock replaces time.Now; tests advance a fake clock instead of
// sleeping.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithJitter replaces the random source of backoff jitter (values in
// [0, 1)).
func WithJitter(f func() float64) Option { return func(o *options) { o.jitter = f } }

// WithBurst sets the short-window limit; default BurstBudget (240/min).
func WithBurst(b Budget) Option { return func(o *options) { o.burst = b } }

// WithConcurrency sets how many requests may run at once; default 3.
func WithConcurrency(n int) Option { return func(o *options) { o.concurrency = n } }

// WithReserve sets the share of the budget kept free for value, property
// and cohort lookups when choosing the poll interval; default 0.2.
func WithReserve(f float64) Option { return func(o *options) { o.reserve = f } }

// WithBackoff sets the first and the longest wait after a failure; default
// 2s and 5m.
func WithBackoff(base, max time.Duration) Option {
	return func(o *options) { o.backoffBase, o.backoffMax = base, max }
}

// New wraps src in a budget of b.
func New(src datasource.Source, b Budget, opts ...Option) *Source {
	o := options{
		now: time.Now, jitter: rand.Float64, burst: BurstBudget,
		concurrency: DefaultConcurrency, reserve: 0.2,
		backoffBase: 2 * time.Second, backoffMax: 5 * time.Minute,
	}
	for _, opt := range opts {
		opt(&o)
	}
	o.concurrency = max(o.concurrency, 1)
	o.reserve = min(max(o.reserve, 0), 0.9)
	s := &Source{Wrapper: datasource.Wrap(src), o: o, sem: make(chan struct{}, o.concurrency), basis: Configured}
	if b.IsAuto() {
		b, s.basis = LegacyBudget, Assumed
		s.probe = probe{to: DefaultBudget, at: o.now().Add(LegacyBudget.Per)}
	}
	s.budget = b
	s.windows = []*window{{limit: max(b.N, 1), per: b.Per}}
	if o.burst.N > 0 && o.burst.Per > 0 {
		s.windows = append(s.windows, &window{limit: o.burst.N, per: o.burst.Per})
	}
	s.lookups = &window{limit: math.MaxInt, per: b.Per}
	return s
}

// Budget is the budget ttmon paces to now: the configured one, or the
// one assumed or learned (see Assumption).
func (s *Source) Budget() Budget {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.budget
}

// admit decides whether a call may go to the backend now and, if so,
// charges it. It never sleeps: a refusal says how long to wait.
func (s *Source) admit(lookup bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.now()
	s.tryProbe(now)
	if wait := s.until.Sub(now); wait > 0 {
		e := *s.blockErr
		e.RetryAfter = wait
		e.Message = fmt.Sprintf("%s; next try in %s", e.Message, roundUp(wait))
		return &e
	}
	for i, w := range s.windows {
		if wait := w.wait(now); wait > 0 {
			b := s.budget
			if i > 0 {
				b = s.o.burst
			}
			return &datasource.Error{Kind: datasource.ErrThrottled, RetryAfter: wait,
				Message: fmt.Sprintf("query budget %s used up; next query in %s", b, roundUp(wait))}
		}
	}
	s.charge(now, lookup, 1)
	return nil
}

func (s *Source) charge(now time.Time, lookup bool, n int) {
	for _, w := range s.windows {
		w.add(now, n)
	}
	if lookup {
		s.lookups.add(now, n)
	} else {
		s.notePolls(now, n)
	}
}

// call runs fn within the budget and learns from its outcome.
func (s *Source) call(ctx context.Context, lookup bool, fn func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.admit(lookup); err != nil {
		return err
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	rc, counts := datasource.As[RequestCounter](s.Inner)
	var before int64
	if counts {
		before = rc.Requests()
	}
	err := fn(ctx)
	<-s.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.now()
	if counts {
		if extra := int(rc.Requests()-before) - 1; extra > 0 {
			s.charge(now, lookup, extra)
		}
	}
	return s.learn(ctx, now, err)
}

// learn updates the backoff state from a result (s.mu held).
func (s *Source) learn(ctx context.Context, now time.Time, err error) error {
	if err == nil {
		s.fails = 0
		s.confirm(now)
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) && errors.Is(err, context.Canceled) {
		return err // the caller gave up; says nothing about the backend
	}
	// A deadline that ran out, though, is the backend being slower than
	// the caller can wait: it backs off like any other failure, or a
	// hung backend would be asked again at every poll.
	var de *datasource.Error
	switch {
	case errors.As(err, &de):
	case errors.Is(err, context.DeadlineExceeded):
		de = &datasource.Error{Kind: datasource.ErrUnavailable, Short: "timed out", Message: "timed out: the backend did not answer in time", Err: err}
	default:
		de = &datasource.Error{Kind: datasource.ErrUnavailable, Message: err.Error(), Err: err}
	}
	switch de.Kind {
	case datasource.ErrThrottled:
		wait := de.RetryAfter
		if wait <= 0 {
			wait = 30 * time.Second
		}
		s.lower(now, wait)
		s.block(now, wait, &datasource.Error{Kind: datasource.ErrThrottled, Message: "the backend asked ttmon to slow down", Err: err})
		out := *de
		out.RetryAfter = wait
		return &out
	case datasource.ErrUnavailable:
		s.fails++
		wait := s.backoff(s.fails)
		if de.RetryAfter > wait {
			wait = de.RetryAfter
		}
		s.block(now, wait, &datasource.Error{Kind: datasource.ErrUnavailable, Message: de.Error(), Err: err})
		out := *de
		out.RetryAfter = wait
		if out.Message == "" {
			out.Message = de.Error()
		}
		out.Message = fmt.Sprintf("%s; retrying in %s", out.Message, roundUp(wait))
		if out.Err == nil {
			out.Err = err
		}
		return &out
	}
	return err
}

func (s *Source) block(now time.Time, d time.Duration, e *datasource.Error) {
	if t := now.Add(d); t.After(s.until) {
		s.until = t
		s.blockErr = e
	}
}

// backoff is exponential with "equal jitter": half the step is fixed, half
// random, so retries from many clients spread out but never come early.
func (s *Source) backoff(n int) time.Duration {
	d := s.o.backoffBase
	for i := 1; i < n && d < s.o.backoffMax; i++ {
		d *= 2
	}
	d = min(d, s.o.backoffMax)
	return d/2 + time.Duration(s.o.jitter()*float64(d/2))
}

// PollInterval returns the interval that keeps polls plus lookups within
// the budget: the reserve share of the budget (or what lookups really
// used in the last window, if more) is kept for value, property and
// cohort lookups, and the rest is spread evenly over polls of one
// request. A drill view's poll is its drilldown requests (Breakdown,
// Events, Installations): they are charged like snapshots, and a caller
// whose poll makes n requests asks for requested/n and waits n times the
// answer. When several pollers share the budget (ttmon ssh sessions on
// different views: sessions on the same view share answers), each gets
// its share: the interval is multiplied by their number (see streams).
//
// reason names the budget, and where it comes from when not configured
// ("120/h query budget (learned from a 429)"), when the interval is
// longer than requested or when a 429 lowered the budget (the operator
// should know it is not what they set). A wait the backend asked for, or
// a backoff, is not part of the interval: the refused call's error
// carries that wait (RetryAfter), and sharing callers must not take a
// passing block for the pace.
func (s *Source) PollInterval(requested time.Duration) (time.Duration, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.now()
	s.tryProbe(now)
	b := s.budget
	kept := int(math.Ceil(float64(b.N) * s.o.reserve))
	used := s.lookups.count(now)
	avail := b.N - max(kept, used)
	if avail < 1 {
		avail = 1
	}
	need := roundUp(time.Duration(math.Ceil(float64(b.Per) / float64(avail))))
	if o := s.o.burst; o.N > 0 && o.Per > 0 {
		need = max(need, roundUp(o.Per/time.Duration(o.N)))
	}
	n := s.streams(now)
	need *= time.Duration(n)
	s.paced = need
	why := b.String() + " query budget"
	if s.basis != Configured {
		why += " (" + s.basis.String() + ")"
	}
	if requested >= need {
		if s.basis == Lowered {
			return requested, why // PostHog's limit is not what ttmon was told: say so
		}
		return requested, ""
	}
	if used > kept {
		why += fmt.Sprintf(", %d used by lookups", used)
	}
	return need, why + streamsWhy(n)
}

// roundUp rounds to the next whole second, so messages and intervals read
// cleanly and never undershoot.
func roundUp(d time.Duration) time.Duration {
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return d
}
