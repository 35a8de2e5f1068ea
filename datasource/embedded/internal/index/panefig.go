package index

import (
	"cmp"
	"slices"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// value is the pane's measure over a.
func (r *paneRun) value(a *acc) float64 {
	switch {
	case r.distinct:
		return float64(a.set.count())
	case r.rate:
		if d := a.den.count(); d > 0 {
			return float64(a.n) / float64(d)
		}
		return 0
	}
	return float64(a.n)
}

// settle turns per-bucket counts into the totals the scan left out when
// the buckets cover the range: the total and a line's groups are the
// buckets' sums and unions.
func (r *paneRun) settle() {
	if !r.covered {
		return
	}
	for b := range r.series {
		r.total.union(&r.series[b])
	}
	if !r.line {
		return
	}
	for _, g := range r.gi.groups {
		for b := range g.series {
			g.set.union(&g.series[b].set)
			g.den.union(&g.series[b].den)
		}
	}
}

// fill writes a's measure into a series.
func (r *paneRun) fill(ps []datasource.Point, as []acc) {
	for b := range ps {
		ps[b].V = r.value(&as[b])
	}
}

// figures builds the pane's answer from what the scan counted.
func (r *paneRun) figures() datasource.PaneFigures {
	r.settle()
	rg := r.pq.Range
	out := datasource.PaneFigures{ID: r.pq.Spec.ID, Range: rg, Total: r.value(&r.total), Series: rg.EmptySeries(),
		NotNarrowed: r.skipped}
	if r.meas == datasource.MeasurePerInstallation {
		out.Num, out.Den = r.total.n, r.total.den.count()
	}
	r.fill(out.Series, r.series)
	if len(r.comps) == 0 {
		return out
	}
	if r.comps[0].kind == compHour {
		for h := range uint32(24) {
			if g := r.gi.lookup(h); g >= 0 {
				out.Groups = append(out.Groups, r.group1(r.gi.groups[g]))
			} else {
				out.Groups = append(out.Groups, r.group1(r.newGroup([2]uint32{h})))
			}
		}
		return out
	}
	type ranked struct {
		g   *groupAcc
		out datasource.Group
	}
	var all []ranked
	for _, g := range r.gi.groups {
		if g.n > 0 { // a rate's group needs events, not only active installations
			all = append(all, ranked{g: g, out: r.group1(g)})
		}
	}
	slices.SortFunc(all, func(a, b ranked) int {
		if c := cmp.Compare(b.out.Value, a.out.Value); c != 0 {
			return c
		}
		return slices.Compare(a.out.Key, b.out.Key)
	})
	lim := r.pq.Spec.EffectiveLimit()
	for j, a := range all {
		if j < lim {
			out.Groups = append(out.Groups, a.out)
		}
	}
	if len(all) > lim {
		var rest acc
		for _, a := range all[lim:] {
			rest.union(&a.g.acc)
		}
		out.Other, out.OtherGroups = r.value(&rest), len(all)-lim
	}
	return out
}

// group1 turns one group's counts into its Group.
func (r *paneRun) group1(g *groupAcc) datasource.Group {
	out := datasource.Group{Value: r.value(&g.acc)}
	for j := range r.comps {
		out.Key = append(out.Key, r.comps[j].label(r.x, g.key[j]))
	}
	if r.meas == datasource.MeasurePerInstallation {
		out.Num, out.Den = g.n, g.den.count()
	}
	if r.line {
		out.Series = r.pq.Range.EmptySeries()
		if g.series != nil {
			r.fill(out.Series, g.series)
		}
	}
	for _, c := range r.pq.Spec.Columns {
		switch c {
		case datasource.ColumnInstallations:
			out.Installations = g.inst.count()
		case datasource.ColumnUsers:
			out.Users = g.usr.count()
		case datasource.ColumnFirstSeen:
			if g.n > 0 {
				out.FirstSeen = time.UnixMilli(g.first).UTC()
			}
		case datasource.ColumnLastSeen:
			if g.n > 0 {
				out.LastSeen = time.UnixMilli(g.last).UTC()
			}
		case datasource.ColumnVersions:
			out.Versions = r.versions(g.vers)
		}
	}
	return out
}

// versions lists the version values of a group, most events first, then
// by value.
func (r *paneRun) versions(m map[uint32]int64) []string {
	var out []string
	for v := range m {
		out = append(out, r.x.vals[v])
	}
	count := map[string]int64{}
	for v, n := range m {
		count[r.x.vals[v]] += n
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return out
}
