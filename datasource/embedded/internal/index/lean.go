package index

import (
	"context"
	"encoding/binary"
	"sync/atomic"
)

// A process that answers one query (`ttmon snapshot`; SetLean) decodes a
// person filter's chunks leaner: instead of every event's distinct id (4
// bytes an event, 40 MB of a 10M-event month), each event's class, one
// byte whose bit j says whether the event's person passes the j-th list
// of person filters among the query's families (classes). The built-in
// scan reads the class where a chunk has no distinct ids (evalFilters.
// clsBit); a chunk that has them reads them, and a later query with other
// filters completes the chunks it needs with their distinct ids as
// before (lacks).

// classes is the classification the chunks' pcls were decoded with.
type classes struct {
	gen  uint32
	keys []string // FamFilters.personKey of each bit
	cls  []uint8  // per distinct id
	pos  uint64   // the person log's end when computed (logBase + len)
}

// classGen numbers classifications, so a chunk's pcls is read only under
// the one it was decoded with.
var classGen atomic.Uint32

// SetLean has snapshots decode person filters as classes (see above);
// set it before the first query.
func (x *Index) SetLean(on bool) { x.lean = on }

// prepareLean is prepare for the built-in figures of a lean process with
// a person filter; false when it does not apply (the caller prepares as
// usual).
func (x *Index) prepareLean(ctx context.Context, p *Plan) (bool, error) {
	if !x.lean || !p.hasPersonFilters() {
		return false, nil
	}
	// The persons come first: decoding the month while they are read
	// kept every chunk decoded before the classes were known with its
	// distinct ids until then, and measured no faster.
	if err := x.needPersons(ctx); err != nil {
		return true, err
	}
	x.mu.Lock()
	if !x.fresh(x.cls) || !x.cls.covers(p) { // the same lists again keep their classes
		x.cls = x.classify(p)
	}
	x.mu.Unlock()
	if x.cls == nil {
		return false, nil // more than eight lists: distinct ids
	}
	if err := x.cover(ctx, p.prevFrom, p.to, keepClass); err != nil {
		return true, err
	}
	return true, x.prepareEvents(ctx, p, p.prevFrom)
}

// classify computes the classes of p's families' person filters (at most
// eight lists); nil if there are more. x.mu is held.
func (x *Index) classify(p *Plan) *classes {
	c := &classes{gen: classGen.Add(1), cls: make([]uint8, len(x.didPerson)),
		pos: x.logBase + uint64(len(x.personLog))}
	for _, ff := range p.fam {
		if len(ff.personFs) == 0 || c.bit(ff.personKey) != 0 {
			continue
		}
		if len(c.keys) == 8 {
			return nil
		}
		b := uint8(1) << len(c.keys)
		c.keys = append(c.keys, ff.personKey)
		for did, ok := range x.personCache.didOK(x, ff.personKey, ff.personFs) {
			if ok {
				c.cls[did] |= b
			}
		}
	}
	return c
}

// covers reports whether c has a bit for every list of p's person
// filters.
func (c *classes) covers(p *Plan) bool {
	for _, ff := range p.fam {
		if len(ff.personFs) > 0 && c.bit(ff.personKey) == 0 {
			return false
		}
	}
	return true
}

// bit is the class bit of the person filters keyed key, 0 if none.
func (c *classes) bit(key string) uint8 {
	for j, k := range c.keys {
		if k == key {
			return 1 << j
		}
	}
	return 0
}

// fresh reports whether no person changed since c was computed. x.mu is
// held.
func (x *Index) fresh(c *classes) bool {
	return c != nil && c.pos == x.logBase+uint64(len(x.personLog))
}

// leanReady reports whether every chunk p's built-in scan reads has its
// distinct ids or classes of x.cls, and x.cls still holds; anyClass,
// whether some chunk has classes. x.mu is held.
func (x *Index) leanReady(p *Plan) (ready, anyClass bool) {
	if !x.fresh(x.cls) {
		return false, false
	}
	for _, c := range x.chunks {
		if c == nil || c.maxMs < p.prevFrom || c.minMs >= p.to || c.did != nil {
			continue
		}
		if c.pclsGen != x.cls.gen {
			return false, false
		}
		anyClass = true
	}
	return true, anyClass
}

// classesOf reads n little-endian distinct ids from raw as their classes.
func classesOf(raw []byte, n int, c *classes) ([]uint8, error) {
	if len(raw) < 4*n {
		return nil, errBadChunk
	}
	out := make([]uint8, n)
	for i := range out {
		if d := binary.LittleEndian.Uint32(raw[4*i:]); int(d) < len(c.cls) {
			out[i] = c.cls[d]
		} else {
			return nil, errBadChunk // a distinct id newer than the index's: rebuilt from rows
		}
	}
	return out, nil
}

// personOK reports whether event i of c passes f's person filters.
func (f *evalFilters) personOK(c *chunk, i int) bool {
	if f.didOK == nil {
		return true
	}
	if c.did != nil {
		return f.didOK[c.did[i]]
	}
	return c.pcls[i]&f.clsBit != 0
}

// setClass has f read classes for a chunk without distinct ids when its
// person filters are among x.cls's. x.mu is held.
func (x *Index) setClass(f *evalFilters, ff *FamFilters) {
	if f.didOK != nil && x.fresh(x.cls) {
		f.clsBit = x.cls.bit(ff.personKey)
	}
}
