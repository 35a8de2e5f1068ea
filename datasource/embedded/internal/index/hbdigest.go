package index

import (
	"math/bits"
	"slices"
	"sync"

	"github.com/ttmon/ttmon/datasource"
)

// The heartbeat digest answers the panes that count installations over
// heartbeats (Platforms, Deployment) and the rates' denominators (errors
// per installation) without visiting each heartbeat. An installation
// sends one an hour, so a 30-day pane visited 3.6M heartbeats at 10M
// events, each tested against the cohort, once per pane. The digest keeps
// one entry per (distinct id, install id, attribute tuple) with the UTC
// hours it sent heartbeats in, as a bitmap: about 5,000 entries for that
// month. A pane tests its filters once per entry and finds the buckets an
// entry was active in from a few words of bits.
//
// Only full chunks whose user pairs are derived are folded in: their
// events never change. An hour is answered from the digest only when
// every chunk of the query holding events of that hour is folded in (the
// newest chunk, still filling, and any chunk a late event put in an old
// hour are scanned per event for their hours), and only for panes whose
// buckets are whole UTC hours (every range preset's are; a range of less
// than a day has smaller buckets only below 1h) and whose filters and
// breakdowns the entry decides: the person's and the tuple's, not other
// event properties.

const hourMs = 3_600_000

// hourOf is the UTC hour number of ms.
func hourOf(ms int64) int64 { return floorDiv(ms, hourMs) }

// hbEntry is one (distinct id, install id, tuple) and the hours it sent
// heartbeats in: words[j] holds hours 64*at[j] .. 64*at[j]+63, at
// ascending.
type hbEntry struct {
	did, iid, tup uint32
	at            []int64
	words         []uint64
}

// set notes hour h.
func (e *hbEntry) set(h int64) {
	w, bit := h>>6, uint64(1)<<(h&63)
	n := len(e.at)
	if n > 0 && e.at[n-1] == w {
		e.words[n-1] |= bit
		return
	}
	j, ok := slices.BinarySearch(e.at, w)
	if ok {
		e.words[j] |= bit
		return
	}
	e.at = slices.Insert(e.at, j, w)
	e.words = slices.Insert(e.words, j, bit)
}

type hbDigest struct {
	mu      sync.Mutex
	folded  []bool // by chunk number
	ents    []hbEntry
	byKey   map[[3]uint32]int32
	lastEnt []int32 // per distinct id: 1 + the entry it last went to
	hits    int64   // panes that counted hours from the digest (DigestHits)
}

// DigestHits is how many times a pane counted some of its hours from the
// heartbeat digest.
func (x *Index) DigestHits() int64 {
	x.hbd.mu.Lock()
	defer x.hbd.mu.Unlock()
	return x.hbd.hits
}

func newHBDigest() *hbDigest { return &hbDigest{byKey: map[[3]uint32]int32{}} }

// fold adds the heartbeats of the full, derived chunks of todo not folded
// yet; h.mu must be held, and x.mu for reading.
func (h *hbDigest) fold(x *Index, todo []int, pv *pairView) {
	for _, ci := range todo {
		c := x.chunks[ci]
		if ci < len(h.folded) && h.folded[ci] {
			continue
		}
		if int64(c.len()) != chunkSize || ci >= len(pv.chunks) || len(pv.chunks[ci].loc) != c.len() {
			continue
		}
		cp := &pv.chunks[ci]
		for j, o := range c.hb {
			i := int(o)
			did := c.hbDid[j]
			iid := uint32(0)
			if p := cp.tab[cp.loc[i]]; p != 0 {
				iid = pv.pairIID[p]
			}
			h.entry(did, iid, c.tupOf(i)).set(hourOf(c.ms(i)))
		}
		h.folded = grow(h.folded, int64(ci))
		h.folded[ci] = true
	}
}

