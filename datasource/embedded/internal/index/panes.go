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
// as the built-in figures' are: once per person and tuple, and per chunk
// from the postings for other event properties (p.evOK). Installation and
// user keys come from the derived pairs (derive.go), a breakdown's values
// from the tuple, a column read from the postings of the panes' range
// (panesprep.go), the person or the name. Distinct counts are bitsets over the keys, so a
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
	names   []bool     // by event_names id; nil: every event
	ff      FamFilters // the pane's filters
	f, denF evalFilters
	skipped []string
	comps   []component
	ht      *hourTable
	pv      *pairView
	lens    []int // each chunk's events when the query was prepared
	// distinct says the measure counts keys, users (byUser) or
	// installations; needKeys that the scan reads keys; rate that it
	// reads the denominator's heartbeats; columns that a table wants
	// columns (colInst, colUsr, vers, first and last seen); line a
	// series per group; covered that the buckets cover the range;
	// nameOnly that the group depends on the name alone, tupOnly on one
	// tuple slot.
	distinct, byUser, needKeys, rate     bool
	columns, colInst, colUsr, vers, line bool
	covered, nameOnly, tupOnly           bool
	countOnly                            bool // events, no keys or columns, grouped by name or not at all
	// cells holds the counts per bucket, and last outside every bucket;
	// want, when set, says which cells the scan counts (the others come
	// from the cache).
	cells             []cell
	want              []bool
	first             []firstHit // new installations: per installation key
	stamps, denStamps stamps
	sig               string // the kept cells' signature (panecache.go)
	skip              bool   // every cell came from the cache
	dig               *hbUse // how the pane reads the heartbeat digest (hbdigest.go); nil: it does not
	bLo, bHi          int64  // [bLo, bHi) is bucket b
	b                 int
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
	if names := x.m.EventNames(spec); names != nil {
		r.names = make([]bool, len(x.names))
		for id, n := range x.names {
			r.names[id] = slices.Contains(names, n)
		}
	}
	pf := p.paneF[i]
	r.ff = newFamFilters(pf.Apply)
	r.f = x.evalFam(p, &r.ff)
	if r.meas == datasource.MeasurePerInstallation {
		hf := newFamFilters(p.hbF)
		r.denF = x.evalFam(p, &hf)
	}
	if len(pf.Skipped) > 0 {
		r.skipped = datasource.FilterStrings(pf.Skipped)
	}
	r.distinct = r.meas == datasource.MeasureInstallations || r.meas == datasource.MeasureUsers
	r.byUser = r.meas == datasource.MeasureUsers
	r.rate = r.meas == datasource.MeasurePerInstallation
	r.colInst = slices.Contains(spec.Columns, datasource.ColumnInstallations)
	r.colUsr = slices.Contains(spec.Columns, datasource.ColumnUsers)
	r.vers = slices.Contains(spec.Columns, datasource.ColumnVersions)
	r.columns = len(spec.Columns) > 0
	r.needKeys = r.distinct || r.colInst || r.colUsr || r.rate || r.meas == datasource.MeasureNewInstallations
	r.line = spec.EffectiveChart() == datasource.ChartLine
	r.covered = r.step > 0 && r.from+int64(r.buckets)*r.step == r.to
	if slices.Contains(spec.Breakdown, datasource.BreakdownHour) {
		r.ht = newHourTable(p.loc, r.from, r.to)
	}
	return r
}

// panes computes every pane of p from what preparePanes read (pp); x.mu
// must be held for reading. Every pane reads a chunk while it is in the
// cache, and big scans run on two cores, each worker with its own counts,
// merged at the end.
func (x *Index) panes(ctx context.Context, p *Plan, pp *panePrep) ([]datasource.PaneFigures, error) {
	if len(p.panes) == 0 {
		return nil, nil
	}
	runs, todo, total, keep := x.paneRuns(p, pp)
	if err := x.scanPanes(ctx, runs, todo, total); err != nil {
		return nil, err
	}
	out := make([]datasource.PaneFigures, len(runs))
	for i, r := range runs {
		if keep {
			x.paneCache.store(r, r.sig)
		}
		r.finishNew()
		out[i] = r.figures()
	}
	return out, nil
}

// paneRuns readies every pane of p: its filters, the chunks any reads with
// their user pairs, the breakdowns' columns, and the kept cells. keep says
// whether what is counted now may be kept: not when a chunk grew since
// preparePanes read the install ids, the columns and the filters' bitsets
// (its new events are not derived).
func (x *Index) paneRuns(p *Plan, pp *panePrep) (runs []*paneRun, todo []int, total int, keep bool) {
	needPairs := false
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range p.panes {
		r := x.newPaneRun(p, i)
		runs = append(runs, r)
		needPairs = needPairs || r.needKeys
		from, to := paneSpan(p.panes[i])
		lo, hi = min(lo, from), max(hi, to)
	}
	keep = true
	for ci, c := range x.chunks {
		if c != nil && c.maxMs >= lo && c.minMs < hi {
			todo = append(todo, ci)
			total += c.len()
			keep = keep && ci < len(pp.lens) && c.len() == pp.lens[ci]
		}
	}
	var pv pairView
	if needPairs {
		pv = x.pairs(todo, nil) // preparePanes derived them
	}
	for i, r := range runs {
		r.pv, r.lens = &pv, pp.lens
		r.setComponents(x.components(p, r.pq.Spec, pp.cols))
		r.reset()
		r.sig = r.signature(p, i)
		x.paneCache.load(r, r.sig)
		if r.meas == datasource.MeasureNewInstallations {
			r.newInstalls(p)
		}
	}
	if needPairs {
		x.digestPanes(runs, todo, &pv)
	}
	return runs, todo, total, keep
}

// setComponents installs the breakdown's components and notes the
// shapes the scan has shortcuts for.
func (r *paneRun) setComponents(cs []component) {
	r.comps = cs
	r.nameOnly = len(cs) > 0
	for _, c := range cs {
		r.nameOnly = r.nameOnly && (c.kind == compEvent || c.kind == compCategory)
	}
	r.tupOnly = len(cs) == 1 && cs[0].kind == compTuple
	r.countOnly = r.meas == datasource.MeasureEvents && !r.needKeys && !r.columns && (len(cs) == 0 || r.nameOnly)
}

// scanPanes runs every pane over the chunks todo, on two workers when
// they hold enough events.
func (x *Index) scanPanes(ctx context.Context, runs []*paneRun, todo []int, total int) error {
	workers := scanWorkers(total)
	sets := make([][]*paneRun, workers)
	sets[0] = runs
	for w := 1; w < workers; w++ {
		for _, r := range runs {
			c := *r
			c.reset()
			sets[w] = append(sets[w], &c)
		}
	}
	err := onWorkers(workers, func(w int) error {
		for j := w; j < len(todo); j += workers {
			if j%16 == w && ctx.Err() != nil {
				return ctx.Err()
			}
			ci := todo[j]
			for _, r := range sets[w] {
				if !r.skip {
					r.chunk(ci, x.chunks[ci])
				}
			}
		}
		return nil
	})
	for w := 1; w < workers; w++ {
		for i, r := range runs {
			r.merge(sets[w][i])
		}
	}
	return err
}
