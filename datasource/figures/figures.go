// Package figures is a datasource.Source decorator that finishes every
// snapshot the same way, whichever backend made it:
//
//   - the buckets still filling up are marked partial
//     (datasource.MarkPartial), so no chart or script reads an unfinished
//     hour as a drop;
//   - "latest" is the version the configured datasource.LatestRule picks
//     (enough installations, or pinned), not whatever version string is
//     highest: the ★ of the versions pane, Snapshot.Latest (with the rule
//     that chose it) and so versions.latest_share follow it;
//   - filters written `current_version is latest` are resolved at query
//     time, over the query's own range, so a saved cohort keeps meaning
//     "on the newest release" and an old store's date range finds the
//     newest release of those dates.
//
// An unfiltered snapshot picks "latest" from its own versions pane, at no
// extra cost, and remembers the pick for its range; a filtered query
// (whose versions pane is only part of the fleet) reuses that pick while
// it is fresh, and otherwise asks the backend for installations per
// version over the range (one Breakdown, kept for the same time).
package figures

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// DefaultTTL is how long a pick of "latest" is reused for a range: a
// release crossing the threshold shows within minutes, and a filtered
// view costs the backend one more query per TTL at most.
const DefaultTTL = 5 * time.Minute

// Source is the decorator. The wrapped source's optional capabilities
// are found through Unwrap (datasource.As).
type Source struct {
	datasource.Wrapper
	rule datasource.LatestRule
	key  string
	ttl  time.Duration
	now  func() time.Time

	mu    sync.Mutex
	picks map[string]pick
}

type pick struct {
	l  datasource.Latest
	at time.Time
}

var _ datasource.Source = (*Source)(nil)

// Option configures New.
type Option func(*Source)

// WithVersionProperty names the event property carrying the app version
// (Mapping.VersionProperty); default app_version.
func WithVersionProperty(key string) Option {
	return func(s *Source) {
		if key != "" {
			s.key = key
		}
	}
}

// WithTTL sets how long a pick of "latest" is reused; default DefaultTTL.
func WithTTL(d time.Duration) Option { return func(s *Source) { s.ttl = d } }

// WithClock replaces time.Now for the TTL (snapshots carry their own time).
func WithClock(now func() time.Time) Option { return func(s *Source) { s.now = now } }

