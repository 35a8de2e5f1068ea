package index

import (
	"math/bits"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// The split scan: when the event families read a cohort differently
// (datasource.Mapping.FiltersFor translates an installation property for
// errors and timers, or heartbeats skip a user property), one filter test
// per event no longer serves every figure.

// snapFilters are the filters of each family a Snapshot reads. They are
// uniform when every family applies the same ones (no filters, or none
// that FiltersFor reads differently): then one test per event serves all.
type snapFilters struct {
	any, hb, er, tm evalFilters
	uniform         bool
}

// snapFilters evaluates every family's filters of p; x.mu must be held.
func (x *Index) snapFilters(p *Plan) snapFilters {
	f := snapFilters{any: x.filters(p, datasource.KindAny), uniform: p.uniform()}
	if f.uniform {
		f.hb, f.er, f.tm = f.any, f.any, f.any
		return f
	}
	// Families that read the filters alike share one evaluation: errors
	// and timers usually do, and heartbeats with the filters as written.
	same := func(a, b datasource.EventKind) bool {
		fa, fb := p.filters(a), p.filters(b)
		return fa.personKey == fb.personKey && fa.filterKey == fb.filterKey
	}
	f.hb = f.any
	if !same(datasource.KindHeartbeat, datasource.KindAny) {
		f.hb = x.filters(p, datasource.KindHeartbeat)
	}
	f.er = x.filters(p, datasource.KindError)
	f.tm = f.er
	if !same(datasource.KindTimer, datasource.KindError) {
		f.tm = x.filters(p, datasource.KindTimer)
	}
	return f
}

// split adds a chunk when the families apply different filters: events
// are counted under the filters as written, and each family is read from
// its offset list under its own. inside says the chunk lies in range.
func (s *scanState) split(ci int, c *chunk, inside bool) {
	p, part, didPerson := s.p, s.part, s.x.didPerson
	in := func(ms int64) bool { return inside || (ms >= p.from && ms < p.to) }
	part.events += s.countAll(c, inside)
	hb, er, tm := s.f.hb, s.f.er, s.f.tm // copies: the loops test them without reloading s
	hbs, ers, tms := s.lists(c)
	var js []uint16 // hbs[k] is c.hb[js[k]]; nil: hbs is c.hb
	if hb.tupOK == nil && hb.evOK == nil && hb.didOK != nil && len(hbs) > 0 {
		hbs, js = s.passingHB(c, hb.didOK) // a cohort alone: tested without a branch per heartbeat
		hb = evalFilters{}
	}
	for k, o := range hbs {
		i, j := int(o), k
		if js != nil {
			j = int(js[k])
		}
		if !hb.pass(c, i) {
			continue
		}
		switch ms := c.ms(i); {
		case in(ms):
			s.heartbeat(didPerson[c.hbDID(j, i)], c.tupOf(i), ms, uint32(ci)<<16|uint32(i), s.bucket(ms))
		case ms >= p.prevFrom && ms < p.from:
			part.mark[didPerson[c.hbDID(j, i)]] |= 2
		}
	}
	for _, o := range ers {
		if i := int(o); er.pass(c, i) {
			if ms := c.ms(i); in(ms) {
				s.errorEvent(c, i, ms)
			}
		}
	}
	for _, o := range tms {
		if i := int(o); tm.pass(c, i) {
			if ms := c.ms(i); in(ms) {
				s.timer(ms)
			}
		}
	}
}

// passingHB lists the offsets of c's heartbeats whose distinct id ok
// passes, and their indexes in c.hb, written without a branch per
// heartbeat (which of them pass follows no pattern the CPU can predict)
// into buffers s keeps.
func (s *scanState) passingHB(c *chunk, ok []bool) (offs, js []uint16) {
	n := len(c.hb)
	s.hbBuf = slices.Grow(s.hbBuf[:0], n)[:n]
	s.hbJ = slices.Grow(s.hbJ[:0], n)[:n]
	offs, js = s.hbBuf, s.hbJ
	k := 0
	for j, o := range c.hb {
		offs[k], js[k] = o, uint16(j)
		if ok[c.hbDID(j, int(o))] {
			k++
		}
	}
	return offs[:k], js[:k]
}

// countAll counts the events of c in range that pass the filters as
// written; a person filter alone (a cohort) gets a loop of its own.
func (s *scanState) countAll(c *chunk, inside bool) int64 {
	p, all, n := s.p, &s.f.any, int64(0)
	if inside && all.tupOK == nil && all.evOK == nil && all.didOK != nil {
		if c.did == nil { // a lean process's classes (lean.go)
			for _, cl := range c.pcls {
				n += int64(cl & all.clsBit >> bits.TrailingZeros8(all.clsBit))
			}
			return n
		}
		ok := all.didOK
		for _, d := range c.did {
			if ok[d] {
				n++
			}
		}
		return n
	}
	for i := range c.len() {
		if all.pass(c, i) {
			if ms := c.ms(i); inside || (ms >= p.from && ms < p.to) {
				n++
			}
		}
	}
	return n
}
