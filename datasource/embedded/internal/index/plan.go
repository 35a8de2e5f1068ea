package index

import (
	"context"
	"slices"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Plan is a Query made ready for an engine: scopes resolved, the zone
// loaded, the range in unix milliseconds, and the filters as each event
// family reads them (datasource.Mapping.FiltersFor).
type Plan struct {
	q        datasource.Query
	loc      *time.Location
	from, to int64 // [from, to) in ms
	prevFrom int64 // Range.Previous().From in ms; previous is [prevFrom, from)
	step     int64 // ms; 0 when the range has no buckets
	buckets  int
	// fam holds, per datasource.EventKind, the filters that family
	// applies: KindAny (totals, values, the events of every name) as
	// written, the others as FiltersFor reads them.
	fam         [4]FamFilters
	notNarrowed datasource.NotNarrowed
	// evOK holds, per list of event filters the tuples cannot answer
	// (filterListKey), a bitset of the passing events per chunk number;
	// the index fills it before it scans (prepareEvents).
	evOK map[string][][]uint64
	// fs are the query's filters with their scopes resolved, and panes
	// q.Panes with their Where resolved alike (datasource.ResolveScopes).
	fs    []datasource.Filter
	panes []datasource.PaneQuery
	paneF []datasource.PaneFilters // per pane, Mapping.FiltersForPane
	hbF   []datasource.Filter      // the heartbeat family's filters (rates' denominators)
	// kinds are the families the built-in figures q wants read (kHB,
	// kER, kTM flags): installations, versions and errors per
	// installation read the heartbeats.
	kinds uint16
}

// FamFilters is one family's filters split by scope, with keys that
// identify each list for the index's caches.
type FamFilters struct {
	personFs  []datasource.Filter
	eventFs   []datasource.Filter
	personKey string // identifies personFs for the index's person cache
	filterKey string // identifies eventFs
}

// NewFamFilters splits a list of filters by scope, for the SQL reference
// engine's panes.
func NewFamFilters(fs []datasource.Filter) FamFilters { return newFamFilters(fs) }

func newFamFilters(fs []datasource.Filter) FamFilters {
	var ff FamFilters
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
func (p *Plan) filters(k datasource.EventKind) *FamFilters { return &p.fam[k] }

// uniform reports whether every family applies the same filters, so one
// test per event serves them all.
func (p *Plan) uniform() bool {
	a := &p.fam[datasource.KindAny]
	for _, f := range p.fam[1:] {
		if f.personKey != a.personKey || f.filterKey != a.filterKey {
			return false
		}
	}
	return true
}

// NewPlan readies q for an engine: it rejects PostHog cohorts, resolves
// filters without a scope against e's properties and splits the filters
// per family as m reads them.
func NewPlan(ctx context.Context, e Engine, m datasource.Mapping, q datasource.Query) (*Plan, error) {
	loc, err := q.Location()
	if err != nil {
		return nil, err
	}
	all := slices.Clone(q.Filters)
	for _, pq := range q.Panes {
		all = append(all, pq.Where...)
	}
	for _, f := range all {
		if f.Scope == datasource.ScopeCohort {
			return nil, &datasource.Error{Kind: datasource.ErrQuery, Message: "cohort=" + f.Key + ": the embedded store has no PostHog cohorts; use property filters or a cohort from the config (c)"}
		}
	}
	for _, f := range all {
		if f.Scope == datasource.ScopeAuto {
			props, err := e.Properties(ctx)
			if err != nil {
				return nil, err
			}
			all = datasource.ResolveScopes(all, props)
			break
		}
	}
	fs := all[:len(q.Filters):len(q.Filters)]
	p := &Plan{q: q, loc: loc, from: q.Range.From.UnixMilli(), to: q.Range.To.UnixMilli(), fs: fs}
	p.panes = slices.Clone(q.Panes)
	at := len(fs)
	for i := range p.panes {
		n := len(p.panes[i].Where)
		p.panes[i].Where = all[at : at+n : at+n]
		at += n
		p.paneF = append(p.paneF, m.FiltersForPane(p.panes[i], fs))
	}
	p.hbF = m.FiltersFor(datasource.KindHeartbeat, fs).Apply
	p.prevFrom = p.from - (p.to - p.from)
	if q.Wants("installs") || q.Wants("versions") || q.Wants("errors") {
		p.kinds |= kHB
	}
	if !q.Wants("installs") {
		p.prevFrom = p.from // the previous period is read for the installations' change only
	}
	if q.Wants("errors") {
		p.kinds |= kER
	}
	if q.Wants("timers") {
		p.kinds |= kTM
	}
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

// hasPersonFilters reports whether some family filters on person
// properties.
func (p *Plan) hasPersonFilters() bool {
	for _, f := range p.fam {
		if len(f.personFs) > 0 {
			return true
		}
	}
	return false
}

// bucket returns the series index of ms, or -1.
func (p *Plan) bucket(ms int64) int {
	if p.step <= 0 || ms < p.from {
		return -1
	}
	b := int((ms - p.from) / p.step)
	if b >= p.buckets {
		return -1
	}
	return b
}

// NotNarrowed lists the filters each pane skips (Mapping.NotNarrowed).
func (p *Plan) NotNarrowed() datasource.NotNarrowed { return p.notNarrowed }

// The accessors below are for the SQL reference engine (../sqlref), which
// reads a Plan from another package; the index reads the fields.

// Query is the query the plan was made from.
func (p *Plan) Query() datasource.Query { return p.q }

// From is the start of the range in unix milliseconds (inclusive).
func (p *Plan) From() int64 { return p.from }

// To is the end of the range in unix milliseconds (exclusive).
func (p *Plan) To() int64 { return p.to }

// PrevFrom is the start of the previous range, which ends at From.
func (p *Plan) PrevFrom() int64 { return p.prevFrom }

// Step is the series bucket in milliseconds, 0 without a series.
func (p *Plan) Step() int64 { return p.step }

// Buckets is how many series buckets the range has.
func (p *Plan) Buckets() int { return p.buckets }

// Filters returns the filters family k applies.
func (p *Plan) Filters(k datasource.EventKind) *FamFilters { return p.filters(k) }

// QueryFilters are the query's filters with their scopes resolved.
func (p *Plan) QueryFilters() []datasource.Filter { return p.fs }

// Panes are the query's panes with their Where scopes resolved.
func (p *Plan) Panes() []datasource.PaneQuery { return p.panes }

// PaneFilters are pane i's filters (datasource.Mapping.FiltersForPane).
func (p *Plan) PaneFilters(i int) datasource.PaneFilters { return p.paneF[i] }

// HeartbeatFilters are the filters the heartbeat family applies, which a
// per-installation rate's denominator reads.
func (p *Plan) HeartbeatFilters() []datasource.Filter { return p.hbF }

// Location is the query's zone.
func (p *Plan) Location() *time.Location { return p.loc }

// Person is the family's filters on person properties.
func (f *FamFilters) Person() []datasource.Filter { return f.personFs }

// Event is the family's filters on event properties.
func (f *FamFilters) Event() []datasource.Filter { return f.eventFs }
