package index

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/ttmon/ttmon/datasource"
)

// lastHB is latestHB cut to what a Snapshot needs (16 bytes, so 25,000
// persons' entries stay in a core's cache). pos is chunk<<16 | offset,
// which orders the first 65,536 chunks (a billion events).
type lastHB struct {
	ms  int64
	pos uint32
	tup uint32
}

func (l *lastHB) before(ms int64, pos uint32) bool {
	return ms > l.ms || (ms == l.ms && pos > l.pos)
}

// snapPart is what one worker finds in its share of the chunks; parts are
// merged into the Snapshot.
type snapPart struct {
	events, errs, timers int64
	mark                 []uint8 // per person: 1 active in range, 2 active in previous
	latest               []lastHB
	bits                 []uint64 // per bucket, a bitset over persons
	errSeries, tmSeries  []int64
	byHour               [24]int64
	errVal               []int64 // errors per x.vals id
}

// parallelMin is the number of events below which one goroutine scans
// alone: splitting costs a few hundred microseconds of setup and merging.
// A variable so the randomized test can take the parallel path.
var parallelMin = 1 << 18

// scanWorkers is how many goroutines scan total events: two on a
// machine with two cores or more once there are parallelMin, else one.
func scanWorkers(total int) int {
	if total >= parallelMin {
		return min(runtime.GOMAXPROCS(0), 2)
	}
	return 1
}

