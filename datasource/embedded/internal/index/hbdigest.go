package index

import (
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/ttmon/ttmon/datasource"
)

// Two digests answer the panes that count distinct installations or users
// without visiting each event: one over the heartbeats (Platforms,
// Deployment, and the rates' denominators, errors per installation), one
// over every event (Active users). An installation sends a heartbeat an
// hour, so a 30-day pane visited 3.6M heartbeats at 10M events, each
// tested against the cohort, once per pane; active users visited all 10M.
// A digest keeps one entry per (distinct id, user pair, attribute tuple)
// with the UTC hours it had events in, as a bitmap: about 5,000 entries
// for the heartbeats of that month. A pane tests its filters once per
// entry and finds the buckets an entry was active in from a few words of
// bits.
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

// hbEntry is one (distinct id, user pair, tuple) and the hours it had
// events in: words[j] holds hours 64*at[j] .. 64*at[j]+63, at ascending.
// Pair 0: the events had no install id (their key is the person).
type hbEntry struct {
	did, pair, tup uint32
	at             []int64
	words          []uint64
}

// or notes the hours bits of word w (hours 64*w ..).
func (e *hbEntry) or(w int64, bit uint64) {
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
	all    bool // every event, not only the heartbeats
	mu     sync.Mutex
	folded []bool // by chunk number
	ents   []hbEntry
	byKey  map[[3]uint32]int32
	// last is, per distinct id, the entry it last went to; cur, per
	// entry, the word of hours being filled, written to the entry when
	// another word starts and at the end of each fold. Most events repeat
	// both, and these small arrays answer them without touching the
	// entries' own slices (folding 10M events took 0.4 s that way).
	last    []lastEntry
	cur     []curWord
	hits    int64 // panes that counted hours from the digest (DigestHits)
	folding bool  // a background fold runs (digestfold.go)
}

type curWord struct {
	w    int64
	bits uint64
}

type lastEntry struct {
	pair, tup uint32
	ent       int32 // 1 + the entry; 0: none yet
}

func newHBDigest(all bool) *hbDigest { return &hbDigest{all: all, byKey: map[[3]uint32]int32{}} }

