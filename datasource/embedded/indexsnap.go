package embedded

import (
	"context"
	"math/bits"

	"github.com/ttmon/ttmon/datasource"
)

// latestHB is a person's latest heartbeat seen so far. pos orders events
// like their ids (chunk index, then offset), which breaks timestamp ties.
type latestHB struct {
	ms      int64
	pos     uint64
	ps, did uint32
	tup     uint32
	n       int64 // heartbeats counted
}

// better reports whether an event at (ms, pos) is later than l.
func (l *latestHB) better(ms int64, pos uint64) bool {
	return ms > l.ms || (ms == l.ms && pos > l.pos)
}

// snapScan is the state of one Snapshot pass over the chunks.
type snapScan struct {
	x      *index
	p      *plan
	f      evalFilters
	ht     *hourTable
	mark   []uint8 // per person: 1 active in range, 2 active in previous
	seen   []uint32
	latest []latestHB
	bits   []uint64 // per bucket, a bitset over persons
	words  int
	prev   int64
	snap   *datasource.Snapshot
	errVal []int64 // errors per x.vals id
}

func (x *index) snapshot(ctx context.Context, p *plan) (*datasource.Snapshot, error) {
	if err := x.needProps(ctx, p); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := p.q.Range
	s := &snapScan{x: x, p: p, f: x.filters(p), ht: newHourTable(p.loc, p.from, p.to),
		snap: &datasource.Snapshot{}}
	s.snap.Installs.Series = r.EmptySeries()
	s.snap.Errors.Series = r.EmptySeries()
	s.snap.Timers.Series = r.EmptySeries()
	s.mark = make([]uint8, len(x.persons))
	s.latest = make([]latestHB, len(x.persons))
	s.words = (len(x.persons) + 63) / 64
	s.bits = make([]uint64, s.words*p.buckets)
	s.errVal = make([]int64, len(x.vals))
	for ci, c := range x.chunks {
		if c.maxMs < p.prevFrom || c.minMs >= p.to {
			continue
		}
		if ci%16 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.scanChunk(ci, c)
	}
	return s.finish(), nil
}

func (s *snapScan) scanChunk(ci int, c *chunk) {
	x, p, snap := s.x, s.p, s.snap
	didOK, psOK := s.f.didOK, s.f.psOK
	for i := range c.sec {
		ms := int64(c.sec[i])*1000 + int64(c.msk[i]&msMask)
		if ms < p.prevFrom || ms >= p.to {
			continue
		}
		did, ps := c.did[i], c.ps[i]
		if (didOK != nil && !didOK[did]) || (psOK != nil && !psOK[ps]) {
			continue
		}
		k := c.msk[i]
		if ms < p.from {
			if k&kHB != 0 {
				pid := x.didPerson[did]
				if s.mark[pid]&2 == 0 {
					s.mark[pid] |= 2
					s.prev++
				}
			}
			continue
		}
		snap.Totals.Events++
		if k&(kHB|kER|kTM) == 0 {
			continue
		}
		b := p.bucket(ms)
		if k&kHB != 0 {
			s.heartbeat(x.didPerson[did], did, ps, c.tup[i], ms, uint64(ci)<<32|uint64(i), b)
		}
		if k&kER != 0 {
			snap.Errors.Total++
			if b >= 0 {
				snap.Errors.Series[b].V++
			}
			s.errVal[x.tups[c.tup[i]].ver]++
		}
		if k&kTM != 0 {
			snap.Timers.Total++
			if b >= 0 {
				snap.Timers.Series[b].V++
			}
			snap.Timers.ByHour[s.ht.hour(ms)]++
		}
	}
}

func (s *snapScan) heartbeat(pid, did, ps, tup uint32, ms int64, pos uint64, b int) {
	l := &s.latest[pid]
	if s.mark[pid]&1 == 0 {
		s.mark[pid] |= 1
		s.seen = append(s.seen, pid)
		*l = latestHB{ms: ms, pos: pos, ps: ps, did: did, tup: tup}
	} else if l.better(ms, pos) {
		l.ms, l.pos, l.ps, l.did, l.tup = ms, pos, ps, did, tup
	}
	l.n++
	if b >= 0 {
		s.bits[b*s.words+int(pid>>6)] |= 1 << (pid & 63)
	}
}

func (s *snapScan) finish() *datasource.Snapshot {
	x, snap := s.x, s.snap
	snap.Installs.Active = int64(len(s.seen))
	snap.Installs.Previous = s.prev
	for b := range snap.Installs.Series {
		n := 0
		for _, w := range s.bits[b*s.words : (b+1)*s.words] {
			n += bits.OnesCount64(w)
		}
		snap.Installs.Series[b].V = float64(n)
	}
	versions := map[string]int64{}
	for _, pid := range s.seen {
		versions[x.vals[x.tups[s.latest[pid].tup].ver]]++
	}
	errVersions := map[string]int64{}
	for id, n := range s.errVal {
		if n > 0 {
			errVersions[x.vals[id]] += n
		}
	}
	finish(snap, versions, errVersions)
	return snap
}