// onWorkers runs fn(0) .. fn(workers-1), each on its own goroutine, and
// returns their errors joined.
func onWorkers(workers int, fn func(w int) error) error {
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = fn(w)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// builtin computes the four built-in figures; x.mu must be held for
// reading, and p prepared from p.prevFrom.
func (x *Index) builtin(ctx context.Context, p *Plan) (*datasource.Snapshot, error) {
	f := x.snapFilters(p)
	var todo []int
	total := 0
	for ci, c := range x.chunks {
		if c != nil && c.maxMs >= p.prevFrom && c.minMs < p.to {
			todo = append(todo, ci)
			total += c.len()
		}
	}
	workers := scanWorkers(total)
	parts := make([]*snapPart, workers)
	err := onWorkers(workers, func(w int) error {
		var err error
		parts[w], err = x.scanPart(ctx, p, f, todo, w, workers)
		return err
	})
	if err != nil {
		return nil, err
	}
	return x.merge(p, parts), nil
}

// scanPart scans every workers-th chunk of todo, starting at w: chunks are
// time-ordered, so interleaving shares recent and old data fairly.
func (x *Index) scanPart(ctx context.Context, p *Plan, f snapFilters, todo []int, w, workers int) (*snapPart, error) {
	words := (len(x.persons) + 63) / 64
	part := &snapPart{mark: make([]uint8, len(x.persons)), latest: make([]lastHB, len(x.persons)),
		bits: make([]uint64, words*p.buckets), errSeries: make([]int64, p.buckets),
		tmSeries: make([]int64, p.buckets), errVal: make([]int64, len(x.vals))}
	s := scanState{x: x, p: p, f: f, part: part, words: words, ht: newHourTable(p.loc, p.from, p.to)}
	for j := w; j < len(todo); j += workers {
		if j%16 == w && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ci := todo[j]
		s.scanChunk(ci, x.chunks[ci])
	}
	return part, nil
}

// scanState is one worker's scan: its part and the caches that spare the
// loop a division per event (events of a chunk mostly come in time order,
// so the current bucket and hour slot usually still hold).
type scanState struct {
	x        *Index
	p        *Plan
	f        snapFilters
	part     *snapPart
	words    int
	ht       *hourTable
	bLo, bHi int64 // [bLo, bHi) is bucket b
	b        int
	hLo, hHi int64 // [hLo, hHi) has local hour h
	h        int
	// hbBuf and hbJ are passingHB's buffers.
	hbBuf, hbJ []uint16
}

func (s *scanState) bucket(ms int64) int {
	if ms >= s.bLo && ms < s.bHi {
		return s.b
	}
	p := s.p
	s.b = p.bucket(ms)
	if s.b < 0 {
		s.bLo, s.bHi = 0, 0
	} else {
		s.bLo = p.from + int64(s.b)*p.step
		s.bHi = s.bLo + p.step
	}
	return s.b
}

func (s *scanState) hour(ms int64) int {
	if ms >= s.hLo && ms < s.hHi {
		return s.h
	}
	s.h, s.hLo, s.hHi = s.ht.hourSpan(ms)
	return s.h
}

// scanChunk adds chunk ci. Without filters, a chunk inside the range is
// read family by family from its offset lists; with filters, every event
// is tested anyway, so one pass tests each once. Chunks across an edge of
// the range test each event's time too. When the families read the
// filters differently, each family is read from its own offset list under
// its own filters (split).
func (s *scanState) scanChunk(ci int, c *chunk) {
	p := s.p
	inside := c.minMs >= p.from && c.maxMs < p.to
	unfiltered := s.f.uniform && s.f.any.none()
	switch {
	case c.minMs >= p.prevFrom && c.maxMs < p.from:
		if p.kinds&kHB != 0 {
			s.inPrevious(c)
		}
	case !s.f.uniform:
		s.split(ci, c, inside)
	case inside && unfiltered:
		s.inRange(ci, c)
	case inside:
		s.inRangeFiltered(ci, c)
	case unfiltered:
		s.acrossEdgeLists(ci, c)
	default:
		s.acrossEdge(ci, c)
	}
}

// lists are c's offset lists of the families the built-in figures read
// (Plan.kinds); nil for the others.
func (s *scanState) lists(c *chunk) (hb, er, tm []uint16) {
	k := s.p.kinds
	if k&kHB != 0 {
		hb = c.hb
	}
	if k&kER != 0 {
		er = c.er
	}
	if k&kTM != 0 {
		tm = c.tm
	}
	return hb, er, tm
}

// pass reports whether event i of c passes the filters (uniform only).
func (s *scanState) pass(c *chunk, i int) bool { return s.f.any.pass(c, i) }

// inRange adds an unfiltered chunk that lies inside the range.
func (s *scanState) inRange(ci int, c *chunk) {
	part, didPerson := s.part, s.x.didPerson
	part.events += int64(c.len())
	hb, er, tm := s.lists(c)
	for j, o := range hb {
		i := int(o)
		ms := c.ms(i)
		s.heartbeat(didPerson[c.hbDID(j, i)], c.tupOf(i), ms, uint32(ci)<<16|uint32(i), s.bucket(ms))
	}
	for _, o := range er {
		i := int(o)
		s.errorEvent(c, i, c.ms(i))
	}
	for _, o := range tm {
		s.timer(c.ms(int(o)))
	}
}

// inRangeFiltered adds a chunk inside the range under filters: the filter
// test comes first, and most events stop there.
func (s *scanState) inRangeFiltered(ci int, c *chunk) {
	f := s.f.any
	part, tupOK, didPerson := s.part, f.tupOK, s.x.didPerson
	var evOK []uint64
	if f.evOK != nil {
		evOK = []uint64{} // a chunk without bitsets: none passes
		if c.num() < int64(len(f.evOK)) && f.evOK[c.num()] != nil {
			evOK = f.evOK[c.num()]
		}
	}
	h := 0 // c.hb[h] is the next heartbeat
	kinds := s.p.kinds
	for i, k := range c.msk {
		h += int(k >> 10 & 1)
		k &= kinds | msMask
		hb := k&kHB != 0
		if !f.personOK(c, i) || (tupOK != nil && !tupOK[c.tupOf(i)]) || (evOK != nil && (i>>6 >= len(evOK) || !bitOn(evOK, i))) {
			continue
		}
		part.events++
		if k&(kHB|kER|kTM) == 0 {
			continue
		}
		ms := c.ms(i)
		if hb {
			s.heartbeat(didPerson[c.hbDID(h-1, i)], c.tupOf(i), ms, uint32(ci)<<16|uint32(i), s.bucket(ms))
		}
		if k&kER != 0 {
			s.errorEvent(c, i, ms)
		}
		if k&kTM != 0 {
			s.timer(ms)
		}
	}
}

// inPrevious marks the persons with a heartbeat in a chunk that lies in
// the previous period.
func (s *scanState) inPrevious(c *chunk) {
	for j, o := range c.hb {
		if i := int(o); s.f.hb.pass(c, i) {
			s.part.mark[s.x.didPerson[c.hbDID(j, i)]] |= 2
		}
	}
}

// acrossEdge adds a chunk that crosses an edge of the range (or of the
// previous range) event by event.
func (s *scanState) acrossEdge(ci int, c *chunk) {
	p, part := s.p, s.part
	h := 0 // as in inRangeFiltered
	for i, k := range c.msk {
		h += int(k >> 10 & 1)
		k &= p.kinds | msMask
		ms := c.ms(i)
		if ms < p.prevFrom || ms >= p.to || !s.pass(c, i) {
			continue
		}
		if ms < p.from {
			if k&kHB != 0 {
				part.mark[s.x.didPerson[c.hbDID(h-1, i)]] |= 2
			}
			continue
		}
		part.events++
		if k&kHB != 0 {
			s.heartbeat(s.x.didPerson[c.hbDID(h-1, i)], c.tupOf(i), ms, uint32(ci)<<16|uint32(i), s.bucket(ms))
		}
		if k&kER != 0 {
			s.errorEvent(c, i, ms)
		}
		if k&kTM != 0 {
			s.timer(ms)
		}
	}
}

// acrossEdgeLists is acrossEdge without filters: events are counted by
// time alone, and only the families' offsets are visited.
func (s *scanState) acrossEdgeLists(ci int, c *chunk) {
	p, part, didPerson := s.p, s.part, s.x.didPerson
	for i := range c.len() {
		if ms := c.ms(i); ms >= p.from && ms < p.to {
			part.events++
		}
	}
	hb, er, tm := s.lists(c)
	for j, o := range hb {
		i := int(o)
		switch ms := c.ms(i); {
		case ms >= p.from && ms < p.to:
			s.heartbeat(didPerson[c.hbDID(j, i)], c.tupOf(i), ms, uint32(ci)<<16|uint32(i), s.bucket(ms))
		case ms >= p.prevFrom && ms < p.from:
			part.mark[didPerson[c.hbDID(j, i)]] |= 2
		}
	}
	for _, o := range er {
		if i := int(o); c.ms(i) >= p.from && c.ms(i) < p.to {
			s.errorEvent(c, i, c.ms(i))
		}
	}
	for _, o := range tm {
		if ms := c.ms(int(o)); ms >= p.from && ms < p.to {
			s.timer(ms)
		}
	}
}

func (s *scanState) heartbeat(pid, tup uint32, ms int64, pos uint32, b int) {
	part := s.part
	l := &part.latest[pid]
	if part.mark[pid]&1 == 0 {
		part.mark[pid] |= 1
		*l = lastHB{ms: ms, pos: pos, tup: tup}
	} else if l.before(ms, pos) {
		*l = lastHB{ms: ms, pos: pos, tup: tup}
	}
	if b >= 0 {
		part.bits[b*s.words+int(pid>>6)] |= 1 << (pid & 63)
	}
}

func (s *scanState) errorEvent(c *chunk, i int, ms int64) {
	part := s.part
	part.errs++
	if b := s.bucket(ms); b >= 0 {
		part.errSeries[b]++
	}
	part.errVal[s.x.tups[c.tupOf(i)].ver]++
}

func (s *scanState) timer(ms int64) {
	part := s.part
	part.timers++
	if b := s.bucket(ms); b >= 0 {
		part.tmSeries[b]++
	}
	part.byHour[s.hour(ms)]++
}
