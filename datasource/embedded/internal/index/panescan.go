package index

import (
	"math"

	"github.com/ttmon/ttmon/datasource"
)

// reset gives the run empty counts (a worker's copy starts so).
func (r *paneRun) reset() {
	r.cells = make([]cell, r.buckets+1)
	r.bLo, r.bHi, r.b = 0, 0, 0
	r.first = nil
	nInst, nUser := int(r.pv.nIID), int(r.pv.nPair)
	r.stamps, r.denStamps = stamps{}, stamps{}
	switch {
	case r.distinct && r.byUser:
		r.stamps = stamps{lo: make([]uint32, nUser), hi: make([]uint32, len(r.x.dids))}
	case r.distinct:
		r.stamps = stamps{lo: make([]uint32, nInst), hi: make([]uint32, len(r.x.persons))}
	}
	if r.rate {
		r.denStamps = stamps{lo: make([]uint32, nInst), hi: make([]uint32, len(r.x.persons))}
	}
}

// chunk counts what the pane reads of chunk ci.
func (r *paneRun) chunk(ci int, c *chunk) {
	if r.meas != datasource.MeasureNewInstallations && c.maxMs >= r.from && c.minMs < r.to && r.wants(c) {
		r.scanChunk(ci, c)
	}
}

// scanChunk counts the chunk's events of the pane's names that pass its
// filters, and for a rate the heartbeats of its denominator.
func (r *paneRun) scanChunk(ci int, c *chunk) {
	inside := c.minMs >= r.from && c.maxMs < r.to
	one := -1 // the cell of every event of the chunk, when they share one
	if inside {
		if b := r.cellOf(c.minMs); b == r.cellOf(c.maxMs) {
			one = b
		}
	}
	if one >= 0 && r.want != nil && !r.want[one] {
		return // a kept cell
	}
	check := !inside || (r.want != nil && one < 0) // test each event's time
	var cp chunkPairs
	if r.needKeys && ci < len(r.pv.chunks) {
		cp = r.pv.chunks[ci]
	}
	numDig, denDig := r.dig != nil && r.dig.num, r.dig != nil && r.dig.den
	if r.dig != nil && r.dig.u.covers(c.minMs, c.maxMs) { // the digest counted these heartbeats
		numDig, denDig = false, false
		if r.dig.num {
			return
		}
	}
	for l, nm := range c.nmTab {
		if r.names != nil && (int(nm) >= len(r.names) || !r.names[nm]) {
			continue
		}
		var key *[2]uint32
		if r.nameOnly {
			k := r.nameKey(nm)
			key = &k
		}
		if one >= 0 && r.countOnly {
			r.countList(c, c.nmOff[l], one, key)
			continue
		}
		f := r.f // a copy the loop tests without reloading r
		for _, o := range c.nmOff[l] {
			i := int(o)
			if !f.pass(c, i) {
				continue
			}
			if ms := c.ms(i); (!check || r.in(ms)) && (!numDig || !r.dig.u.has(hourOf(ms))) {
				r.hit(&cp, c, i, nm, ms, key)
			}
		}
	}
	if r.rate && (r.dig == nil || !r.dig.den || denDig) {
		f := r.denF
		for _, o := range c.hb {
			i := int(o)
			if !f.pass(c, i) {
				continue
			}
			if ms := c.ms(i); (!check || r.in(ms)) && (!denDig || !r.dig.u.has(hourOf(ms))) {
				r.denHit(&cp, c, i, ms)
			}
		}
	}
}

// countList counts a list of events that all fall in cell b, for a pane
// that only counts events and whose group is the name's (countOnly).
func (r *paneRun) countList(c *chunk, offs []uint16, b int, key *[2]uint32) {
	n := int64(len(offs))
	if !r.f.none() {
		n = 0
		for _, o := range offs {
			if r.f.pass(c, int(o)) {
				n++
			}
		}
	}
	if n == 0 {
		return
	}
	cl := &r.cells[b]
	cl.n += n
	if key != nil {
		cl.gi.groups[cl.gi.find(len(r.comps), *key)].n += n
	}
}

// in reports whether ms is in the range and in a bucket the scan counts.
func (r *paneRun) in(ms int64) bool {
	if ms < r.from || ms >= r.to {
		return false
	}
	return r.want == nil || r.want[r.cellOf(ms)]
}

// wants reports whether the chunk may hold events of a bucket the scan
// counts.
func (r *paneRun) wants(c *chunk) bool {
	if r.want == nil {
		return true
	}
	lo, hi := r.cellOf(max(c.minMs, r.from)), r.cellOf(min(c.maxMs, r.to-1))
	for b := lo; b <= hi && b < len(r.want); b++ {
		if r.want[b] {
			return true
		}
	}
	return false
}

// firstHit is an installation's earliest matching event so far; pos is
// chunk << 32 | offset, the order of event ids, which breaks ties.
type firstHit struct {
	ms   int64
	pos  uint64
	name uint32
}

// newInstalls finds each installation's earliest matching event (see
// firsts.go); finishNew counts those in range.
func (r *paneRun) newInstalls(p *Plan) {
	r.first = make([]firstHit, int(r.pv.nIID)+len(r.x.persons))
	for k := range r.first {
		r.first[k].ms = math.MaxInt64
	}
	r.runFirsts(p, &r.ff)
}

// finishNew counts each installation whose earliest event is in range,
// at that event.
func (r *paneRun) finishNew() {
	for _, fh := range r.first {
		if fh.ms >= r.from && fh.ms < r.to && (r.want == nil || r.want[r.cellOf(fh.ms)]) {
			ci := int(fh.pos >> 32)
			r.hit(&r.pv.chunks[ci], r.x.chunks[ci], int(uint32(fh.pos)), fh.name, fh.ms, nil)
		}
	}
}

