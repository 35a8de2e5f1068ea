package index

import (
	"context"

	"github.com/ttmon/ttmon/datasource"
)

// Engine computes the figures for a Plan. Two implement it: *Index (the
// store's only production path) and the SQL reference engine in
// ../sqlref, which only tests link. Both must return identical results for
// the same store state; the randomized tests in the embedded package hold
// them to it.
type Engine interface {
	Snapshot(ctx context.Context, p *Plan) (*datasource.Snapshot, error)
	Values(ctx context.Context, p *Plan, scope datasource.Scope, key string) ([]datasource.ValueCount, error)
	EventIDs(ctx context.Context, p *Plan, q datasource.EventsQuery) ([]int64, error)
	Installations(ctx context.Context, p *Plan) ([]datasource.Installation, error)
	Breakdown(ctx context.Context, p *Plan, q datasource.BreakdownQuery) ([]datasource.ValueCount, error)
	Properties(ctx context.Context) ([]datasource.Property, error)
}

var _ Engine = (*Index)(nil)

// Snapshot computes every pane for p (the package doc of embedded defines
// each figure). The caller has waited for the first load (Wait) and caught
// up (CatchUp).
func (x *Index) Snapshot(ctx context.Context, p *Plan) (*datasource.Snapshot, error) {
	defer x.fg.enter()()
	return x.snapshot(ctx, p)
}

// snapshot answers the built-in figures (unless PanesOnly) and the panes
// under one read lock, so both describe the same state of the index.
func (x *Index) snapshot(ctx context.Context, p *Plan) (*datasource.Snapshot, error) {
	lean := false
	if !p.q.PanesOnly {
		// With panes, the chunks are decoded once as the panes read them
		// (every event's distinct id and name), not once for the figures
		// and again for the panes.
		var k keep
		if len(p.panes) > 0 {
			k = keepDIDs | keepNames
		}
		var err error
		if k == 0 {
			lean, err = x.prepareLean(ctx, p)
		}
		if !lean && err == nil {
			err = x.prepare(ctx, p, p.prevFrom, k, datasource.ScopeAuto, "")
		}
		if err != nil {
			return nil, err
		}
	}
	pp, err := x.preparePanes(ctx, p)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	if ready, anyClass := x.leanReady(p); lean && ready {
		if anyClass {
			x.leanScans.Add(1)
		}
	} else if lean {
		// A person changed since the classes were computed (or a chunk
		// came in without them): distinct ids, as a process that is not
		// lean reads them.
		x.mu.RUnlock()
		if err := x.prepare(ctx, p, p.prevFrom, keepDIDs, datasource.ScopeAuto, ""); err != nil {
			return nil, err
		}
		x.mu.RLock()
	}
	defer x.mu.RUnlock()
	snap := &datasource.Snapshot{}
	if !p.q.PanesOnly {
		if snap, err = x.builtin(ctx, p); err != nil {
			return nil, err
		}
	}
	panes, err := x.panes(ctx, p, pp)
	if err != nil {
		return nil, err
	}
	snap.Panes = panes
	return snap, nil
}

// Values counts the values of one property in p's range.
func (x *Index) Values(ctx context.Context, p *Plan, scope datasource.Scope, key string) ([]datasource.ValueCount, error) {
	defer x.fg.enter()()
	return x.values(ctx, p, scope, key)
}

// EventIDs returns the ids of the newest q.Limit events of q.Kind in p's
// range, narrowed by q's names, category and hours, newest first; the
// store fetches their rows.
func (x *Index) EventIDs(ctx context.Context, p *Plan, q datasource.EventsQuery) ([]int64, error) {
	defer x.fg.enter()()
	return x.eventIDs(ctx, p, q)
}

// Installations lists the active installations in p's range.
func (x *Index) Installations(ctx context.Context, p *Plan) ([]datasource.Installation, error) {
	defer x.fg.enter()()
	return x.installations(ctx, p)
}

// Breakdown counts one family's events (or persons) per value of q.Key.
func (x *Index) Breakdown(ctx context.Context, p *Plan, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	defer x.fg.enter()()
	return x.breakdown(ctx, p, q)
}

// Properties lists the person and event property keys the store holds.
func (x *Index) Properties(ctx context.Context) ([]datasource.Property, error) {
	return x.properties(ctx)
}
