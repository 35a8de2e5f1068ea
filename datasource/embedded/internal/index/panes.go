package index

import (
	"context"
	"math"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// Dashboard panes (datasource/pane.go is the contract). Each pane is one
// scan of the chunks its range covers, over the events of its names only
// (a chunk lists each name's offsets), with the pane's filters evaluated
// as the built-in figures' are: once per person, tuple and propset.
// Installation and user keys come from the derived pairs (derive.go), a
// breakdown's values from the tuple, a derived column (propcol.go), the
// person or the name. Distinct counts are bitsets over the keys, so a
// total over the range is distinct over the range, not a sum of buckets.

// paneRun is one pane being computed.
type paneRun struct {
	x       *Index
	pq      datasource.PaneQuery
	meas    datasource.Measure
	from    int64 // ms
	to      int64
	step    int64 // ms; 0 without a series
	buckets int
	names   []bool // by event_names id; nil: every event
	f, denF evalFilters
	skipped []string
	comps   []component
	gi      groupIndex
	ht      *hourTable
	pv      *pairView
	// what the measure and the columns read
	keys, mInst, mUsr, gInst, gUsr, vers, seen, line bool
	total                                            acc
	series                                           []acc
	bLo, bHi                                         int64 // [bLo, bHi) is bucket b
	b                                                int
}

// paneNeeds reports whether pane i reads event properties beyond the
// Mapping's (install keys, a breakdown, a filter), and the earliest time
// it reads.
func (x *Index) paneNeeds(p *Plan, i int) (props bool, from int64) {
	pq := p.panes[i]
	from = pq.Range.From.UnixMilli()
	m := pq.Spec.EffectiveMeasure()
	if m == datasource.MeasureNewInstallations {
		from = math.MinInt64
	}
	if m != datasource.MeasureEvents || slices.Contains(pq.Spec.Columns, datasource.ColumnInstallations) ||
		slices.Contains(pq.Spec.Columns, datasource.ColumnUsers) {
		props = true
	}
	for _, b := range pq.Spec.Refs() {
		if b.Special == "" && b.Scope == datasource.ScopeEvent && x.tupleSlot(b.Key) < 0 {
			props = true
		}
	}
	if ev := newFamFilters(p.paneF[i].Apply).eventFs; len(ev) > 0 {
		if _, rest := x.splitTuple(ev); len(rest) > 0 {
			props = true
		}
	}
	return props, from
}

// panesNeed is paneNeeds over every pane: whether any needs the property
// index, and the earliest time any reads.
func (x *Index) panesNeed(p *Plan) (props bool, from int64) {
	from = math.MaxInt64
	for i := range p.panes {
		pr, f := x.paneNeeds(p, i)
		props = props || pr
		from = min(from, f)
	}
	return props, from
}

// newPaneRun prepares pane i of p; x.mu must be held for reading.
func (x *Index) newPaneRun(p *Plan, i int) *paneRun {
	pq := p.panes[i]
	spec := pq.Spec
	r := &paneRun{x: x, pq: pq, meas: spec.EffectiveMeasure(),
		from: pq.Range.From.UnixMilli(), to: pq.Range.To.UnixMilli()}
	if pq.Range.Step > 0 {
		r.step, r.buckets = pq.Range.Step.Milliseconds(), pq.Range.Buckets()
	}
	r.series = make([]acc, r.buckets)
	if names := x.m.EventNames(spec); names != nil {
		r.names = make([]bool, len(x.names))
		for id, n := range x.names {
			r.names[id] = slices.Contains(names, n)
		}
	}
	pf := p.paneF[i]
	ff := newFamFilters(pf.Apply)
	r.f = x.evalFam(&ff)
	if r.meas == datasource.MeasurePerInstallation {
		hf := newFamFilters(p.hbF)
		r.denF = x.evalFam(&hf)
	}
	if len(pf.Skipped) > 0 {
		r.skipped = datasource.FilterStrings(pf.Skipped)
	}
	r.mInst = r.meas == datasource.MeasureInstallations
	r.mUsr = r.meas == datasource.MeasureUsers
	r.gInst = r.mInst || slices.Contains(spec.Columns, datasource.ColumnInstallations)
	r.gUsr = r.mUsr || slices.Contains(spec.Columns, datasource.ColumnUsers)
	r.keys = r.gInst || r.gUsr || r.meas == datasource.MeasurePerInstallation || r.meas == datasource.MeasureNewInstallations
	r.vers = slices.Contains(spec.Columns, datasource.ColumnVersions)
	r.seen = slices.Contains(spec.Columns, datasource.ColumnFirstSeen) || slices.Contains(spec.Columns, datasource.ColumnLastSeen)
	r.line = spec.EffectiveChart() == datasource.ChartLine
	if slices.Contains(spec.Breakdown, datasource.BreakdownHour) {
		r.ht = newHourTable(p.loc, r.from, r.to)
	}
	return r
}

// panes computes every pane of p; x.mu must be held for reading, and the
// property index loaded when panesNeed says so.
func (x *Index) panes(ctx context.Context, p *Plan) ([]datasource.PaneFigures, error) {
	if len(p.panes) == 0 {
		return nil, nil
	}
	runs := make([]*paneRun, len(p.panes))
	var keys []string
	var todo []int
	needPairs := false
	for i := range p.panes {
		runs[i] = x.newPaneRun(p, i)
		needPairs = needPairs || runs[i].keys
		for _, b := range p.panes[i].Spec.Refs() {
			if b.Special == "" && b.Scope == datasource.ScopeEvent && x.tupleSlot(b.Key) < 0 && !slices.Contains(keys, b.Key) {
				keys = append(keys, b.Key)
			}
		}
	}
	var pv pairView
	if needPairs {
		_, from := x.panesNeed(p)
		to := int64(math.MinInt64)
		for _, r := range runs {
			to = max(to, r.to)
		}
		for ci, c := range x.chunks {
			if c != nil && c.maxMs >= from && c.minMs < to {
				todo = append(todo, ci)
			}
		}
		pv = x.pairs(todo)
	}
	cols := x.columns(keys)
	out := make([]datasource.PaneFigures, len(runs))
	for i, r := range runs {
		r.pv = &pv
		r.comps = x.components(p, r.pq.Spec, cols)
		if err := r.run(ctx); err != nil {
			return nil, err
		}
		out[i] = r.figures()
	}
	return out, nil
}
