package index

import (
	"math/bits"

	"github.com/ttmon/ttmon/datasource"
)

// merge folds the workers' parts into the first and builds the Snapshot.
func (x *Index) merge(p *Plan, parts []*snapPart) *datasource.Snapshot {
	m := parts[0]
	for _, o := range parts[1:] {
		m.events, m.errs, m.timers = m.events+o.events, m.errs+o.errs, m.timers+o.timers
		for pid, mk := range o.mark {
			if mk&1 != 0 {
				l, ol := &m.latest[pid], &o.latest[pid]
				if m.mark[pid]&1 == 0 || l.before(ol.ms, ol.pos) {
					*l = *ol
				}
			}
			m.mark[pid] |= mk
		}
		for i, w := range o.bits {
			m.bits[i] |= w
		}
		for i := range m.errSeries {
			m.errSeries[i] += o.errSeries[i]
			m.tmSeries[i] += o.tmSeries[i]
		}
		for h := range m.byHour {
			m.byHour[h] += o.byHour[h]
		}
		for v, n := range o.errVal {
			m.errVal[v] += n
		}
	}
	return x.finish(p, m)
}

func (x *Index) finish(p *Plan, m *snapPart) *datasource.Snapshot {
	r := p.q.Range
	snap := &datasource.Snapshot{}
	snap.Totals.Events = m.events
	snap.Installs.Series = r.EmptySeries()
	snap.Errors.Series = r.EmptySeries()
	snap.Timers.Series = r.EmptySeries()
	snap.Errors.Total, snap.Timers.Total, snap.Timers.ByHour = m.errs, m.timers, m.byHour
	words := (len(m.mark) + 63) / 64
	for b := range snap.Installs.Series {
		n := 0
		for _, w := range m.bits[b*words : (b+1)*words] {
			n += bits.OnesCount64(w)
		}
		snap.Installs.Series[b].V = float64(n)
		snap.Errors.Series[b].V = float64(m.errSeries[b])
		snap.Timers.Series[b].V = float64(m.tmSeries[b])
	}
	versions := map[string]int64{}
	for pid, mk := range m.mark {
		if mk&1 != 0 {
			snap.Installs.Active++
			versions[x.vals[x.tups[m.latest[pid].tup].ver]]++
		}
		if mk&2 != 0 {
			snap.Installs.Previous++
		}
	}
	errVersions := map[string]int64{}
	for id, n := range m.errVal {
		if n > 0 {
			errVersions[x.vals[id]] += n
		}
	}
	Finish(snap, versions, errVersions)
	return snap
}
