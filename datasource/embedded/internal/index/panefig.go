package index

import (
	"cmp"
	"maps"
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

// figures folds the cells into the pane's answer.
func (r *paneRun) figures() datasource.PaneFigures {
	rg := r.pq.Range
	var total acc
	for b := range r.cells {
		total.union(&r.cells[b].acc)
	}
	out := datasource.PaneFigures{ID: r.pq.Spec.ID, Range: rg, Total: r.value(&total), Series: rg.EmptySeries(),
		NotNarrowed: r.skipped}
	if r.rate {
		out.Num, out.Den = total.n, total.den.count()
	}
	for b := range out.Series {
		out.Series[b].V = r.value(&r.cells[b].acc)
	}
	if len(r.comps) == 0 {
		return out
	}
	n := len(r.comps)
	var gi groupIndex
	for b := range r.cells {
		for _, g := range r.cells[b].gi.groups {
			gi.groups[gi.find(n, g.key)].merge(g)
		}
	}
	if r.comps[0].kind == compHour {
		for h := range uint32(24) {
			g := gi.lookup(1, [2]uint32{h})
			if g == nil {
				g = &groupCell{key: [2]uint32{h}}
			}
			out.Groups = append(out.Groups, r.group1(g))
		}
		return out
	}
	r.rank(&out, gi.groups)
	return out
}

// rank orders the groups, keeps the top Limit and sums the rest into
// Other.
func (r *paneRun) rank(out *datasource.PaneFigures, groups []*groupCell) {
	type ranked struct {
		g   *groupCell
		out datasource.Group
	}
	var all []ranked
	for _, g := range groups {
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
}

// group1 turns one group's counts over the range into its Group.
func (r *paneRun) group1(g *groupCell) datasource.Group {
	out := datasource.Group{Value: r.value(&g.acc)}
	for j := range r.comps {
		out.Key = append(out.Key, r.comps[j].label(r.x, g.key[j]))
	}
	if r.rate {
		out.Num, out.Den = g.n, g.den.count()
	}
	if r.line {
		out.Series = r.pq.Range.EmptySeries()
		for b := range out.Series {
			if cg := r.cells[b].gi.lookup(len(r.comps), g.key); cg != nil {
				out.Series[b].V = r.value(&cg.acc)
			}
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
// by value (an id of Index.vals is one value).
func (r *paneRun) versions(m map[uint32]int64) []string {
	ids := slices.Collect(maps.Keys(m))
	slices.SortFunc(ids, func(a, b uint32) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(r.x.vals[a], r.x.vals[b])
	})
	var out []string
	for _, id := range ids {
		out = append(out, r.x.vals[id])
	}
	return out
}
