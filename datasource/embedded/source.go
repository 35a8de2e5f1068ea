package embedded

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// engine computes the figures. Two implement it: sqlEngine (the reference,
// and the answer while the index loads) and index (the fast path). Both
// must return identical results for the same store state; the randomized
// test holds them to it.
type engine interface {
	snapshot(ctx context.Context, p *plan) (*datasource.Snapshot, error)
	values(ctx context.Context, p *plan, scope datasource.Scope, key string) ([]datasource.ValueCount, error)
	eventIDs(ctx context.Context, p *plan, kind datasource.EventKind, limit int) ([]int64, error)
	installations(ctx context.Context, p *plan) ([]datasource.Installation, error)
	breakdown(ctx context.Context, p *plan, q datasource.BreakdownQuery) ([]datasource.ValueCount, error)
	properties(ctx context.Context) ([]datasource.Property, error)
}

// plan is a Query made ready for an engine: scopes resolved, the zone
// loaded, the range in unix milliseconds, and the filters as each event
// family reads them (datasource.Mapping.FiltersFor).
type plan struct {
	q        datasource.Query
	loc      *time.Location
	from, to int64 // [from, to) in ms
	prevFrom int64 // Range.Previous().From in ms; previous is [prevFrom, from)
	step     int64 // ms; 0 when the range has no buckets
	buckets  int
	// fam holds, per datasource.EventKind, the filters that family
	// applies: KindAny (totals, values, the events of every name) as
	// written, the others as FiltersFor reads them.
	fam         [4]famFilters
	notNarrowed datasource.NotNarrowed
}

// famFilters is one family's filters split by scope, with keys that
// identify each list for the index's caches.
type famFilters struct {
	personFs  []datasource.Filter
	eventFs   []datasource.Filter
	personKey string // identifies personFs for the index's person cache
	filterKey string // identifies eventFs
}

func newFamFilters(fs []datasource.Filter) famFilters {
	var ff famFilters
	for _, f := range fs {
		if f.Scope == datasource.ScopeEvent {
			ff.eventFs = append(ff.eventFs, f)
			ff.filterKey += f.String() + "\x00"
		} else {
			ff.personFs = append(ff.personFs, f)
			ff.personKey += f.String() + "\x00"
		}
	}
	return ff
}

// filters returns the filters family k applies.
func (p *plan) filters(k datasource.EventKind) *famFilters { return &p.fam[k] }

// uniform reports whether every family applies the same filters, so one
// test per event serves them all.
func (p *plan) uniform() bool {
	a := &p.fam[datasource.KindAny]
	for _, f := range p.fam[1:] {
		if f.personKey != a.personKey || f.filterKey != a.filterKey {
			return false
		}
	}
	return true
}

func newPlan(ctx context.Context, e engine, m datasource.Mapping, q datasource.Query) (*plan, error) {
	loc, err := q.Location()
	if err != nil {
		return nil, err
	}
	fs := q.Filters
	for _, f := range fs {
		if f.Scope == datasource.ScopeCohort {
			return nil, &datasource.Error{Kind: datasource.ErrQuery, Message: "cohort=" + f.Key + ": the embedded store has no PostHog cohorts; use property filters or a cohort from the config (c)"}
		}
	}
	for _, f := range fs {
		if f.Scope == datasource.ScopeAuto {
			props, err := e.properties(ctx)
			if err != nil {
				return nil, err
			}
			fs = datasource.ResolveScopes(fs, props)
			break
		}
	}
	p := &plan{q: q, loc: loc, from: q.Range.From.UnixMilli(), to: q.Range.To.UnixMilli()}
	p.prevFrom = p.from - (p.to - p.from)
	if q.Range.Step > 0 {
		p.step = q.Range.Step.Milliseconds()
		p.buckets = q.Range.Buckets()
	}
	for _, k := range []datasource.EventKind{datasource.KindAny, datasource.KindHeartbeat, datasource.KindError, datasource.KindTimer} {
		p.fam[k] = newFamFilters(m.FiltersFor(k, fs).Apply)
	}
	p.notNarrowed = m.NotNarrowed(fs)
	return p, nil
}

// bucket returns the series index of ms, or -1.
func (p *plan) bucket(ms int64) int {
	if p.step <= 0 || ms < p.from {
		return -1
	}
	b := int((ms - p.from) / p.step)
	if b >= p.buckets {
		return -1
	}
	return b
}

// engine returns the index, loaded (it is built on the first query) and
// caught up with the file. Tests that open the store withoutIndex get the
// SQL engine.
func (s *Store) engine(ctx context.Context) (engine, error) {
	if s.opts.noIndex {
		return s.sqlE, nil
	}
	if err := s.idx.wait(ctx); err != nil {
		return nil, err
	}
	if err := s.idx.catchUp(ctx); err != nil {
		return nil, err
	}
	return s.idx, nil
}

// on runs fn with the engine that should answer now; tests call the *On
// methods with each engine directly.
func on[T any](ctx context.Context, s *Store, fn func(engine) (T, error)) (T, error) {
	e, err := s.engine(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(e)
}

// Snapshot computes every pane for q. See the package doc for the exact
// definition of each figure.
func (s *Store) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	start := time.Now()
	snap, err := on(ctx, s, func(e engine) (*datasource.Snapshot, error) { return s.snapshotOn(ctx, e, q) })
	if err == nil {
		snap.Took = time.Since(start) // includes catching the index up
	}
	return snap, err
}

