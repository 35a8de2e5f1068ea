// Package shared is a datasource.Source decorator that lets many viewers
// share one backend: identical questions asked at the same time become one
// backend call, and its answer is reused for a while (the poll interval),
// so N sessions of `ttmon ssh` watching the same view cost the backend one
// query per interval, not N. That is what keeps a shared monitor within
// PostHog's request budget.
//
// Two questions are the same when their resolved ranges (From, To, Step,
// name), time zone, filters (in any order) and, for drill calls, their
// other fields are. Answers are copied for each caller. A backend call
// runs detached from the caller that started it: that caller leaving does
// not fail the others waiting for the answer, and the call is cancelled
// only when every caller has left. Failures are shared with the callers
// waiting at that moment and remembered for half the TTL, so the next
// poll tries again.
package shared

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Defaults of New's options.
const (
	// DefaultTimeout bounds one backend call, whoever waits for it.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxEntries bounds the answers kept: a few per session's view.
	DefaultMaxEntries = 256
)

// Source is the sharing decorator. It implements datasource.Source and
// shares datasource.CohortLister like the other lookups when the source
// it wraps lists cohorts (it relays it: see datasource.Relayer). The
// wrapped source's datasource.Pacer and datasource.Checker (not shared:
// a check is a diagnosis and must reach the backend) are found through
// Unwrap (datasource.As).
type Source struct {
	datasource.Wrapper
	g *group

	calls, shared atomic.Int64
}

var (
	_ datasource.Source       = (*Source)(nil)
	_ datasource.CohortLister = (*Source)(nil)
	_ datasource.Relayer      = (*Source)(nil)
)

type options struct {
	errTTL     time.Duration
	timeout    time.Duration
	maxEntries int
	now        func() time.Time
}

// Option configures New.
type Option func(*options)

// WithErrorTTL sets how long a failure is remembered; default half the
// TTL. 0 or less shares a failure only with the callers already waiting.
func WithErrorTTL(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			d = 0
		}
		o.errTTL = d
	}
}

// WithTimeout bounds each backend call; default DefaultTimeout.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithMaxEntries bounds the number of answers kept; default
// DefaultMaxEntries. The least recently used go first.
func WithMaxEntries(n int) Option { return func(o *options) { o.maxEntries = n } }

// WithClock replaces time.Now for the TTLs.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// New wraps src. ttl is how long an answer is reused: the poll interval,
// so that every session polling within one interval of another gets the
// same answer and the backend sees one query per interval and view. A
// session polling faster than ttl sees answers up to ttl old. When src
// paces (datasource.Pacer), an answer is reused for the interval it
// gives for ttl if longer: the sessions poll at that interval, each at
// its own moment, and only a TTL as long keeps them to one query per
// interval and view between them.
func New(src datasource.Source, ttl time.Duration, opts ...Option) *Source {
	o := options{errTTL: ttl / 2, timeout: DefaultTimeout, maxEntries: DefaultMaxEntries, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.timeout <= 0 {
		o.timeout = DefaultTimeout
	}
	o.maxEntries = max(o.maxEntries, 1)
	ttlFn := func() time.Duration { return ttl }
	if p, ok := datasource.As[datasource.Pacer](src); ok {
		ttlFn = func() time.Duration {
			iv, _ := p.PollInterval(ttl)
			return max(iv, ttl)
		}
	}
	return &Source{Wrapper: datasource.Wrap(src), g: newGroup(ttlFn, o.errTTL, o.timeout, o.maxEntries, o.now)}
}

// Stats counts what sharing saved.
type Stats struct {
	// Calls is the number of calls made to the wrapped source.
	Calls int64
	// Shared is the number of answers given without a call of their own:
	// joined a call in flight or reused a remembered answer.
	Shared int64
}

// Stats returns the counts so far.
func (s *Source) Stats() Stats { return Stats{Calls: s.calls.Load(), Shared: s.shared.Load()} }

// get is every shared method: one keyed call, a copy for each caller.
func get[T any](s *Source, ctx context.Context, key string, fn func(context.Context) (T, error), clone func(T) T) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	v, started, err := s.g.do(ctx, key, func(ctx context.Context) (any, error) {
		s.calls.Add(1)
		return fn(ctx)
	})
	if !started {
		s.shared.Add(1)
	}
	if err != nil {
		return zero, err
	}
	t, _ := v.(T)
	return clone(t), nil
}

// Snapshot is shared by query.
func (s *Source) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	return get(s, ctx, snapshotKey(q), func(ctx context.Context) (*datasource.Snapshot, error) {
		return s.Inner.Snapshot(ctx, q)
	}, cloneSnapshot)
}

// Values is shared by question.
func (s *Source) Values(ctx context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	return get(s, ctx, valuesKey(q), func(ctx context.Context) ([]datasource.ValueCount, error) {
		return s.Inner.Values(ctx, q)
	}, slices.Clone)
}

// Properties is shared.
func (s *Source) Properties(ctx context.Context) ([]datasource.Property, error) {
	return get(s, ctx, propertiesKey, s.Inner.Properties, slices.Clone)
}

// Events is shared by question.
func (s *Source) Events(ctx context.Context, q datasource.EventsQuery) ([]datasource.Event, error) {
	return get(s, ctx, eventsKey(q), func(ctx context.Context) ([]datasource.Event, error) {
		return s.Inner.Events(ctx, q)
	}, cloneEvents)
}

// Installations is shared by question.
func (s *Source) Installations(ctx context.Context, q datasource.InstallationsQuery) ([]datasource.Installation, error) {
	return get(s, ctx, installationsKey(q), func(ctx context.Context) ([]datasource.Installation, error) {
		return s.Inner.Installations(ctx, q)
	}, slices.Clone)
}

// Breakdown is shared by question.
func (s *Source) Breakdown(ctx context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	return get(s, ctx, breakdownKey(q), func(ctx context.Context) ([]datasource.ValueCount, error) {
		return s.Inner.Breakdown(ctx, q)
	}, slices.Clone)
}

// Relays names Cohorts: offered only over a source that lists cohorts.
func (s *Source) Relays() datasource.Caps { return datasource.CanListCohorts }

// Cohorts is the wrapped source's, shared; none when it has no cohorts.
func (s *Source) Cohorts(ctx context.Context) ([]datasource.Cohort, error) {
	cl, ok := datasource.As[datasource.CohortLister](s.Inner)
	if !ok {
		return []datasource.Cohort{}, nil
	}
	return get(s, ctx, cohortsKey, cl.Cohorts, slices.Clone)
}