// New wraps src.
func New(src datasource.Source, rule datasource.LatestRule, opts ...Option) *Source {
	s := &Source{Wrapper: datasource.Wrap(src), rule: rule, key: "app_version", ttl: DefaultTTL, now: time.Now, picks: map[string]pick{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Snapshot answers q with partial buckets marked and "latest" by the rule.
func (s *Source) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	if len(q.Filters) == 0 && !panesUseLatest(q) {
		snap, err := s.Inner.Snapshot(ctx, q)
		if err != nil {
			return nil, err
		}
		if !q.Wants("versions") {
			// No versions were counted: an empty pick is no reading, so
			// the ★ is the one remembered for the range, if any.
			return finish(snap, q, s.remembered(q.Range)), nil
		}
		l := s.rule.Pick(datasource.VersionCounts(snap.Versions))
		s.remember(q.Range, l)
		return finish(snap, q, l), nil
	}
	if !datasource.HasLatest(q.Filters) && !panesUseLatest(q) {
		// Nothing in q depends on the pick: the filtered snapshot goes
		// first, so a store reading a range for the first time reads it
		// as that snapshot needs (every event's person for a cohort) and
		// the unfiltered count of versions then finds it read.
		snap, err := s.Inner.Snapshot(ctx, q)
		if err != nil {
			return nil, err
		}
		l, lerr := s.latest(ctx, q)
		if lerr != nil {
			// The ★ alone is not worth failing the poll: this snapshot's
			// own versions (a part of the fleet) will do until the next.
			l = s.rule.Pick(datasource.VersionCounts(snap.Versions))
		}
		return finish(snap, q, l), nil
	}
	l, lerr := s.latest(ctx, q)
	if lerr != nil {
		return nil, lerr
	}
	snap, err := s.Inner.Snapshot(ctx, resolve(q, l))
	if err != nil {
		return nil, err
	}
	return finish(snap, q, l), nil
}

// finish restores the query as asked (with its `is latest`), flags the
// latest version and the partial buckets.
func finish(snap *datasource.Snapshot, q datasource.Query, l datasource.Latest) *datasource.Snapshot {
	if snap == nil {
		return nil
	}
	snap.Query = q
	snap.Latest = l
	datasource.MarkLatest(snap.Versions, l.Version)
	datasource.MarkPartial(snap)
	return snap
}

func resolve(q datasource.Query, l datasource.Latest) datasource.Query {
	if datasource.HasLatest(q.Filters) {
		q.Filters = datasource.ResolveLatest(q.Filters, l.Version)
	}
	if slices.ContainsFunc(q.Panes, func(p datasource.PaneQuery) bool { return datasource.HasLatest(p.Where) }) {
		q.Panes = slices.Clone(q.Panes)
		for i := range q.Panes {
			q.Panes[i].Where = datasource.ResolveLatest(q.Panes[i].Where, l.Version)
		}
	}
	return q
}

// latest is the fleet's latest version over q's range: remembered, or
// counted by the backend (installations per version, no filters).
func (s *Source) latest(ctx context.Context, q datasource.Query) (datasource.Latest, error) {
	if s.rule.Pin != "" {
		return s.rule.Pick(nil), nil
	}
	k := rangeKey(q.Range)
	s.mu.Lock()
	p, ok := s.picks[k]
	s.mu.Unlock()
	if ok && s.now().Sub(p.at) < s.ttl {
		return p.l, nil
	}
	vs, err := s.Inner.Breakdown(ctx, datasource.BreakdownQuery{
		Query: datasource.Query{Range: q.Range, TZ: q.TZ}, Kind: datasource.KindHeartbeat,
		Scope: datasource.ScopeEvent, Key: s.key, Hour: -1, Limit: 10000,
	})
	if err != nil {
		return datasource.Latest{}, fmt.Errorf("finding the latest version: %w", err)
	}
	counts := make(map[string]int64, len(vs))
	for _, v := range vs {
		counts[v.Value] += v.Count
	}
	l := s.rule.Pick(counts)
	s.remember(q.Range, l)
	return l, nil
}

// remembered is the pick remembered for r (zero without one).
func (s *Source) remembered(r datasource.Range) datasource.Latest {
	if s.rule.Pin != "" {
		return s.rule.Pick(nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.picks[rangeKey(r)].l
}

func (s *Source) remember(r datasource.Range, l datasource.Latest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.picks) > 64 { // ranges come and go with the clock
		clear(s.picks)
	}
	s.picks[rangeKey(r)] = pick{l: l, at: s.now()}
}

// rangeKey names a range for reusing its pick: a preset ("last 24h")
// slides with the clock and is one key; a custom range is its dates.
func rangeKey(r datasource.Range) string {
	if r.Name != "custom" && r.Name != "" {
		return r.Name + "/" + r.Step.String()
	}
	return strconv.FormatInt(r.From.Unix(), 10) + ".." + strconv.FormatInt(r.To.Unix(), 10) + "/" + r.Step.String()
}

// resolved returns q with its `is latest` filters resolved; q itself when
// it has none (no backend call).
func (s *Source) resolved(ctx context.Context, q datasource.Query) (datasource.Query, error) {
	if !datasource.HasLatest(q.Filters) {
		return q, nil
	}
	l, err := s.latest(ctx, q)
	return resolve(q, l), err
}

// Values is the wrapped source's, `is latest` resolved.
func (s *Source) Values(ctx context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	var err error
	if q.Query, err = s.resolved(ctx, q.Query); err != nil {
		return nil, err
	}
	return s.Inner.Values(ctx, q)
}

// Events is the wrapped source's, `is latest` resolved.
func (s *Source) Events(ctx context.Context, q datasource.EventsQuery) ([]datasource.Event, error) {
	var err error
	if q.Query, err = s.resolved(ctx, q.Query); err != nil {
		return nil, err
	}
	return s.Inner.Events(ctx, q)
}

// Installations is the wrapped source's, `is latest` resolved.
func (s *Source) Installations(ctx context.Context, q datasource.InstallationsQuery) ([]datasource.Installation, error) {
	var err error
	if q.Query, err = s.resolved(ctx, q.Query); err != nil {
		return nil, err
	}
	return s.Inner.Installations(ctx, q)
}

// Breakdown is the wrapped source's, `is latest` resolved.
func (s *Source) Breakdown(ctx context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	var err error
	if q.Query, err = s.resolved(ctx, q.Query); err != nil {
		return nil, err
	}
	return s.Inner.Breakdown(ctx, q)
}

// panesUseLatest reports whether a pane's own filters say `is latest`.
func panesUseLatest(q datasource.Query) bool {
	return slices.ContainsFunc(q.Panes, func(p datasource.PaneQuery) bool { return datasource.HasLatest(p.Where) })
}