// entry finds or adds the entry of (did, iid, tup).
func (h *hbDigest) entry(did, iid, tup uint32) *hbEntry {
	h.lastEnt = grow(h.lastEnt, int64(did))
	if l := h.lastEnt[did]; l != 0 {
		if e := &h.ents[l-1]; e.iid == iid && e.tup == tup {
			return e
		}
	}
	k := [3]uint32{did, iid, tup}
	l, ok := h.byKey[k]
	if !ok {
		l = int32(len(h.ents))
		h.ents = append(h.ents, hbEntry{did: did, iid: iid, tup: tup})
		h.byKey[k] = l
	}
	h.lastEnt[did] = l + 1
	return &h.ents[l]
}

// hbUsable is the hours of one query the digest answers: bit h-64*lo of
// words for hour h.
type hbUsable struct {
	lo    int64 // first word
	words []uint64
}

// has reports whether the digest answers hour h.
func (u *hbUsable) has(h int64) bool {
	w := h>>6 - u.lo
	return w >= 0 && w < int64(len(u.words)) && u.words[w]&(1<<(h&63)) != 0
}

// covers reports whether the digest answers every hour of [from, to] ms.
func (u *hbUsable) covers(from, to int64) bool {
	for hr := hourOf(from); hr <= hourOf(to); hr++ {
		if !u.has(hr) {
			return false
		}
	}
	return true
}

// usable works out the hours in [lo, hi) ms that every chunk of todo
// holding events of is folded in; h.mu must be held.
func (h *hbDigest) usable(x *Index, todo []int, lo, hi int64) hbUsable {
	h0, h1 := hourOf(lo), hourOf(hi-1)
	u := hbUsable{lo: h0 >> 6}
	u.words = make([]uint64, h1>>6-u.lo+1)
	for hr := h0; hr <= h1; hr++ {
		u.words[hr>>6-u.lo] |= 1 << (hr & 63)
	}
	for _, ci := range todo {
		if ci < len(h.folded) && h.folded[ci] {
			continue
		}
		c := x.chunks[ci]
		for hr := max(hourOf(c.minMs), h0); hr <= min(hourOf(c.maxMs), h1); hr++ {
			u.words[hr>>6-u.lo] &^= 1 << (hr & 63)
		}
	}
	return u
}

// hbUse is how one pane reads the digest: num says its own events are
// heartbeats counted as installations, den that its denominator is.
type hbUse struct {
	num, den bool
	u        *hbUsable
	cellMask map[int64][]cellMask // word -> the pane's cells in it
}

type cellMask struct {
	cell int
	mask uint64
}

// digestable reports how pane r can read the digest: its buckets are
// whole UTC hours, and its breakdown and filters depend on the person and
// the tuple only.
func (r *paneRun) digestable() (num, den bool) {
	if r.from%hourMs != 0 || r.to%hourMs != 0 || r.step%hourMs != 0 || r.to <= r.from {
		return false, false
	}
	for _, c := range r.comps {
		if c.kind != compTuple && c.kind != compPerson {
			return false, false
		}
	}
	num = r.distinct && !r.byUser && !r.columns && r.f.evOK == nil && r.heartbeatNames()
	den = r.rate && r.denF.evOK == nil
	return num, den
}

// heartbeatNames reports whether the pane's events are exactly the
// heartbeats.
func (r *paneRun) heartbeatNames() bool {
	if r.names == nil {
		return false
	}
	for id, k := range r.x.nameKind {
		in := id < len(r.names) && r.names[id]
		if in != (k&kHB != 0) {
			return false
		}
	}
	for id := len(r.x.nameKind); id < len(r.names); id++ {
		if r.names[id] {
			return false
		}
	}
	return true
}

