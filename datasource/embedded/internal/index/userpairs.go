package index

import (
	"context"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// The user pairs (derive.go) come from the events' install ids, which a
// saved chunk keeps in its postings. Reading a range's install ids as
// columns and deriving the pairs from them afterwards made a column of 4
// bytes per event that was garbage as soon as the pairs were derived (40
// MB for a month at 10M events, in memory the process had not touched
// yet). derivePairs instead has each of two workers turn one chunk's
// postings at a time into a column in scratch and derive that chunk's
// pairs from it while it is in the cache.

// bgPairStep is how many chunks a background derivation does between
// two looks at the queries (fgGate).
const bgPairStep = 32

// derivePairs derives the user pairs of the events in [from, to) not
// derived yet. withSet also returns, per chunk it read, the events whose
// install id is set (seedBits: "install_id is set" from the same read).
// bg is for background callers: they derive bgPairStep chunks at a time
// and let queries go first between steps.
func (x *Index) derivePairs(ctx context.Context, from, to int64, withSet, bg bool) (map[int64]*keyCol, error) {
	todo := x.underived(from, to)
	var conv *pairMemo
	if len(todo) > 0 {
		kv, err := x.valuesFor(ctx, datasource.InstallKeyProperty)
		if err != nil {
			return nil, err
		}
		conv = x.iidConv(kv)
	}
	sets := map[int64]*keyCol{}
	step := len(todo)
	if bg {
		step = bgPairStep
	}
	for len(todo) > 0 && ctx.Err() == nil {
		if bg {
			x.fg.idle(ctx)
		}
		n := min(step, len(todo))
		if err := x.derivePosted(ctx, todo[:n], conv, withSet, sets); err != nil {
			return nil, err
		}
		todo = todo[n:]
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Chunks built from rows (the newest) read their propsets.
	cols, err := x.installIDs(ctx, from, to, withSet)
	if err != nil {
		return nil, err
	}
	var rows []int
	x.mu.RLock()
	defer x.mu.RUnlock()
	for num, col := range cols {
		if num < int64(len(x.chunks)) && x.chunks[num] != nil {
			rows = append(rows, int(num))
			sets[num] = &keyCol{n: col.n, set: col.set}
		}
	}
	slices.Sort(rows)
	x.pairs(rows, cols)
	return sets, nil
}

// iidConv maps the install id key's pairs to their install id numbers
// (derived.internIID), with isSetBit for a value that is not null.
func (x *Index) iidConv(kv *keyValues) *pairMemo {
	conv := &pairMemo{}
	x.ev.mu.Lock()
	defer x.ev.mu.Unlock()
	d := x.der
	d.mu.Lock()
	defer d.mu.Unlock()
	for pair, pv := range kv.val {
		id := d.internIID(pv.v, pv.ok)
		if pv.ok {
			id |= isSetBit
		}
		conv.put(pair, id)
	}
	return conv
}

// isSetBit marks, in a pair's install id number (iidConv), a value that
// is not null: the event's install id is set.
const isSetBit = 1 << 31

// underived lists the saved chunks with events in [from, to) whose user
// pairs are not all derived yet.
func (x *Index) underived(from, to int64) []int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	d := x.der
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []int64
	for ci, c := range x.chunks {
		if c == nil || !c.posted() || c.did == nil || c.maxMs < from || c.minMs >= to {
			continue
		}
		if ci >= len(d.chunks) || d.chunks[ci] == nil || len(d.chunks[ci].loc) < c.len() {
			out = append(out, int64(ci))
		}
	}
	return out
}

// derivePosted derives the pairs of the saved chunks nums (sorted) from
// their install ids' postings, on up to two workers, adding to sets what
// withSet asks.
func (x *Index) derivePosted(ctx context.Context, nums []int64, conv *pairMemo, withSet bool,
	sets map[int64]*keyCol) error {
	data, err := x.postingsOf(ctx, datasource.InstallKeyProperty, nums)
	if err != nil {
		return err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	d := x.der
	d.mu.Lock()
	defer d.mu.Unlock()
	d.chunks = grow(d.chunks, int64(len(x.chunks)-1))
	var jobs []int
	total := 0
	for _, num := range nums {
		c := x.chunks[num]
		if c == nil || !c.posted() || c.did == nil {
			continue
		}
		if d.chunks[num] == nil {
			d.chunks[num] = &chunkPairs{tab: []uint32{0}}
		}
		if len(d.chunks[num].loc) < c.len() {
			jobs = append(jobs, int(num))
			total += c.len()
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	got := make([][]uint64, len(jobs))
	workers := min(scanWorkers(total), len(jobs))
	err = onWorkers(workers, func(w int) error {
		dv := d.newDeriving(len(x.dids))
		var scratch []uint32
		for j := w * len(jobs) / workers; j < (w+1)*len(jobs)/workers; j++ {
			ci := jobs[j]
			c, cp := x.chunks[ci], d.chunks[ci]
			if withSet {
				got[j] = fillBits(c.len(), false)
			}
			if len(cp.loc) == 0 {
				if !dv.fromPostings(ci, cp, c, data[int64(ci)], conv, got[j]) {
					return errBadPostings
				}
				continue
			}
			// Derived in part (it was a chunk built from rows): the rest
			// event by event, from a column in scratch.
			n := c.len()
			scratch = slices.Grow(scratch[:0], n)[:n]
			clear(scratch)
			set := got[j]
			ok := eachPosting(data[int64(ci)], n, func(pair uint32, offs []uint16) {
				id, _ := conv.get(pair)
				markSet(set, id, offs)
				if id &^= isSetBit; id != 0 {
					for _, o := range offs {
						scratch[o] = id
					}
				}
			})
			if !ok {
				return errBadPostings
			}
			dv.chunk(ci, cp, c, &keyCol{n: n, dense: scratch})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if withSet {
		for j, ci := range jobs {
			sets[int64(ci)] = &keyCol{n: x.chunks[ci].len(), set: got[j]}
		}
	}
	return nil
}

// markSet sets in set (when there is one) the bits of offs if id, an
// iidConv number, has isSetBit.
func markSet(set []uint64, id uint32, offs []uint16) {
	if set == nil || id&isSetBit == 0 {
		return
	}
	for _, o := range offs {
		set[o>>6] |= 1 << (o & 63)
	}
}

// fromPostings derives chunk ci, none of whose events is derived yet,
// from its install ids' postings (data), spread into scratch as a column
// first: one pass over the chunk's events in order then finds most pairs
// in the slot of their distinct id. It reports false for postings it
// cannot read.
func (dv *deriving) fromPostings(ci int, cp *chunkPairs, c *chunk, data []byte, conv *pairMemo, set []uint64) bool {
	n := c.len()
	iid := slices.Grow(dv.col[:0], n)[:n]
	clear(iid)
	dv.col = iid
	if !spreadIIDs(data, iid, conv, set) {
		return false
	}
	tag := int32(ci) + 1
	tab := append(dv.tab[:0], 0) // tab[0] = 0: no install id
	loc := make([]uint16, n)
	if dv.gen++; dv.gen == 0 { // slots from 65,536 chunks ago would match
		for k := range dv.dids {
			dv.dids[k].slot = 0
		}
		dv.gen = 1
	}
	gen := uint64(dv.gen) << 16
	st := dv.dids
	for i, d := range c.did[:n] {
		id := iid[i]
		if id == 0 {
			continue
		}
		if int(d) >= len(st) { // not in the arrays: the table by pair id
			p := dv.d.sharedPair(id, d)
			l := uint16(len(tab))
			if int(p) < len(dv.stamp) && dv.stamp[p] == tag {
				l = dv.loc[p]
			} else {
				tab = append(tab, p)
				dv.note(p, tag, l)
			}
			loc[i] = l
			continue
		}
		s := &st[d]
		want := uint64(id)<<32 | gen
		if s.slot&^0xffff == want {
			loc[i] = uint16(s.slot)
			continue
		}
		if s.pair == 0 || s.iid != id {
			s.iid, s.pair = id, dv.d.sharedPair(id, d)
		}
		l := uint16(len(tab))
		if s.slot&0xffff0000 == gen {
			// Seen in this chunk with another install id: its pair there
			// is kept by pair id, and this one may be there already.
			dv.note(tab[uint16(s.slot)], tag, uint16(s.slot))
			if int(s.pair) < len(dv.stamp) && dv.stamp[s.pair] == tag {
				l = dv.loc[s.pair]
			}
		}
		if l == uint16(len(tab)) {
			tab = append(tab, s.pair)
		}
		s.slot = want | uint64(l)
		loc[i] = l
	}
	cp.loc, cp.tab, dv.tab = loc, slices.Clone(tab), tab
	return true
}

// spreadIIDs is eachPosting for fromPostings, inlined: it writes each
// event's install id number (conv) into iid, len(iid) events, and marks
// in set (when there is one) the events whose install id is set. It
// reports false for postings it cannot read.
func spreadIIDs(data []byte, iid []uint32, conv *pairMemo, set []uint64) bool {
	if len(data) == 0 {
		return true
	}
	n := uint64(len(iid))
	b := data
	pairs, ok := nextUvarint(&b)
	pair := uint64(0)
	for ; ok && pairs > 0; pairs-- {
		d, ok1 := nextUvarint(&b)
		cnt, ok2 := nextUvarint(&b)
		pair += d
		if !ok1 || !ok2 || cnt > n || pair > 1<<32-1 {
			return false
		}
		id, _ := conv.get(uint32(pair))
		mark := set != nil && id&isSetBit != 0
		id &^= isSetBit
		off := uint64(0)
		for ; cnt > 0; cnt-- {
			if len(b) > 0 && b[0] < 0x80 {
				off += uint64(b[0])
				b = b[1:]
			} else if len(b) > 1 && b[1] < 0x80 {
				off += uint64(b[0]&0x7f) | uint64(b[1])<<7
				b = b[2:]
			} else if d, ok := nextUvarint(&b); ok {
				off += d
			} else {
				return false
			}
			if off >= n {
				return false
			}
			iid[off] = id
			if mark {
				set[off>>6] |= 1 << (off & 63)
			}
		}
	}
	return ok
}

// pairMemo maps pair ids to a uint32, in a slice for the first
// maxMemoSlice ids (a chunk of 16,384 events holds thousands of install
// ids: a map lookup each was most of reading a month's column) and a map
// above.
type pairMemo struct {
	known []uint64 // 1<<32 | value
	m     map[uint32]uint32
}

const maxMemoSlice = 1 << 20

func (pm *pairMemo) get(pair uint32) (uint32, bool) {
	if pair < maxMemoSlice {
		if int(pair) < len(pm.known) && pm.known[pair] != 0 {
			return uint32(pm.known[pair]), true
		}
		return 0, false
	}
	v, ok := pm.m[pair]
	return v, ok
}

func (pm *pairMemo) put(pair, v uint32) {
	if pair < maxMemoSlice {
		if int(pair) >= len(pm.known) {
			n := max(int(pair)+1, 2*len(pm.known))
			pm.known = slices.Grow(pm.known, n-len(pm.known))[:n]
		}
		pm.known[pair] = 1<<32 | uint64(v)
		return
	}
	if pm.m == nil {
		pm.m = map[uint32]uint32{}
	}
	pm.m[pair] = v
}
