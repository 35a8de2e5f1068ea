package index

import (
	"sync"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// evalFilters is one family's filters evaluated once per person (expanded
// to distinct ids), once per attribute tuple (filters on the Mapping's
// version, platform and deployment properties) and once per chunk for
// other event properties (a bitset of the passing events per chunk
// number, from the postings); nil means "no filter of that kind".
type evalFilters struct {
	didOK, tupOK []bool
	evOK         [][]uint64
	clsBit       uint8 // didOK's bit in a lean chunk's classes (lean.go)
}

// pass reports whether event i of c passes the filters.
func (f *evalFilters) pass(c *chunk, i int) bool {
	return f.personOK(c, i) && (f.tupOK == nil || f.tupOK[c.tupOf(i)]) &&
		(f.evOK == nil || evBit(f.evOK, c.at, i))
}

// none reports whether no filter applies.
func (f *evalFilters) none() bool { return f.didOK == nil && f.tupOK == nil && f.evOK == nil }

// splitTuple separates the event filters an attribute tuple answers (their
// key is one of the Mapping's three properties) from the rest, which need
// the postings.
func (x *Index) splitTuple(fs []datasource.Filter) (tup, rest []datasource.Filter) {
	for _, f := range fs {
		if x.tupleSlot(f.Key) >= 0 {
			tup = append(tup, f)
		} else {
			rest = append(rest, f)
		}
	}
	return tup, rest
}

// tupleSlot is the position of key in an attribute tuple, or -1.
func (x *Index) tupleSlot(key string) int {
	for i, k := range x.keys {
		if k != "" && k == key {
			return i
		}
	}
	return -1
}

// filters evaluates family k's filters of p; x.mu must be held.
func (x *Index) filters(p *Plan, k datasource.EventKind) evalFilters {
	return x.evalFam(p, p.filters(k))
}

// evalFam evaluates one list of filters split by scope, the event filters
// from p's bitsets (prepareEvents); x.mu must be held.
func (x *Index) evalFam(p *Plan, ff *FamFilters) evalFilters {
	var f evalFilters
	if len(ff.personFs) > 0 {
		f.didOK = x.personCache.didOK(x, ff.personKey, ff.personFs)
		x.setClass(&f, ff)
	}
	tup, rest := x.splitTuple(ff.eventFs)
	if len(tup) > 0 {
		f.tupOK = x.tupleOK(tup)
	}
	if len(rest) > 0 {
		f.evOK = p.evOK[filterListKey(rest)]
	}
	return f
}

// tupleOK evaluates filters on the tuple's properties once per interned
// tuple: a few hundred entries, so it is not cached. Value id 0 is
// "missing", as a missing or null property is for Filter.Match.
func (x *Index) tupleOK(fs []datasource.Filter) []bool {
	ok := make([]bool, len(x.tups))
	for id, t := range x.tups {
		vals := [3]uint32{t.ver, t.plat, t.dep}
		ok[id] = true
		for _, f := range fs {
			v := vals[x.tupleSlot(f.Key)]
			if !f.Match(x.vals[v], v != 0) {
				ok[id] = false
				break
			}
		}
	}
	return ok
}

// personFilterCache keeps person-filter results between queries: reading
// 25,000 persons' properties costs milliseconds in cache misses, and the
// TUI asks the same filters every poll. Persons change all the time
// (every $identify), so a result remembers how far into the index's
// person change log it is valid and re-evaluates only the persons changed
// since.
type personFilterCache struct {
	mu sync.Mutex
	m  map[string]*personResult
}

type personResult struct {
	pos uint64 // position in the change log (index.logBase counts dropped entries)
	ok  []bool
}

// didOK returns, per distinct id, whether its person passes fs.
func (c *personFilterCache) didOK(x *Index, key string, fs []datasource.Filter) []bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	var pr propsReader
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.Key
	}
	vals, set := make([]string, len(fs)), make([]bool, len(fs))
	eval := func(pid int) bool {
		return x.persons[pid].dids > 0 && pr.match(x.persons[pid].props, fs, keys, vals, set)
	}
	r := c.m[key]
	if r == nil || r.pos < x.logBase {
		if len(c.m) >= 64 {
			clear(c.m)
		}
		r = &personResult{}
		c.m[key] = r
	} else {
		for _, pid := range x.personLog[r.pos-x.logBase:] {
			if int(pid) < len(r.ok) {
				r.ok[pid] = eval(int(pid))
			}
		}
	}
	for pid := len(r.ok); pid < len(x.persons); pid++ {
		r.ok = append(r.ok, eval(pid))
	}
	r.pos = x.logBase + uint64(len(x.personLog))
	out := make([]bool, len(x.didPerson))
	for did, pid := range x.didPerson {
		out[did] = r.ok[pid]
	}
	return out
}

// hourTable gives the local hour of day without time.In per event: one
// entry per 15-minute UTC slot of the range. A slot is exact when the zone
// offset is a multiple of 15 minutes and does not change inside it (true of
// every current zone away from a DST switch); other slots fall back to
// time.In.
type hourTable struct {
	loc   *time.Location
	utc   bool
	base  int64
	hours []int8
}

const slotMs = 15 * 60 * 1000

func newHourTable(loc *time.Location, from, to int64) *hourTable {
	h := &hourTable{loc: loc, utc: loc == time.UTC}
	if h.utc || to <= from {
		return h
	}
	h.base = floorDiv(from, slotMs) * slotMs
	n := (to - h.base + slotMs - 1) / slotMs
	if n > 1<<20 {
		return h
	}
	h.hours = make([]int8, n)
	for i := range h.hours {
		start := h.base + int64(i)*slotMs
		t0 := time.UnixMilli(start).In(loc)
		_, off0 := t0.Zone()
		_, off1 := time.UnixMilli(start + slotMs - 1).In(loc).Zone()
		if off0 == off1 && off0%900 == 0 {
			h.hours[i] = int8(t0.Hour())
		} else {
			h.hours[i] = -1
		}
	}
	return h
}

func (h *hourTable) hour(ms int64) int {
	if h.utc {
		return int(floorDiv(ms, 3600_000) % 24)
	}
	if i := (ms - h.base) / slotMs; ms >= h.base && i < int64(len(h.hours)) && h.hours[i] >= 0 {
		return int(h.hours[i])
	}
	return time.UnixMilli(ms).In(h.loc).Hour()
}

// hourSpan is hour(ms) with the span [lo, hi) around ms that has the same
// hour, so a scan can skip the lookup while it stays inside (an empty span
// when the hour came from time.In).
func (h *hourTable) hourSpan(ms int64) (hour int, lo, hi int64) {
	if h.utc {
		lo = floorDiv(ms, 3600_000) * 3600_000
		return int(floorDiv(ms, 3600_000) % 24), lo, lo + 3600_000
	}
	if i := (ms - h.base) / slotMs; ms >= h.base && i < int64(len(h.hours)) && h.hours[i] >= 0 {
		lo = h.base + i*slotMs
		return int(h.hours[i]), lo, lo + slotMs
	}
	return time.UnixMilli(ms).In(h.loc).Hour(), ms, ms
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
