package index

import (
	"strings"
	"sync"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// appendEvent adds one event to its chunk, x.chunks[(id-1)/chunkSize].
// x.mu must be held for writing.
func (x *Index) appendEvent(id, ts int64, kind uint16, name, did, ps, tup uint32) {
	num := (id - 1) / chunkSize
	x.chunks = grow(x.chunks, num)
	c := x.chunks[num]
	if c == nil {
		c = &chunk{
			sec: make([]uint32, 0, chunkSize), msk: make([]uint16, 0, chunkSize),
			did: make([]uint32, 0, chunkSize), ps: make([]uint32, 0, chunkSize),
			tup: make([]uint32, 0, chunkSize), firstID: id,
		}
		x.chunks[num] = c
	}
	c.add(id, ts, kind, name, did, ps, tup)
	x.nEvents++
	x.maxPS = max(x.maxPS, ps)
}

// add appends an event to c; ids must come in increasing order.
func (c *chunk) add(id, ts int64, kind uint16, name, did, ps, tup uint32) {
	i := len(c.sec)
	if i == 0 {
		c.firstID, c.minMs, c.maxMs = id, ts, ts
	}
	if c.ids == nil && id != c.firstID+int64(i) {
		c.ids = make([]int64, i, chunkSize)
		for j := range c.ids {
			c.ids[j] = c.firstID + int64(j)
		}
	}
	if c.ids != nil {
		c.ids = append(c.ids, id)
	}
	c.sec = append(c.sec, uint32(ts/1000))
	c.msk = append(c.msk, uint16(ts%1000)|kind)
	c.addKind(i, kind)
	c.addName(i, name)
	c.did = append(c.did, did)
	c.ps = append(c.ps, ps)
	c.tup = append(c.tup, tup)
	c.minMs = min(c.minMs, ts)
	c.maxMs = max(c.maxMs, ts)
}

// addKind lists offset i under the families kind flags.
func (c *chunk) addKind(i int, kind uint16) {
	if kind&kHB != 0 {
		c.hb = append(c.hb, uint16(i))
	}
	if kind&kER != 0 {
		c.er = append(c.er, uint16(i))
	}
	if kind&kTM != 0 {
		c.tm = append(c.tm, uint16(i))
	}
}

// addName lists offset i under its event name. Chunks filled event by
// event find a name's list through nmLoc until they are full.
func (c *chunk) addName(i int, name uint32) {
	if c.nmLoc == nil {
		c.nmLoc = map[uint32]uint16{}
		for l, n := range c.nmTab {
			c.nmLoc[n] = uint16(l)
		}
	}
	l, ok := c.nmLoc[name]
	if !ok {
		l = uint16(len(c.nmTab))
		c.nmLoc[name] = l
		c.nmTab = append(c.nmTab, name)
		c.nmOff = append(c.nmOff, nil)
	}
	c.nmOff[l] = append(c.nmOff[l], uint16(i))
	if int64(i+1) >= chunkSize {
		c.nmLoc = nil
	}
}

// matchProps reports whether props pass every filter.
func matchProps(props decodedProps, fs []datasource.Filter) bool {
	for _, f := range fs {
		v, ok := props[f.Key]
		if !f.Match(v, ok) {
			return false
		}
	}
	return true
}

// evalFilters is one family's filters evaluated once per person (expanded
// to distinct ids), once per attribute tuple (filters on the Mapping's
// version, platform and deployment properties) and once per propset (other
// event properties); nil means "no filter of that kind".
type evalFilters struct {
	didOK, tupOK, psOK []bool
}

// pass reports whether event i of c passes the filters.
func (f *evalFilters) pass(c *chunk, i int) bool {
	return (f.didOK == nil || f.didOK[c.did[i]]) && (f.tupOK == nil || f.tupOK[c.tup[i]]) &&
		(f.psOK == nil || f.psOK[c.ps[i]])
}

// none reports whether no filter applies.
func (f *evalFilters) none() bool { return f.didOK == nil && f.tupOK == nil && f.psOK == nil }

// splitTuple separates the event filters an attribute tuple answers (their
// key is one of the Mapping's three properties) from the rest, which need
// the property index.
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
	return x.evalFam(p.filters(k))
}

// evalFam evaluates one list of filters split by scope; x.mu must be held.
func (x *Index) evalFam(ff *FamFilters) evalFilters {
	var f evalFilters
	if len(ff.personFs) > 0 {
		f.didOK = x.personCache.didOK(x, ff.personKey, ff.personFs)
	}
	tup, rest := x.splitTuple(ff.eventFs)
	if len(tup) > 0 {
		f.tupOK = x.tupleOK(tup)
	}
	if len(rest) > 0 {
		f.psOK = x.psCache.get(datasource.FilterStrings(rest), rest, x.props)
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

// needsProps reports whether some family of p filters on event properties
// that only the property index holds.
func (x *Index) needsProps(p *Plan) bool {
	for k := range p.fam {
		if _, rest := x.splitTuple(p.fam[k].eventFs); len(rest) > 0 {
			return true
		}
	}
	return false
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
	eval := func(pid int) bool { return x.persons[pid].dids > 0 && matchProps(x.persons[pid].props, fs) }
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

// psFilterCache keeps event-filter results per propset between queries:
// propsets never change, so a result only needs extending as new ones
// arrive. The TUI re-asks the same filters every poll.
type psFilterCache struct {
	mu sync.Mutex
	m  map[string][]bool
}

func (c *psFilterCache) get(keys []string, fs []datasource.Filter, p *propIndex) []bool {
	key := strings.Join(keys, "\x00")
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := c.m[key]
	for i := len(ok); i < p.count(); i++ {
		ok = append(ok, p.match(uint32(i), fs))
	}
	if len(c.m) >= 64 {
		clear(c.m)
	}
	c.m[key] = ok
	return ok
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