// digestPanes folds what the query's chunks add to the digest and counts
// the hours it answers for every pane that can read it; the scans then
// skip those hours. x.mu must be held for reading.
func (x *Index) digestPanes(runs []*paneRun, todo []int, pv *pairView) {
	var use []*paneRun
	lo, hi := int64(0), int64(0)
	for _, r := range runs {
		if r.skip || r.meas == datasource.MeasureNewInstallations {
			continue
		}
		num, den := r.digestable()
		if !num && !den {
			continue
		}
		r.dig = &hbUse{num: num, den: den}
		if len(use) == 0 {
			lo, hi = r.from, r.to
		}
		lo, hi = min(lo, r.from), max(hi, r.to)
		use = append(use, r)
	}
	if len(use) == 0 {
		return
	}
	h := x.hbd
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fold(x, todo, pv)
	u := h.usable(x, todo, lo, hi)
	for _, r := range use {
		r.dig.u = &u
		r.digestCount(h)
	}
}

// digestCount counts the digest's entries into the pane's cells for the
// hours u answers.
func (r *paneRun) digestCount(h *hbDigest) {
	d := r.dig
	d.cellMask = map[int64][]cellMask{}
	for w := hourOf(r.from) >> 6; w <= hourOf(r.to-1)>>6; w++ {
		var cms []cellMask
		for b := range 64 {
			hr := w<<6 + int64(b)
			ms := hr * hourMs
			if ms < r.from || ms >= r.to || !d.u.has(hr) {
				continue
			}
			cl := r.cellOf(ms)
			if r.want != nil && !r.want[cl] {
				continue
			}
			if n := len(cms); n > 0 && cms[n-1].cell == cl {
				cms[n-1].mask |= 1 << b
			} else {
				cms = append(cms, cellMask{cell: cl, mask: 1 << b})
			}
		}
		if len(cms) > 0 {
			d.cellMask[w] = cms
		}
	}
	if len(d.cellMask) > 0 {
		h.hits++
	}
	w0 := hourOf(r.from) >> 6
	for i := range h.ents {
		e := &h.ents[i]
		numOK := d.num && r.f.passEntry(e)
		denOK := d.den && r.denF.passEntry(e)
		if !numOK && !denOK {
			continue
		}
		inst := e.iid
		if inst == 0 {
			inst = hiKey | r.x.didPerson[e.did]
		}
		var key [2]uint32
		for j := range r.comps {
			key[j] = r.comps[j].entryID(r.x, e)
		}
		j, _ := slices.BinarySearch(e.at, w0)
		for ; j < len(e.at); j++ {
			cms, ok := d.cellMask[e.at[j]]
			if !ok {
				if e.at[j] > hourOf(r.to-1)>>6 {
					break
				}
				continue
			}
			for _, cm := range cms {
				if hit := e.words[j] & cm.mask; hit != 0 {
					r.digestHit(cm.cell, inst, key, int64(bits.OnesCount64(hit)), numOK, denOK)
				}
			}
		}
	}
}

// digestHit counts one entry active in cell b for n hours.
func (r *paneRun) digestHit(b int, inst uint32, key [2]uint32, n int64, num, den bool) {
	cl := &r.cells[b]
	gid := int32(-1)
	var g *groupCell
	if len(r.comps) > 0 {
		gid = cl.gi.find(len(r.comps), key)
		g = cl.gi.groups[gid]
	}
	if num {
		cl.n += n
		if g != nil {
			g.n += n
		}
		if !r.stamps.seen(inst, b, gid) {
			cl.set.add(inst)
			if g != nil {
				g.set.add(inst)
			}
		}
	}
	if den && !r.denStamps.seen(inst, b, gid) {
		cl.den.add(inst)
		if g != nil {
			g.den.add(inst)
		}
	}
}

// passEntry reports whether an entry's heartbeats pass filters without
// event-property filters (f.evOK is nil).
func (f *evalFilters) passEntry(e *hbEntry) bool {
	return (f.didOK == nil || f.didOK[e.did]) && (f.tupOK == nil || f.tupOK[e.tup])
}

// entryID is the component's value for an entry's heartbeats.
func (k *component) entryID(x *Index, e *hbEntry) uint32 {
	if k.kind == compTuple {
		return k.tup[e.tup]
	}
	if pid := x.didPerson[e.did]; int(pid) < len(k.person) {
		return k.person[pid]
	}
	return 0
}