func (s *Store) snapshotOn(ctx context.Context, e engine, q datasource.Query) (*datasource.Snapshot, error) {
	start := time.Now()
	p, err := newPlan(ctx, e, s.opts.mapping, q)
	if err != nil {
		return nil, err
	}
	snap, err := e.snapshot(ctx, p)
	if err != nil {
		return nil, err
	}
	snap.Source = s.Info()
	snap.Query = q
	snap.NotNarrowed = p.notNarrowed
	snap.GeneratedAt = s.opts.now()
	snap.Took = time.Since(start)
	return snap, nil
}

// Values counts the values of one property: for a person property, the
// persons that sent any matching event in range; for an event property, the
// matching events. Missing values are not listed. Most frequent first,
// then by value; Limit defaults to 100.
func (s *Store) Values(ctx context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	return on(ctx, s, func(e engine) ([]datasource.ValueCount, error) { return s.valuesOn(ctx, e, q) })
}

func (s *Store) valuesOn(ctx context.Context, e engine, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	p, err := newPlan(ctx, e, s.opts.mapping, q.Query)
	if err != nil {
		return nil, err
	}
	scope := q.Scope
	if scope == datasource.ScopeAuto {
		props, err := e.properties(ctx)
		if err != nil {
			return nil, err
		}
		scope = datasource.ResolveScopes([]datasource.Filter{{Key: q.Key}}, props)[0].Scope
	}
	out, err := e.values(ctx, p, scope, q.Key)
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
	return e.properties(ctx)
}

// Events lists matching events of one family (KindAny: all), newest first
// (timestamp, then id, descending), with their full properties: the interned
// set plus the event's own $set/$set_once/$unset. Limit defaults to 100.
func (s *Store) Events(ctx context.Context, q datasource.EventsQuery) ([]datasource.Event, error) {
	return on(ctx, s, func(e engine) ([]datasource.Event, error) { return s.eventsOn(ctx, e, q) })
}

func (s *Store) eventsOn(ctx context.Context, e engine, q datasource.EventsQuery) ([]datasource.Event, error) {
	p, err := newPlan(ctx, e, s.opts.mapping, q.Query)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	ids, err := e.eventIDs(ctx, p, q.Kind, limit)
	if err != nil {
		return nil, err
	}
	return fetchEvents(ctx, s.rdb, ids)
}

// Installations lists the persons with a heartbeat in range, one row each,
// described by their latest heartbeat; most recently seen first, then by
// id. Limit defaults to 1000.
func (s *Store) Installations(ctx context.Context, q datasource.InstallationsQuery) ([]datasource.Installation, error) {
	return on(ctx, s, func(e engine) ([]datasource.Installation, error) { return s.installationsOn(ctx, e, q) })
}

func (s *Store) installationsOn(ctx context.Context, e engine, q datasource.InstallationsQuery) ([]datasource.Installation, error) {
	p, err := newPlan(ctx, e, s.opts.mapping, q.Query)
	if err != nil {
		return nil, err
	}
	rows, err := e.installations(ctx, p)
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
	return on(ctx, s, func(e engine) ([]datasource.ValueCount, error) { return s.breakdownOn(ctx, e, q) })
}

func (s *Store) breakdownOn(ctx context.Context, e engine, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	p, err := newPlan(ctx, e, s.opts.mapping, q.Query)
	if err != nil {
		return nil, err
	}
	if q.Scope == datasource.ScopeAuto {
		props, err := e.properties(ctx)
		if err != nil {
			return nil, err
		}
		q.Scope = datasource.ResolveScopes([]datasource.Filter{{Key: q.Key}}, props)[0].Scope
	}
	out, err := e.breakdown(ctx, p, q)
	return datasource.SortCounts(out, q.Limit, 100), err
}

// countsOf turns a value->count map into a slice (unsorted).
func countsOf(m map[string]int64) []datasource.ValueCount {
	out := make([]datasource.ValueCount, 0, len(m))
	for v, n := range m {
		if n > 0 {
			out = append(out, datasource.ValueCount{Value: v, Count: n})
		}
	}
	return out
}

// errorsByVersion builds Errors.ByVersion: errors desc, ties newest first.
func errorsByVersion(m map[string]int64) []datasource.VersionCount {
	out := make([]datasource.VersionCount, 0, len(m))
	for v, n := range m {
		if n > 0 {
			out = append(out, datasource.VersionCount{Version: v, Errors: n})
		}
	}
	slices.SortFunc(out, func(a, b datasource.VersionCount) int {
		if c := cmp.Compare(b.Errors, a.Errors); c != 0 {
			return c
		}
		return datasource.NewestFirst(a.Version, b.Version)
	})
	return out
}

// finish fills the derived parts of a snapshot both engines share.
func finish(snap *datasource.Snapshot, versions, errVersions map[string]int64) {
	if snap.Installs.Active > 0 {
		snap.Errors.PerInstall = float64(snap.Errors.Total) / float64(snap.Installs.Active)
	}
	snap.Versions = datasource.BuildVersions(versions)
	snap.Errors.ByVersion = errorsByVersion(errVersions)
}

func orUnknown(v string, ok bool) string {
	if !ok {
		return datasource.Unknown
	}
	return v
}