// entry finds or adds the entry of (did, pair, tup).
func (h *hbDigest) entry(did, pair, tup uint32) int32 {
	if int(did) < len(h.last) {
		if le := h.last[did]; le.ent != 0 && le.pair == pair && le.tup == tup {
			return le.ent - 1
		}
	}
	k := [3]uint32{did, pair, tup}
	l, ok := h.byKey[k]
	if !ok {
		l = int32(len(h.ents))
		h.ents = append(h.ents, hbEntry{did: did, pair: pair, tup: tup})
		h.cur = append(h.cur, curWord{w: math.MinInt64})
		h.byKey[k] = l
	}
	if int(did) < len(h.last) {
		h.last[did] = lastEntry{pair: pair, tup: tup, ent: l + 1}
	}
	return l
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

// hbUse is how one pane reads a digest: num says its own events are
// counted from it (dg), den that its denominator is (the heartbeats').
type hbUse struct {
	num, den bool
	dg       *hbDigest
	u        *hbUsable
}

type cellMask struct {
	cell int
	mask uint64
}

// digestable reports how pane r can read the digests: its buckets are
// whole UTC hours, and its breakdown and filters depend on the person and
// the tuple only. all says its events are every event (else the
// heartbeats).
func (r *paneRun) digestable() (num, all, den bool) {
	if r.from%hourMs != 0 || r.to%hourMs != 0 || r.step%hourMs != 0 || r.to <= r.from {
		return false, false, false
	}
	for _, c := range r.comps {
		if c.kind != compTuple && c.kind != compPerson {
			return false, false, false
		}
	}
	all = r.names == nil
	num = r.distinct && !r.columns && r.f.evOK == nil && (all || r.heartbeatNames())
	den = r.rate && r.denF.evOK == nil
	return num, all && num, den
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

// How the index keeps its digests (SetDigests).
const (
	DigestsInline     = iota // a query folds the chunks it reads first (the default: deterministic)
	DigestsBackground        // a query reads what is folded and scans the rest; the rest is folded after it, in the background
	DigestsOff               // never: every pane scans its events (a process that asks once)
)

// SetDigests sets how the digests are kept: DigestsInline,
// DigestsBackground or DigestsOff.
func (x *Index) SetDigests(mode int) { x.digestMode.Store(int32(mode)) }

// digestPanes folds what the query's chunks add to the digests and
// counts the hours they answer for every pane that can read them; the
// scans then skip those hours. x.mu must be held for reading.
func (x *Index) digestPanes(runs []*paneRun, todo []int, pv *pairView) {
	mode := x.digestMode.Load()
	if mode == DigestsOff {
		return
	}
	uses := map[*hbDigest][]*paneRun{}
	for _, r := range runs {
		if r.skip || r.meas == datasource.MeasureNewInstallations {
			continue
		}
		num, all, den := r.digestable()
		switch {
		case num && all:
			r.dig = &hbUse{num: true, dg: x.evd}
		case num || den:
			r.dig = &hbUse{num: num, den: den, dg: x.hbd}
		default:
			continue
		}
		uses[r.dig.dg] = append(uses[r.dig.dg], r)
	}
	for h, rs := range uses {
		lo, hi := rs[0].from, rs[0].to
		for _, r := range rs {
			lo, hi = min(lo, r.from), max(hi, r.to)
		}
		h.mu.Lock()
		if jobs := h.foldable(x, todo, pv); mode == DigestsInline {
			h.foldJobs(jobs, len(x.dids))
		} else {
			x.foldLater(h, jobs, len(x.dids))
		}
		u := h.usable(x, todo, lo, hi)
		// The digest holds entries other queries folded, with pairs their
		// views held and this one's may not (pairs are derived during
		// queries): pair ids never change and pairIID only grows, so the
		// current one places every entry.
		x.der.mu.Lock()
		all := *pv
		all.pairIID = x.der.pairIID
		x.der.mu.Unlock()
		for _, r := range rs {
			r.dig.u = &u
			r.digestCount(h, &all)
		}
		h.mu.Unlock()
	}
}

// cellMasks lists, per word of hours from the pane's first (w0), the
// pane's cells in it and their hours the digest answers, without the
// cells the pane keeps from the cache.
func (r *paneRun) cellMasks() (w0 int64, out [][]cellMask) {
	w0 = hourOf(r.from) >> 6
	for w := w0; w <= hourOf(r.to-1)>>6; w++ {
		var cms []cellMask
		for b := range 64 {
			hr := w<<6 + int64(b)
			ms := hr * hourMs
			if ms < r.from || ms >= r.to || !r.dig.u.has(hr) {
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
		out = append(out, cms)
	}
	return w0, out
}

// digestCount counts the digest's entries into the pane's cells for the
// hours u answers.
func (r *paneRun) digestCount(h *hbDigest, pv *pairView) {
	d := r.dig
	w0, masks := r.cellMasks()
	if !slices.ContainsFunc(masks, func(cms []cellMask) bool { return len(cms) > 0 }) {
		return
	}
	h.hits++
	w1 := w0 + int64(len(masks))
	for i := range h.ents {
		e := &h.ents[i]
		numOK := d.num && r.f.passEntry(e)
		denOK := d.den && r.denF.passEntry(e)
		if !numOK && !denOK {
			continue
		}
		inst, usr := hiKey|r.x.didPerson[e.did], hiKey|e.did
		if e.pair != 0 {
			inst, usr = pv.pairIID[e.pair], e.pair
		}
		mk := inst
		if r.byUser {
			mk = usr
		}
		var key [2]uint32
		for j := range r.comps {
			key[j] = r.comps[j].entryID(r.x, e)
		}
		j := 0
		if len(e.at) > 0 && e.at[0] < w0 {
			j, _ = slices.BinarySearch(e.at, w0)
		}
		for ; j < len(e.at) && e.at[j] < w1; j++ {
			for _, cm := range masks[e.at[j]-w0] {
				if hit := e.words[j] & cm.mask; hit != 0 {
					r.digestHit(cm.cell, mk, inst, key, int64(bits.OnesCount64(hit)), numOK, denOK)
				}
			}
		}
	}
}

// digestHit counts one entry active in cell b for n hours: key mk in the
// pane's own measure, inst in a rate's denominator.
func (r *paneRun) digestHit(b int, mk, inst uint32, key [2]uint32, n int64, num, den bool) {
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
		if !r.stamps.seen(mk, b, gid) {
			cl.set.add(mk)
			if g != nil {
				g.set.add(mk)
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
