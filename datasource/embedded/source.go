package embedded

import (
	"cmp"
	"context"
	"os"
	"slices"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/hugeheap"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// engine returns the index, loaded (it is built on the first query) and
// caught up with the file; a store opened withEngine gets that engine.
func (s *Store) engine(ctx context.Context) (index.Engine, error) {
	if s.alt != nil {
		return s.alt, nil
	}
	s.hugeOnce.Do(s.reserveHuge)
	if err := s.idx.Wait(ctx); err != nil {
		return nil, err
	}
	if err := s.idx.CatchUp(ctx); err != nil {
		return nil, err
	}
	return s.idx, nil
}

// reserveHuge reserves heap for huge pages before the index's first load
// (WithHugePages): half the file's size (the index holds about a seventh
// of it, the chunks' blobs pass through on their way), at least 64 MiB
// and at most 4 GiB. The prefetch, if any, ends the advice when it is
// done; Close otherwise.
func (s *Store) reserveHuge() {
	if !s.opts.huge || s.idx.Ready() {
		return
	}
	size := int64(64 << 20)
	if fi, err := os.Stat(s.path); err == nil {
		size = min(max(size, fi.Size()/2), 4<<30)
	}
	s.huge = hugeheap.Reserve(int(size))
	if s.opts.prefetch {
		s.idx.AfterPrefetch(s.huge.Release)
	}
}

// on runs fn with the index.Engine that should answer now; tests call the *On
// methods with each engine directly.
func on[T any](ctx context.Context, s *Store, fn func(index.Engine) (T, error)) (T, error) {
	e, err := s.engine(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer func() {
		// The prefetch starts once the first query is answered, so it
		// does not compete with it for the cores and the chunks.
		if s.opts.prefetch && s.alt == nil {
			s.idx.Prefetch()
		}
	}()
	return fn(e)
}

// Snapshot computes every pane for q. See the package doc for the exact
// definition of each figure.
func (s *Store) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	start := time.Now()
	snap, err := on(ctx, s, func(e index.Engine) (*datasource.Snapshot, error) { return s.snapshotOn(ctx, e, q) })
	if err == nil {
		snap.Took = time.Since(start) // includes catching the index up
	}
	return snap, err
}

func (s *Store) snapshotOn(ctx context.Context, e index.Engine, q datasource.Query) (*datasource.Snapshot, error) {
	start := time.Now()
	p, err := index.NewPlan(ctx, e, s.opts.mapping, q)
	if err != nil {
		return nil, err
	}
	snap, err := e.Snapshot(ctx, p)
	if err != nil {
		return nil, err
	}
	snap.KeepFigures(q)
	snap.Source = s.Info()
	snap.Query = q
	snap.NotNarrowed = p.NotNarrowed()
	snap.GeneratedAt = s.opts.now()
	snap.Took = time.Since(start)
	return snap, nil
}

// Values counts the values of one property: for a person property, the
// persons that sent any matching event in range; for an event property, the
// matching events. Missing values are not listed. Most frequent first,
// then by value; Limit defaults to 100.
func (s *Store) Values(ctx context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	return on(ctx, s, func(e index.Engine) ([]datasource.ValueCount, error) { return s.valuesOn(ctx, e, q) })
}

func (s *Store) valuesOn(ctx context.Context, e index.Engine, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	p, err := index.NewPlan(ctx, e, s.opts.mapping, q.Query)
	if err != nil {
		return nil, err
	}
	scope := q.Scope
	if scope == datasource.ScopeAuto {
		props, err := e.Properties(ctx)
		if err != nil {
			return nil, err
		}
		scope = datasource.ResolveScopes([]datasource.Filter{{Key: q.Key}}, props)[0].Scope
	}
	out, err := e.Values(ctx, p, scope, q.Key)
	return datasource.SortCounts(out, q.Limit, 100), err
}

// Properties lists the keys carried by persons (ScopePerson) and by event
// property sets (ScopeEvent), sorted by key then scope, without $set,
// $set_once and $unset. Keys whose only values are null are not listed.
func (s *Store) Properties(ctx context.Context) ([]datasource.Property, error) {
	e, err := s.engine(ctx)
	if err != nil {
		return nil, err
	}
	return e.Properties(ctx)
}

// Events lists matching events of one family (KindAny: all), newest first
// (timestamp, then id, descending), with their full properties: the interned
// set plus the event's own $set/$set_once/$unset. Limit defaults to 100.
func (s *Store) Events(ctx context.Context, q datasource.EventsQuery) ([]datasource.Event, error) {
	return on(ctx, s, func(e index.Engine) ([]datasource.Event, error) { return s.eventsOn(ctx, e, q) })
}

func (s *Store) eventsOn(ctx context.Context, e index.Engine, q datasource.EventsQuery) ([]datasource.Event, error) {
	p, err := index.NewPlan(ctx, e, s.opts.mapping, q.Query)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	ids, err := e.EventIDs(ctx, p, q)
	if err != nil {
		return nil, err
	}
	return fetchEvents(ctx, s.rdb, ids)
}

// Installations lists the persons with a heartbeat in range, one row each,
// described by their latest heartbeat; most recently seen first, then by
// id. Limit defaults to 1000.
func (s *Store) Installations(ctx context.Context, q datasource.InstallationsQuery) ([]datasource.Installation, error) {
	return on(ctx, s, func(e index.Engine) ([]datasource.Installation, error) { return s.installationsOn(ctx, e, q) })
}

func (s *Store) installationsOn(ctx context.Context, e index.Engine, q datasource.InstallationsQuery) ([]datasource.Installation, error) {
	p, err := index.NewPlan(ctx, e, s.opts.mapping, q.Query)
	if err != nil {
		return nil, err
	}
	rows, err := e.Installations(ctx, p)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b datasource.Installation) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	if len(rows) > limit {
		rows = rows[:limit]
	}
	return rows, nil
}

// Breakdown groups one event family by a property; see the package doc.
// Limit defaults to 100.
func (s *Store) Breakdown(ctx context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	return on(ctx, s, func(e index.Engine) ([]datasource.ValueCount, error) { return s.breakdownOn(ctx, e, q) })
}

func (s *Store) breakdownOn(ctx context.Context, e index.Engine, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	p, err := index.NewPlan(ctx, e, s.opts.mapping, q.Query)
	if err != nil {
		return nil, err
	}
	if q.Scope == datasource.ScopeAuto {
		props, err := e.Properties(ctx)
		if err != nil {
			return nil, err
		}
		q.Scope = datasource.ResolveScopes([]datasource.Filter{{Key: q.Key}}, props)[0].Scope
	}
	out, err := e.Breakdown(ctx, p, q)
	return datasource.SortCounts(out, q.Limit, 100), err
}
