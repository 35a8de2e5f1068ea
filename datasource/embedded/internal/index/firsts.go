package index

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/ttmon/ttmon/datasource"
)

// A new-installations pane needs each installation's earliest matching
// event over all history, which a scan of the range cannot give: read
// every time, it would cost a pass over all heartbeats each poll. So the
// earliest events are kept between queries and brought up to date with
// the events added since, which only ever move an earliest event earlier.
//
// What is kept cannot depend on persons, which change all the time: it is
// the earliest event per raw key (the user pair when the event has an
// install id, else its distinct id), among the events of the pane's names
// that pass its filters on event properties. A query folds the raw keys
// into installation keys (a pair's install id, a distinct id's person) and
// applies the person filters then: all events of a distinct id have the
// same person, so the earliest event of a key that passes is the earliest
// of its raw keys that pass.

// firstsCache holds the kept earliest events per pane signature.
type firstsCache struct {
	mu sync.Mutex
	m  map[string]*firsts
}

// firsts is one signature's earliest events: done[ci] events of chunk ci
// are in.
type firsts struct {
	done   []int
	byPair []firstHit // by pair id
	byDid  []firstHit // by distinct id, for events without install id
}

// maxFirsts bounds the signatures kept (each is ~24 bytes per pair and
// distinct id).
const maxFirsts = 8

// firstsSig names what a new-installations pane's kept events depend on:
// its names and its filters on event properties.
func (r *paneRun) firstsSig(nf *FamFilters) string {
	names := slices.Clone(r.x.m.EventNames(r.pq.Spec))
	slices.Sort(names)
	if names == nil {
		names = []string{datasource.AllEvents}
	}
	return strings.Join(names, "\x00") + "\x01" + nf.filterKey
}

// runFirsts fills r.first from the kept earliest events, brought up to
// date first; x.mu must be held for reading.
func (r *paneRun) runFirsts(p *Plan, ff *FamFilters) {
	x := r.x
	nf := FamFilters{eventFs: ff.eventFs, filterKey: ff.filterKey}
	sig := r.firstsSig(&nf)
	fc := &x.firstsCache
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.m == nil {
		fc.m = map[string]*firsts{}
	}
	fs := fc.m[sig]
	if fs == nil {
		if len(fc.m) >= maxFirsts {
			clear(fc.m)
		}
		fs = &firsts{}
		fc.m[sig] = fs
	}
	fs.update(r, x.evalFam(p, &nf))
	r.fold(fs)
}

// update adds the events not yet in: those of chunks added or grown
// since, as far as their user pairs are derived.
func (fs *firsts) update(r *paneRun, f evalFilters) {
	x := r.x
	fs.done = grow(fs.done, int64(len(x.chunks)-1))
	fs.byPair = growFirsts(fs.byPair, len(r.pv.pairIID))
	fs.byDid = growFirsts(fs.byDid, len(x.dids))
	for ci, c := range x.chunks {
		// A chunk after the range, or one the query's bitsets may not
		// cover in full, is left for a later query.
		if c == nil || ci >= len(r.pv.chunks) || ci >= len(r.lens) || c.minMs >= r.to {
			continue
		}
		cp := &r.pv.chunks[ci]
		upto := min(c.len(), len(cp.loc), r.lens[ci])
		from := fs.done[ci]
		if from >= upto {
			continue
		}
		for l, nm := range c.nmTab {
			if r.names != nil && (int(nm) >= len(r.names) || !r.names[nm]) {
				continue
			}
			offs := c.nmOff[l]
			for _, o := range offs[sort16(offs, from):] {
				i := int(o)
				if i >= upto {
					break
				}
				if !f.pass(c, i) {
					continue
				}
				fh := &fs.byDid[c.did[i]]
				if p := cp.tab[cp.loc[i]]; p != 0 {
					fh = &fs.byPair[p]
				}
				ms, pos := c.ms(i), uint64(ci)<<32|uint64(i)
				if ms < fh.ms || (ms == fh.ms && pos < fh.pos) {
					*fh = firstHit{ms: ms, pos: pos, name: nm}
				}
			}
		}
		fs.done[ci] = upto
	}
}

// sort16 is the index of the first offset >= from in the ascending offs.
func sort16(offs []uint16, from int) int {
	if from == 0 {
		return 0
	}
	i, _ := slices.BinarySearch(offs, uint16(min(from, math.MaxUint16)))
	return i
}

func growFirsts(s []firstHit, n int) []firstHit {
	for len(s) < n {
		s = append(s, firstHit{ms: math.MaxInt64})
	}
	return s
}

// fold turns the kept raw keys into r.first by installation key, under
// the pane's person filters.
func (r *paneRun) fold(fs *firsts) {
	x := r.x
	didOK := r.f.didOK
	take := func(fh firstHit, inst uint32) {
		if f := &r.first[inst]; fh.ms < f.ms || (fh.ms == f.ms && fh.pos < f.pos) {
			*f = fh
		}
	}
	// fs is shared by concurrent queries: one that derived more user
	// pairs than this one's view (r.pv) may have added entries this query
	// cannot place; they are left to a query that can.
	for p, fh := range fs.byPair {
		if fh.ms == math.MaxInt64 || p >= len(r.pv.pairIID) {
			continue
		}
		ci, i := int(fh.pos>>32), int(uint32(fh.pos))
		c := x.chunks[ci]
		if c == nil || i >= len(c.did) || ci >= len(r.pv.chunks) || i >= len(r.pv.chunks[ci].loc) ||
			ci >= len(r.lens) || i >= r.lens[ci] {
			continue
		} else if did := c.did[i]; didOK == nil || (int(did) < len(didOK) && didOK[did]) {
			take(fh, r.pv.pairIID[p])
		}
	}
	for did, fh := range fs.byDid {
		if fh.ms != math.MaxInt64 && did < len(x.didPerson) && (didOK == nil || (did < len(didOK) && didOK[did])) {
			take(fh, r.pv.nIID+x.didPerson[did])
		}
	}
}
