package index

import (
	"math"

	"github.com/ttmon/ttmon/datasource"
)

// reset gives the run empty counts (a worker's copy starts so).
func (r *paneRun) reset() {
	r.total, r.series, r.gi = acc{}, make([]acc, r.buckets), groupIndex{}
	r.bLo, r.bHi, r.b = 0, 0, 0
	r.first = nil
	r.stamps, r.denStamps = nil, nil
	instKeys, userKeys := int(r.pv.nIID)+len(r.x.persons), int(r.pv.nPair)+len(r.x.dids)
	switch {
	case r.distinct && r.byUser:
		r.stamps = make([]uint32, userKeys)
	case r.distinct:
		r.stamps = make([]uint32, instKeys)
	}
	if r.rate {
		r.denStamps = make([]uint32, instKeys)
	}
}

// chunk counts what the pane reads of chunk ci.
func (r *paneRun) chunk(ci int, c *chunk) {
	if r.meas != datasource.MeasureNewInstallations && c.maxMs >= r.from && c.minMs < r.to {
		r.scanChunk(ci, c)
	}
}

// scanChunk counts the chunk's events of the pane's names that pass its
// filters, and for a rate the heartbeats of its denominator.
func (r *paneRun) scanChunk(ci int, c *chunk) {
	inside := c.minMs >= r.from && c.maxMs < r.to
	var cp chunkPairs
	if r.needKeys && ci < len(r.pv.chunks) {
		cp = r.pv.chunks[ci]
	}
	for l, nm := range c.nmTab {
		if r.names != nil && (int(nm) >= len(r.names) || !r.names[nm]) {
			continue
		}
		g := int32(-1)
		if r.nameOnly {
			g = r.groupOf(r.nameKey(nm))
		}
		for _, o := range c.nmOff[l] {
			i := int(o)
			ms := c.ms(i)
			if !inside && (ms < r.from || ms >= r.to) {
				continue
			}
			if r.f.pass(c, i) {
				r.hit(&cp, c, i, nm, ms, g)
			}
		}
	}
	if r.rate {
		for _, o := range c.hb {
			i := int(o)
			ms := c.ms(i)
			if (inside || (ms >= r.from && ms < r.to)) && r.denF.pass(c, i) {
				r.denHit(&cp, c, i, ms)
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
		if fh.ms >= r.from && fh.ms < r.to {
			ci := int(fh.pos >> 32)
			r.hit(&r.pv.chunks[ci], r.x.chunks[ci], int(uint32(fh.pos)), fh.name, fh.ms, -1)
		}
	}
}

// merge adds a worker's counts to r's.
func (r *paneRun) merge(o *paneRun) {
	r.total.union(&o.total)
	for b := range r.series {
		r.series[b].union(&o.series[b])
	}
	for _, og := range o.gi.groups {
		r.gi.groups[r.groupOf(og.key)].merge(og)
	}
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

// keysOf returns event i's installation key and user key: an install id
// (below nIID) or nIID + its person; a pair (below nPair) or nPair + its
// distinct id. An event not derived yet (it arrived after the query read
// the install ids, for one query) counts under its person.
func (r *paneRun) keysOf(cp *chunkPairs, c *chunk, i int) (inst, usr uint32) {
	if i < len(cp.loc) {
		if p := cp.tab[cp.loc[i]]; p != 0 {
			return r.pv.pairIID[p], p
		}
	}
	did := c.did[i]
	return r.pv.nIID + r.x.didPerson[did], r.pv.nPair + did
}

// hit counts one event of the pane; g is its group when the name alone
// decides it, else -1.
func (r *paneRun) hit(cp *chunkPairs, c *chunk, i int, name uint32, ms int64, g int32) {
	var inst, usr, mk uint32
	if r.needKeys {
		inst, usr = r.keysOf(cp, c, i)
		mk = inst
		if r.byUser {
			mk = usr
		}
	}
	b := r.bucket(ms)
	if len(r.comps) > 0 && g < 0 {
		g = r.group(c, i, name, ms)
	}
	if !r.covered {
		r.total.n++
	}
	if b >= 0 {
		r.series[b].n++
	}
	var ga *groupAcc
	if g >= 0 {
		ga = r.gi.groups[g]
		ga.n++
		if r.line && b >= 0 {
			ga.series[b].n++
		}
	}
	if r.distinct && !stamped(r.stamps, mk, b, g) {
		r.addKey(&r.total.set, &r.series, ga, b, mk, false)
	}
	if r.columns && ga != nil {
		r.column(ga, c, i, ms, inst, usr)
	}
}

// stamped reports whether key k was counted in bucket b and group g
// already, and notes it: a key comes back many times (an installation's
// heartbeat every hour, a user's every action), and one compare is
// cheaper than the sets it spares. Only buckets below 2^15 and groups
// below 2^16 are noted.
func stamped(st []uint32, k uint32, b int, g int32) bool {
	if b < 0 || b >= 1<<15 || g >= 1<<16 || int(k) >= len(st) {
		return false
	}
	s := (uint32(b)<<16 | uint32(g+1)) + 1
	if st[k] == s {
		return true
	}
	st[k] = s
	return false
}

// addKey adds key k to the sets of the total (when the buckets do not
// make it), bucket b, the group ga and its bucket; den says the
// denominator's sets.
func (r *paneRun) addKey(total *keySet, series *[]acc, ga *groupAcc, b int, k uint32, den bool) {
	set := func(a *acc) *keySet {
		if den {
			return &a.den
		}
		return &a.set
	}
	if !r.covered {
		total.add(k)
	}
	if b >= 0 {
		set(&(*series)[b]).add(k)
	}
	if ga == nil {
		return
	}
	if !(r.line && r.covered) {
		set(&ga.acc).add(k)
	}
	if r.line && b >= 0 {
		set(&ga.series[b]).add(k)
	}
}

// column adds an event to a table's columns.
func (r *paneRun) column(g *groupAcc, c *chunk, i int, ms int64, inst, usr uint32) {
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
			g.vers[v]++
		}
	}
}

// denHit counts a heartbeat in a rate's denominator: its installation is
// active in its bucket and in its group (by the heartbeat's properties; a
// rate's breakdown is a property, validated by PaneSpec.Validate).
func (r *paneRun) denHit(cp *chunkPairs, c *chunk, i int, ms int64) {
	inst, _ := r.keysOf(cp, c, i)
	b := r.bucket(ms)
	g := int32(-1)
	var ga *groupAcc
	if len(r.comps) > 0 {
		g = r.group(c, i, 0, ms)
		ga = r.gi.groups[g]
	}
	if !stamped(r.denStamps, inst, b, g) {
		r.addKey(&r.total.den, &r.series, ga, b, inst, true)
	}
}

// group returns the event's group, created on first sight.
func (r *paneRun) group(c *chunk, i int, name uint32, ms int64) int32 {
	if r.tupOnly {
		if v := r.comps[0].tup[c.tupOf(i)]; int(v) < len(r.gi.one) {
			if g := r.gi.one[v]; g != 0 {
				return g - 1
			}
		}
	}
	var key [2]uint32
	for j := range r.comps {
		key[j] = r.comps[j].id(r, c, i, name, ms)
	}
	return r.groupOf(key)
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

func (r *paneRun) groupOf(key [2]uint32) int32 { return r.gi.find(len(r.comps), key, r.newGroup) }

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
		return k.tup[c.tupOf(i)]
	case compProp:
		return k.col.get(c, i)
	}
	if pid := r.x.didPerson[c.did[i]]; int(pid) < len(k.person) {
		return k.person[pid]
	}
	return 0
}
