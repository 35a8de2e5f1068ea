package index

import (
	"context"
	"math"

	"github.com/ttmon/ttmon/datasource"
)

// run scans the chunks of the pane's range.
func (r *paneRun) run(ctx context.Context) error {
	if r.meas == datasource.MeasureNewInstallations {
		return r.runNew(ctx)
	}
	for ci, c := range r.x.chunks {
		if c == nil || c.maxMs < r.from || c.minMs >= r.to {
			continue
		}
		if ci%16 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		r.scanChunk(ci, c)
	}
	return nil
}

// scanChunk counts the chunk's events of the pane's names that pass its
// filters, and for a rate the heartbeats of its denominator.
func (r *paneRun) scanChunk(ci int, c *chunk) {
	inside := c.minMs >= r.from && c.maxMs < r.to
	for l, nm := range c.nmTab {
		if r.names != nil && (int(nm) >= len(r.names) || !r.names[nm]) {
			continue
		}
		for _, o := range c.nmOff[l] {
			i := int(o)
			ms := c.ms(i)
			if !inside && (ms < r.from || ms >= r.to) {
				continue
			}
			if r.f.pass(c, i) {
				r.hit(ci, c, i, nm, ms)
			}
		}
	}
	if r.meas == datasource.MeasurePerInstallation {
		for _, o := range c.hb {
			i := int(o)
			ms := c.ms(i)
			if (inside || (ms >= r.from && ms < r.to)) && r.denF.pass(c, i) {
				r.denHit(ci, c, i, ms)
			}
		}
	}
}

// firstHit is an installation's earliest matching event so far; pos is
// chunk << 32 | offset, the order of event ids, which breaks ties.
type firstHit struct {
	ms   int64
	pos  uint64
	name uint32
}

// runNew counts each installation at its earliest matching event before
// the range's end (over all history), when that event is in range.
func (r *paneRun) runNew(ctx context.Context) error {
	x := r.x
	first := make([]firstHit, int(r.pv.nIID)+len(x.persons))
	for k := range first {
		first[k].ms = math.MaxInt64
	}
	for ci, c := range x.chunks {
		if c == nil || c.minMs >= r.to {
			continue
		}
		if ci%16 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		for l, nm := range c.nmTab {
			if r.names != nil && (int(nm) >= len(r.names) || !r.names[nm]) {
				continue
			}
			for _, o := range c.nmOff[l] {
				i := int(o)
				ms := c.ms(i)
				if ms >= r.to || !r.f.pass(c, i) {
					continue
				}
				pos := uint64(ci)<<32 | uint64(i)
				if fh := &first[r.pv.instKey(x, ci, c, i)]; ms < fh.ms || (ms == fh.ms && pos < fh.pos) {
					*fh = firstHit{ms: ms, pos: pos, name: nm}
				}
			}
		}
	}
	for _, fh := range first {
		if fh.ms >= r.from && fh.ms < r.to {
			ci := int(fh.pos >> 32)
			r.hit(ci, x.chunks[ci], int(uint32(fh.pos)), fh.name, fh.ms)
		}
	}
	return nil
}

// bucket returns the series index of ms (in range), or -1.
func (r *paneRun) bucket(ms int64) int {
	if ms >= r.bLo && ms < r.bHi {
		return r.b
	}
	if r.step <= 0 {
		return -1
	}
	r.b = int((ms - r.from) / r.step)
	if r.b >= r.buckets {
		r.b, r.bLo, r.bHi = -1, 0, 0
		return -1
	}
	r.bLo = r.from + int64(r.b)*r.step
	r.bHi = r.bLo + r.step
	return r.b
}

// hit counts one event of the pane.
func (r *paneRun) hit(ci int, c *chunk, i int, name uint32, ms int64) {
	var inst, usr uint32
	if r.keys {
		inst, usr = r.pv.keys(r.x, ci, c, i)
	}
	r.total.n++
	r.measure(&r.total, inst, usr)
	b := r.bucket(ms)
	if b >= 0 {
		r.series[b].n++
		r.measure(&r.series[b], inst, usr)
	}
	if len(r.comps) == 0 {
		return
	}
	g := r.gi.groups[r.group(c, i, name, ms)]
	g.n++
	if r.gInst {
		g.inst.add(inst)
	}
	if r.gUsr {
		g.usr.add(usr)
	}
	if r.seen {
		if g.n == 1 || ms < g.first {
			g.first = ms
		}
		if g.n == 1 || ms > g.last {
			g.last = ms
		}
	}
	if r.vers {
		if v := r.x.tups[c.tup[i]].ver; v != 0 {
			g.vers[v]++
		}
	}
	if r.line && b >= 0 {
		g.series[b].n++
		r.measure(&g.series[b], inst, usr)
	}
}

// measure adds the keys a distinct measure counts.
func (r *paneRun) measure(a *acc, inst, usr uint32) {
	if r.mInst {
		a.inst.add(inst)
	} else if r.mUsr {
		a.usr.add(usr)
	}
}

// denHit counts a heartbeat in a rate's denominator: its installation is
// active in its bucket and in its group (by the heartbeat's properties; a
// rate's breakdown is a property, validated by PaneSpec.Validate).
func (r *paneRun) denHit(ci int, c *chunk, i int, ms int64) {
	inst := r.pv.instKey(r.x, ci, c, i)
	r.total.den.add(inst)
	b := r.bucket(ms)
	if b >= 0 {
		r.series[b].den.add(inst)
	}
	if len(r.comps) == 0 {
		return
	}
	g := r.gi.groups[r.group(c, i, 0, ms)]
	g.den.add(inst)
	if r.line && b >= 0 {
		g.series[b].den.add(inst)
	}
}

// group returns the event's group, created on first sight.
func (r *paneRun) group(c *chunk, i int, name uint32, ms int64) int32 {
	var key [2]uint32
	for j := range r.comps {
		key[j] = r.comps[j].id(r, c, i, name, ms)
	}
	return r.gi.find(len(r.comps), key, r.newGroup)
}

func (r *paneRun) newGroup(key [2]uint32) *groupAcc {
	g := &groupAcc{key: key}
	if r.line {
		g.series = make([]acc, r.buckets)
	}
	if r.vers {
		g.vers = map[uint32]int64{}
	}
	return g
}

// id is the component's value for event i of c.
func (k *component) id(r *paneRun, c *chunk, i int, name uint32, ms int64) uint32 {
	switch k.kind {
	case compEvent:
		return name
	case compCategory:
		if int(name) < len(k.cat) {
			return k.cat[name]
		}
		return 0
	case compHour:
		return uint32(r.ht.hour(ms))
	case compTuple:
		return k.tup[c.tup[i]]
	case compProp:
		return k.col.get(c.ps[i])
	}
	if pid := r.x.didPerson[c.did[i]]; int(pid) < len(k.person) {
		return k.person[pid]
	}
	return 0
}
