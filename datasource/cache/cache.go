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
// changes only Values and Properties; the optional capabilities of the
// source it wraps are found through Unwrap (datasource.As).
type Source struct {
	datasource.Wrapper
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

var _ datasource.Source = (*Source)(nil)

// Option configures New.
type Option func(*Source)

// WithTTL sets how long answers are reused; default DefaultTTL.
func WithTTL(d time.Duration) Option { return func(s *Source) { s.ttl = d } }

// WithClock replaces time.Now.
func WithClock(now func() time.Time) Option { return func(s *Source) { s.now = now } }

// New wraps src.
func New(src datasource.Source, opts ...Option) *Source {
	s := &Source{Wrapper: datasource.Wrap(src), ttl: DefaultTTL, now: time.Now, values: map[string]entry[[]datasource.ValueCount]{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

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
	v, err := s.Inner.Values(ctx, q)
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
	v, err := s.Inner.Properties(ctx)
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
