package index

import (
	"context"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// The columns a pane's breakdown reads per event: a saved chunk's column
// of a property is read from its postings once and kept (bounded), a
// chunk built from rows reads its propsets.

// colView is one event property's value per event for the chunks a query
// reads, by chunk number: an id into vals, 0 when the property is missing
// or null, or reads "unknown" (all three are the group
// datasource.Unknown).
type colView struct {
	gen  uint64 // the generation of the ids (derived.gen)
	cols []*keyCol
	vals []string
	dict *valDict // vals' dict, for ids a concurrent query added (label)
}

// get is the value id of event i of c.
func (v *colView) get(c *chunk, i int) uint32 {
	if num := c.num(); num < int64(len(v.cols)) && v.cols[num] != nil {
		return v.cols[num].get(i)
	}
	return 0
}

// keyCol is one key's ids on the events of one chunk that carry it: an id
// per event when at least one in eight does, else the offsets that do
// (ascending) with their ids, so a rare key (new_version, only on
// updates) costs its own events. n is how many events were read.
type keyCol struct {
	n     int
	dense []uint32
	offs  []uint16
	ids   []uint32
	set   []uint64 // when asked: the events whose value is not null, a bit each
}

func (k *keyCol) get(i int) uint32 {
	if k.dense != nil {
		if i < len(k.dense) {
			return k.dense[i]
		}
		return 0
	}
	if j, ok := slices.BinarySearch(k.offs, uint16(i)); ok && i < k.n {
		return k.ids[j]
	}
	return 0
}

// newKeyCol makes the column of n events from entries (offset<<32 | id,
// ids not 0, in any order); entries is sorted when the column is sparse.
func newKeyCol(n int, entries []uint64) *keyCol {
	k := &keyCol{n: n}
	if len(entries)*8 >= n {
		k.dense = make([]uint32, n)
		for _, e := range entries {
			k.dense[e>>32] = uint32(e)
		}
		return k
	}
	slices.Sort(entries)
	k.offs, k.ids = make([]uint16, len(entries)), make([]uint32, len(entries))
	for j, e := range entries {
		k.offs[j], k.ids[j] = uint16(e>>32), uint32(e)
	}
	return k
}

// valDict numbers one breakdown property's values for as long as the
// index keeps it, so the group keys of kept cells (panecache.go) stay
// valid; derived.gen changes when the dicts are dropped.
type valDict struct {
	vals []string // only grows: a view of it stays valid
	ids  map[string]uint32
	// cols keeps the property's column of each saved chunk read, by chunk
	// number: a saved chunk never changes, and reading its postings back
	// from SQLite cost most of a cold query of a pane broken down by an
	// event property (auth_method at 10M events over 30 days: 11 of 14
	// ms). derived.colBytes bounds what all dicts keep.
	cols map[int64]*keyCol
}

// maxDicts bounds the properties numbered.
const maxDicts = 16

// maxColBytes bounds the columns the dicts keep (derived.colBytes): a
// property on every event costs 4 bytes per event, so at 10M events at
// most one or two of those are kept and sparse ones (new_version,
// auth_method) always are.
const maxColBytes = 64 << 20

// bytes is what k keeps.
func (k *keyCol) bytes() int64 { return int64(4*len(k.dense) + 2*len(k.offs) + 4*len(k.ids) + 64) }

// propColumn reads key's values on the events of the chunks in [from,
// to), the saved chunks' from what the dict keeps when it can.
func (x *Index) propColumn(ctx context.Context, key string, from, to int64) (colView, error) {
	d := x.der
	d.mu.Lock()
	vd := d.dicts[key]
	if vd == nil {
		if len(d.dicts) >= maxDicts {
			clear(d.dicts)
			d.gen++
			d.colBytes = 0
		}
		vd = &valDict{vals: []string{datasource.Unknown}, ids: map[string]uint32{datasource.Unknown: 0},
			cols: map[int64]*keyCol{}}
		d.dicts[key] = vd
	}
	v := colView{gen: d.gen, dict: vd}
	d.mu.Unlock()
	var kept []int64
	byNum, err := x.keyColumnsOf(ctx, key, func(c *chunk) bool {
		if c.maxMs < from || c.minMs >= to {
			return false
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if col := vd.cols[c.num()]; col != nil && col.n == c.len() {
			kept = append(kept, c.num())
			d.colHits++
			return false
		}
		return true
	}, func(pv pairVal) uint32 {
		if !pv.ok {
			return 0
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		return internDict(&vd.vals, vd.ids, pv.v)
	}, false)
	if err != nil {
		return v, err
	}
	x.mu.RLock()
	d.mu.Lock()
	for _, num := range kept {
		v.cols = grow(v.cols, num)
		v.cols[num] = vd.cols[num]
	}
	for num, col := range byNum {
		v.cols = grow(v.cols, num)
		v.cols[num] = col
		if num < int64(len(x.chunks)) && x.chunks[num] != nil && x.chunks[num].posted() &&
			x.chunks[num].len() == col.n && d.colBytes+col.bytes() <= maxColBytes {
			vd.cols[num] = col
			d.colBytes += col.bytes()
		}
	}
	v.vals = vd.vals
	d.mu.Unlock()
	x.mu.RUnlock()
	return v, nil
}