// merge adds a worker's counts to r's.
func (r *paneRun) merge(o *paneRun) {
	for b := range r.cells {
		if r.want == nil || r.want[b] { // a kept cell is only read
			r.cells[b].merge(&o.cells[b], len(r.comps))
		}
	}
}

// cellOf returns the cell of ms (in range): its bucket, or the last cell
// when no bucket holds it.
func (r *paneRun) cellOf(ms int64) int {
	if ms >= r.bLo && ms < r.bHi {
		return r.b
	}
	if r.step <= 0 {
		return r.buckets
	}
	b := int((ms - r.from) / r.step)
	if b >= r.buckets {
		return r.buckets
	}
	r.b = b
	r.bLo = r.from + int64(b)*r.step
	r.bHi = r.bLo + r.step
	return b
}

// keysOf returns event i's installation key and user key: an install id
// or hiKey | its person; a pair or hiKey | its distinct id. An event not
// derived yet (it arrived after the query read the install ids, for one
// query) counts under its person.
func (r *paneRun) keysOf(cp *chunkPairs, c *chunk, i int) (inst, usr uint32) {
	if i < len(cp.loc) {
		if p := cp.tab[cp.loc[i]]; p != 0 {
			return r.pv.pairIID[p], p
		}
	}
	did := c.did[i]
	return hiKey | r.x.didPerson[did], hiKey | did
}

// hit counts one event of the pane; key is its group key when the name
// alone decides it.
func (r *paneRun) hit(cp *chunkPairs, c *chunk, i int, name uint32, ms int64, key *[2]uint32) {
	var inst, usr, mk uint32
	if r.needKeys {
		inst, usr = r.keysOf(cp, c, i)
		mk = inst
		if r.byUser {
			mk = usr
		}
	}
	b := r.cellOf(ms)
	cl := &r.cells[b]
	cl.n++
	var g *groupCell
	gid := int32(-1)
	if len(r.comps) > 0 {
		gid = r.group(cl, c, i, name, ms, key)
		g = cl.gi.groups[gid]
		g.n++
	}
	if r.distinct && !r.stamps.seen(mk, b, gid) {
		cl.set.add(mk)
		if g != nil {
			g.set.add(mk)
		}
	}
	if r.columns && g != nil {
		r.column(g, c, i, ms, inst, usr)
	}
}

// denHit counts a heartbeat in a rate's denominator: its installation is
// active in its bucket and in its group (by the heartbeat's properties; a
// rate's breakdown is a property, validated by PaneSpec.Validate).
func (r *paneRun) denHit(cp *chunkPairs, c *chunk, i int, ms int64) {
	inst, _ := r.keysOf(cp, c, i)
	b := r.cellOf(ms)
	cl := &r.cells[b]
	gid := int32(-1)
	if len(r.comps) > 0 {
		gid = r.group(cl, c, i, 0, ms, nil)
	}
	if !r.denStamps.seen(inst, b, gid) {
		cl.den.add(inst)
		if gid >= 0 {
			cl.gi.groups[gid].den.add(inst)
		}
	}
}

// stamps note per key the cell and group it was last counted in: a key
// comes back many times (an installation's heartbeat every hour, a
// user's every action), and one compare is cheaper than the sets it
// spares. lo is by install id or pair, hi by person or distinct id.
type stamps struct{ lo, hi []uint32 }

// seen reports whether key k was counted in cell b and group g already,
// and notes it. Only cells below 2^15 and groups below 2^16 are noted.
func (st *stamps) seen(k uint32, b int, g int32) bool {
	s := st.lo
	if k >= hiKey {
		s, k = st.hi, k-hiKey
	}
	if b >= 1<<15 || g >= 1<<16 || int(k) >= len(s) {
		return false
	}
	v := (uint32(b)<<16 | uint32(g+1)) + 1
	if s[k] == v {
		return true
	}
	s[k] = v
	return false
}

// column adds an event to a table's columns.
func (r *paneRun) column(g *groupCell, c *chunk, i int, ms int64, inst, usr uint32) {
	if r.colInst {
		g.inst.add(inst)
	}
	if r.colUsr {
		g.usr.add(usr)
	}
	if g.n == 1 || ms < g.first {
		g.first = ms
	}
	if g.n == 1 || ms > g.last {
		g.last = ms
	}
	if r.vers {
		if v := r.x.tups[c.tupOf(i)].ver; v != 0 {
			if g.vers == nil {
				g.vers = map[uint32]int64{}
			}
			g.vers[v]++
		}
	}
}

// group returns the event's group in cell cl, created on first sight.
func (r *paneRun) group(cl *cell, c *chunk, i int, name uint32, ms int64, key *[2]uint32) int32 {
	if key != nil {
		return cl.gi.find(len(r.comps), *key)
	}
	if r.tupOnly {
		if v := r.comps[0].tup[c.tupOf(i)]; int(v) < len(cl.gi.one) {
			if g := cl.gi.one[v]; g != 0 {
				return g - 1
			}
		}
	}
	var k [2]uint32
	for j := range r.comps {
		k[j] = r.comps[j].id(r, c, i, name, ms)
	}
	return cl.gi.find(len(r.comps), k)
}

// nameKey is the group key of events named name, when the name alone
// decides it.
func (r *paneRun) nameKey(name uint32) [2]uint32 {
	var key [2]uint32
	for j := range r.comps {
		key[j] = r.comps[j].id(r, nil, 0, name, 0)
	}
	return key
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
		return k.tup[c.tupOf(i)]
	case compProp:
		return k.col.get(c, i)
	}
	if pid := r.x.didPerson[c.did[i]]; int(pid) < len(k.person) {
		return k.person[pid]
	}
	return 0
}
