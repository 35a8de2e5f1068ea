package index

import (
	"math/bits"
)

// hiKey marks the keys that name a person (installation keys) or a
// distinct id (user keys); the others are install ids and user pairs.
// Both stay the same from one query to the next, so a bucket's sets can
// be kept (panecache.go).
const hiKey = 1 << 31

// keySet is a set of installation or user keys: a bitset in pages of
// 4,096 keys, allocated when a key of the page arrives, so a group that
// sees a few keys holds a few pages and the whole fleet's set is 4 KB per
// 32,000 keys. Keys with hiKey have pages of their own.
type keySet struct {
	pages, hpages []*[64]uint64
}

func (s *keySet) add(k uint32) {
	ps, j := s.pages, k
	if k >= hiKey {
		ps, j = s.hpages, k-hiKey
	}
	if p := int(j >> 12); p < len(ps) {
		if pg := ps[p]; pg != nil {
			pg[(j>>6)&63] |= 1 << (j & 63)
			return
		}
	}
	s.addPage(k)
}

// addPage adds k when its page is not there yet.
func (s *keySet) addPage(k uint32) {
	ps := &s.pages
	if k >= hiKey {
		ps, k = &s.hpages, k-hiKey
	}
	p := int(k >> 12)
	if p >= len(*ps) {
		*ps = append(*ps, make([]*[64]uint64, p+1-len(*ps))...)
	}
	if (*ps)[p] == nil {
		(*ps)[p] = new([64]uint64)
	}
	(*ps)[p][(k>>6)&63] |= 1 << (k & 63)
}

func (s *keySet) count() int64 {
	n := 0
	for _, ps := range [2][]*[64]uint64{s.pages, s.hpages} {
		for _, pg := range ps {
			if pg != nil {
				for _, w := range pg {
					n += bits.OnesCount64(w)
				}
			}
		}
	}
	return int64(n)
}

// union adds o's keys to s; s never shares a page with o afterwards.
func (s *keySet) union(o *keySet) {
	s.pages = unionPages(s.pages, o.pages)
	s.hpages = unionPages(s.hpages, o.hpages)
}

func unionPages(dst, src []*[64]uint64) []*[64]uint64 {
	for p, spg := range src {
		if spg == nil {
			continue
		}
		if p >= len(dst) {
			dst = append(dst, make([]*[64]uint64, p+1-len(dst))...)
		}
		if dst[p] == nil {
			dst[p] = new([64]uint64)
		}
		for i, w := range spg {
			dst[p][i] |= w
		}
	}
	return dst
}

// acc is one measure over a set of events: their count, the keys a
// distinct measure counts (installations or users), and for a rate the
// active installations' keys.
type acc struct {
	n        int64
	set, den keySet
}

func (a *acc) union(o *acc) {
	a.n += o.n
	a.set.union(&o.set)
	a.den.union(&o.den)
}

// groupCell is one breakdown group in one cell: its measure and the table
// columns.
type groupCell struct {
	acc
	key         [2]uint32 // component ids
	inst, usr   keySet    // the installations and users columns
	first, last int64     // ms, once n > 0
	vers        map[uint32]int64
}

// merge adds o's counts to g.
func (g *groupCell) merge(o *groupCell) {
	if o.n > 0 {
		if g.n == 0 || o.first < g.first {
			g.first = o.first
		}
		if g.n == 0 || o.last > g.last {
			g.last = o.last
		}
	}
	g.acc.union(&o.acc)
	g.inst.union(&o.inst)
	g.usr.union(&o.usr)
	for v, n := range o.vers {
		if g.vers == nil {
			g.vers = map[uint32]int64{}
		}
		g.vers[v] += n
	}
}

// cell is what a pane counted in one bucket of its range (or, in the
// last cell, outside every bucket): the measure and each group's. A cell
// of a finished bucket is kept between queries (panecache.go) and only
// read afterwards.
type cell struct {
	acc
	gi groupIndex
}

// merge adds o's counts to c.
func (c *cell) merge(o *cell, n int) {
	c.acc.union(&o.acc)
	for _, og := range o.gi.groups {
		c.gi.groups[c.gi.find(n, og.key)].merge(og)
	}
}

// groupIndex finds a group by its component ids: a slice for one
// component, a map for two.
type groupIndex struct {
	one     []int32 // component id -> group + 1
	two     map[uint64]int32
	lastKey uint64
	lastG   int32
	groups  []*groupCell
}

// find returns the group of key (n components), creating it.
func (gi *groupIndex) find(n int, key [2]uint32) int32 {
	if n == 1 {
		k := key[0]
		if int(k) < len(gi.one) {
			if g := gi.one[k]; g != 0 {
				return g - 1
			}
		} else {
			gi.one = append(gi.one, make([]int32, int(k)+1-len(gi.one))...)
		}
		g := int32(len(gi.groups))
		gi.groups = append(gi.groups, &groupCell{key: key})
		gi.one[k] = g + 1
		return g
	}
	k := uint64(key[0])<<32 | uint64(key[1])
	if len(gi.groups) > 0 && k == gi.lastKey {
		return gi.lastG
	}
	if gi.two == nil {
		gi.two = map[uint64]int32{}
	}
	g, ok := gi.two[k]
	if !ok {
		g = int32(len(gi.groups))
		gi.groups = append(gi.groups, &groupCell{key: key})
		gi.two[k] = g
	}
	gi.lastKey, gi.lastG = k, g
	return g
}

// lookup returns the group of key, or nil.
func (gi *groupIndex) lookup(n int, key [2]uint32) *groupCell {
	if n == 1 {
		if k := key[0]; int(k) < len(gi.one) && gi.one[k] != 0 {
			return gi.groups[gi.one[k]-1]
		}
		return nil
	}
	if g, ok := gi.two[uint64(key[0])<<32|uint64(key[1])]; ok {
		return gi.groups[g]
	}
	return nil
}
