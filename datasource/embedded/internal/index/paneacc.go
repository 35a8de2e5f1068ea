package index

import (
	"math/bits"
)

// keySet is a set of installation or user keys: a bitset in pages of
// 4,096 keys, allocated when a key of the page arrives, so a group that
// sees a few keys holds a few pages and the whole fleet's set is 4 KB per
// 32,000 keys.
type keySet struct {
	pages []*[64]uint64
}

func (s *keySet) add(k uint32) {
	if p := int(k >> 12); p < len(s.pages) {
		if pg := s.pages[p]; pg != nil {
			pg[(k>>6)&63] |= 1 << (k & 63)
			return
		}
	}
	s.addPage(k)
}

// addPage adds k when its page is not there yet.
func (s *keySet) addPage(k uint32) {
	p := int(k >> 12)
	if p >= len(s.pages) {
		s.pages = append(s.pages, make([]*[64]uint64, p+1-len(s.pages))...)
	}
	if s.pages[p] == nil {
		s.pages[p] = new([64]uint64)
	}
	s.pages[p][(k>>6)&63] |= 1 << (k & 63)
}

func (s *keySet) count() int64 {
	n := 0
	for _, pg := range s.pages {
		if pg != nil {
			for _, w := range pg {
				n += bits.OnesCount64(w)
			}
		}
	}
	return int64(n)
}

// union adds o's keys to s.
func (s *keySet) union(o *keySet) {
	for p, opg := range o.pages {
		if opg == nil {
			continue
		}
		if p >= len(s.pages) {
			s.pages = append(s.pages, make([]*[64]uint64, p+1-len(s.pages))...)
		}
		if s.pages[p] == nil {
			s.pages[p] = new([64]uint64)
		}
		for i, w := range opg {
			s.pages[p][i] |= w
		}
	}
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

// groupAcc is one breakdown group: its measure, the table columns, and
// per bucket for a line chart.
type groupAcc struct {
	acc
	key         [2]uint32 // component ids
	inst, usr   keySet    // the installations and users columns
	first, last int64     // ms, once n > 0
	vers        map[uint32]int64
	series      []acc
}

// merge adds o's counts to g.
func (g *groupAcc) merge(o *groupAcc) {
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
		g.vers[v] += n
	}
	for b := range g.series {
		g.series[b].union(&o.series[b])
	}
}

// groupIndex finds a group by its component ids: a slice for one
// component, a map for two.
type groupIndex struct {
	one     []int32 // component id -> group + 1
	two     map[uint64]int32
	lastKey uint64
	lastG   int32
	groups  []*groupAcc
}

// find returns the group of key, creating it with mk.
func (gi *groupIndex) find(n int, key [2]uint32, mk func(key [2]uint32) *groupAcc) int32 {
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
		gi.groups = append(gi.groups, mk(key))
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
		gi.groups = append(gi.groups, mk(key))
		gi.two[k] = g
	}
	gi.lastKey, gi.lastG = k, g
	return g
}

// lookup returns the group of a one-component key, or -1.
func (gi *groupIndex) lookup(k uint32) int32 {
	if int(k) < len(gi.one) {
		return gi.one[k] - 1
	}
	return -1
}
