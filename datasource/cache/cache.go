// Package cache is a datasource.Source decorator that remembers the answers
// to slow-changing lookups, Values and Properties, for a while (10 minutes
// by default), so filter pickers and completion do not spend a remote
// backend's request budget on every keystroke. Everything else passes
// through.
package cache

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// DefaultTTL is how long an answer is reused.
const DefaultTTL = 10 * time.Minute

// maxEntries bounds memory: a picker session asks for a few dozen keys.
const maxEntries = 512

// Source is the caching decorator. It implements datasource.Source and
// passes datasource.Pacer, datasource.CohortLister and datasource.Checker
// through to the source it wraps.
type Source struct {
	src datasource.Source
	ttl time.Duration
	now func() time.Time

	mu     sync.Mutex
	values map[string]entry[[]datasource.ValueCount]
	props  entry[[]datasource.Property]
}

type entry[T any] struct {
	v  T
	at time.Time
	ok bool
}

var (
	_ datasource.Source       = (*Source)(nil)
	_ datasource.Pacer        = (*Source)(nil)
	_ datasource.CohortLister = (*Source)(nil)
	_ datasource.Checker      = (*Source)(nil)
)

// Option configures New.
type Option func(*Source)

// WithTTL sets how long answers are reused; default DefaultTTL.
func WithTTL(d time.Duration) Option { return func(s *Source) { s.ttl = d } }

// WithClock replaces time.Now.
func WithClock(now func() time.Time) Option { return func(s *Source) { s.now = now } }

// New wraps src.
func New(src datasource.Source, opts ...Option) *Source {
	s := &Source{src: src, ttl: DefaultTTL, now: time.Now, values: map[string]entry[[]datasource.ValueCount]{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Unwrap returns the wrapped source.
func (s *Source) Unwrap() datasource.Source { return s.src }

// valuesKey identifies a Values question. A preset range ("24h") is keyed
// by its name, not its instants: the window slides every bucket, and a
// picker's list of values does not change meaningfully within the TTL.
func valuesKey(q datasource.ValuesQuery) string {
	r := q.Query.Range
	rk := r.Name + "|" + r.Span().String()
	if r.Name == "custom" || r.Name == "" {
		rk = r.From.UTC().Format(time.RFC3339) + ".." + r.To.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s|%s|%d|%q|%d|%s", rk, q.Query.TZ, q.Scope, q.Key, q.Limit,
		strings.Join(datasource.FilterStrings(q.Query.Filters), "\x00"))
}

// Values answers from the cache when a fresh answer to the same question
// is there; errors are not cached.
func (s *Source) Values(ctx context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	k := valuesKey(q)
	s.mu.Lock()
	if e, ok := s.values[k]; ok && s.fresh(e.at) {
		s.mu.Unlock()
		return clone(e.v), nil
	}
	s.mu.Unlock()
	v, err := s.src.Values(ctx, q)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.evict()
	s.values[k] = entry[[]datasource.ValueCount]{v: clone(v), at: s.now(), ok: true}
	s.mu.Unlock()
	return v, nil
}

// Properties answers from the cache while fresh.
func (s *Source) Properties(ctx context.Context) ([]datasource.Property, error) {
	s.mu.Lock()
	if s.props.ok && s.fresh(s.props.at) {
		v := clone(s.props.v)
		s.mu.Unlock()
		return v, nil
	}
	s.mu.Unlock()
	v, err := s.src.Properties(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.props = entry[[]datasource.Property]{v: clone(v), at: s.now(), ok: true}
	s.mu.Unlock()
	return v, nil
}

func (s *Source) fresh(at time.Time) bool { return s.now().Sub(at) < s.ttl }

// evict drops stale entries and, if still full, everything (s.mu held):
// simple, and a refill costs only a few lookups.
func (s *Source) evict() {
	if len(s.values) < maxEntries {
		return
	}
	for k, e := range s.values {
		if !s.fresh(e.at) {
			delete(s.values, k)
		}
	}
	if len(s.values) >= maxEntries {
		clear(s.values)
	}
}

// clone keeps callers from editing the cached slice.
func clone[T any](v []T) []T {
	if v == nil {
		return nil
	}
	return append(make([]T, 0, len(v)), v...)
}

// Snapshot passes through.
func (s *Source) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	return s.src.Snapshot(ctx, q)
}

// Events passes through.
func (s *Source) Events(ctx context.Context, q datasource.EventsQuery) ([]datasource.Event, error) {
	return s.src.Events(ctx, q)
}

// Installations passes through.
func (s *Source) Installations(ctx context.Context, q datasource.InstallationsQuery) ([]datasource.Installation, error) {
	return s.src.Installations(ctx, q)
}

// Breakdown passes through.
func (s *Source) Breakdown(ctx context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	return s.src.Breakdown(ctx, q)
}

// Info is the wrapped source's.
func (s *Source) Info() datasource.Info { return s.src.Info() }

// PollInterval is the wrapped source's when it paces, else requested.
func (s *Source) PollInterval(requested time.Duration) (time.Duration, string) {
	if p, ok := s.src.(datasource.Pacer); ok {
		return p.PollInterval(requested)
	}
	return requested, ""
}

// Cohorts is the wrapped source's; none when it has no cohorts.
func (s *Source) Cohorts(ctx context.Context) ([]datasource.Cohort, error) {
	if cl, ok := s.src.(datasource.CohortLister); ok {
		return cl.Cohorts(ctx)
	}
	return []datasource.Cohort{}, nil
}

// Check is the wrapped source's.
func (s *Source) Check(ctx context.Context, m datasource.Mapping) (*datasource.CheckReport, error) {
	if ch, ok := s.src.(datasource.Checker); ok {
		return ch.Check(ctx, m)
	}
	return nil, fmt.Errorf("%s cannot check its setup", s.src.Info())
}
