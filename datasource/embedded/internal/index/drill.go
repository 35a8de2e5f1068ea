package index

import (
	"cmp"
	"container/heap"
	"context"
	"slices"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// family is the offset list of kind's events in c; ok is false for
// KindAny, which has none.
func (c *chunk) family(k datasource.EventKind) (list []uint16, ok bool) {
	switch k {
	case datasource.KindHeartbeat:
		return c.hb, true
	case datasource.KindError:
		return c.er, true
	case datasource.KindTimer:
		return c.tm, true
	}
	return nil, false
}

// scan calls fn for every event in [p.from, p.to) of the family that passes
// the family's filters and, when hour >= 0, falls in that local hour. The drill
// views use it; Snapshot has its own tighter loop.
func (x *Index) scan(ctx context.Context, p *Plan, kind datasource.EventKind, hour int,
	fn func(c *chunk, ci, i int, ms int64)) error {
	f := x.filters(p, kind)
	var ht *hourTable
	if hour >= 0 {
		ht = newHourTable(p.loc, p.from, p.to)
	}
	visit := func(c *chunk, ci, i int) {
		ms := c.ms(i)
		if ms < p.from || ms >= p.to || !f.pass(c, i) || (ht != nil && ht.hour(ms) != hour) {
			return
		}
		fn(c, ci, i, ms)
	}
	for ci, c := range x.chunks {
		if c == nil || c.maxMs < p.from || c.minMs >= p.to {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if list, ok := c.family(kind); ok {
			for _, o := range list {
				visit(c, ci, int(o))
			}
			continue
		}
		for i := range c.len() {
			visit(c, ci, i)
		}
	}
	return nil
}

// eventKey returns how to read event property key: nil when the
// attribute tuples hold it (tupleSlot), else its pairs for p's range.
func (x *Index) eventKey(ctx context.Context, p *Plan, key string) (*keyCols, error) {
	if x.tupleSlot(key) >= 0 {
		return nil, nil
	}
	return x.keyColumns(ctx, key, p.from, p.to)
}

// tupleValue is slot's value in interned tuple t; ok is false when the
// property is missing or null.
func (x *Index) tupleValue(t uint32, slot int) (string, bool) {
	e := x.tups[t]
	id := [3]uint32{e.ver, e.plat, e.dep}[slot]
	return x.vals[id], id != 0
}

func (x *Index) values(ctx context.Context, p *Plan, scope datasource.Scope, key string) ([]datasource.ValueCount, error) {
	var k keep
	if scope != datasource.ScopeEvent {
		k = keepDIDs
	}
	if err := x.prepare(ctx, p, p.from, k, scope, key); err != nil {
		return nil, err
	}
	if scope == datasource.ScopeEvent {
		return x.eventValues(ctx, p, key)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := map[string]int64{}
	seen := make([]bool, len(x.persons))
	err := x.scan(ctx, p, datasource.KindAny, -1, func(c *chunk, _, i int, _ int64) {
		seen[x.didPerson[c.did[i]]] = true
	})
	if err != nil {
		return nil, err
	}
	var r propsReader
	for pid, ok := range seen {
		if !ok {
			continue
		}
		if v, set := r.get(x.persons[pid].props, key); set {
			m[v]++
		}
	}
	return CountsOf(m), nil
}

func (x *Index) eventIDs(ctx context.Context, p *Plan, q datasource.EventsQuery) ([]int64, error) {
	byName := q.Names != nil || q.Category != "" || q.Hours != nil
	var k keep
	if byName {
		k = keepNames // scanNamed reads the offsets by name
	}
	if err := x.prepare(ctx, p, p.from, k, datasource.ScopeAuto, ""); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	limit := q.Limit
	h := &evHeap{}
	push := func(c *chunk, _, i int, ms int64) {
		r := evRef{ms: ms, id: c.id(i)}
		if h.Len() < limit {
			heap.Push(h, r)
		} else if (*h)[0].ms < r.ms || ((*h)[0].ms == r.ms && (*h)[0].id < r.id) {
			(*h)[0] = r
			heap.Fix(h, 0)
		}
	}
	var err error
	if !byName {
		err = x.scan(ctx, p, q.Kind, -1, push)
	} else {
		err = x.scanNamed(ctx, p, q, push)
	}
	if err != nil {
		return nil, err
	}
	refs := []evRef(*h)
	slices.SortFunc(refs, func(a, b evRef) int {
		if c := cmp.Compare(b.ms, a.ms); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.id
	}
	return ids, nil
}

// latestHB is a person's latest heartbeat seen so far. pos orders events
// like their ids (chunk index, then offset), which breaks timestamp ties.
type latestHB struct {
	ms  int64
	pos uint64 // chunk<<32 | offset
	did uint32
	tup uint32
	n   int64 // heartbeats counted
}

// better reports whether an event at (ms, pos) is later than l.
func (l *latestHB) better(ms int64, pos uint64) bool {
	return ms > l.ms || (ms == l.ms && pos > l.pos)
}

// latestPerPerson finds each person's latest heartbeat in range (in hour
// when hour >= 0), with the person's heartbeat count.
func (x *Index) latestPerPerson(ctx context.Context, p *Plan, hour int) (map[uint32]*latestHB, error) {
	all := make([]latestHB, len(x.persons)) // n == 0: no heartbeat yet
	f := x.filters(p, datasource.KindHeartbeat)
	var ht *hourTable
	if hour >= 0 {
		ht = newHourTable(p.loc, p.from, p.to)
	}
	for ci, c := range x.chunks {
		if c == nil || c.maxMs < p.from || c.minMs >= p.to {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for j, o := range c.hb { // hbDID: c.did may not be decoded
			i := int(o)
			ms := c.ms(i)
			if ms < p.from || ms >= p.to || !f.pass(c, i) || (ht != nil && ht.hour(ms) != hour) {
				continue
			}
			did := c.hbDID(j, i)
			l := &all[x.didPerson[did]]
			pos := uint64(ci)<<32 | uint64(i)
			if l.n == 0 || l.better(ms, pos) {
				l.ms, l.pos, l.did, l.tup = ms, pos, did, c.tupOf(i)
			}
			l.n++
		}
	}
	out := map[uint32]*latestHB{}
	for pid := range all {
		if all[pid].n > 0 {
			out[uint32(pid)] = &all[pid]
		}
	}
	return out, nil
}

func (x *Index) installations(ctx context.Context, p *Plan) ([]datasource.Installation, error) {
	if err := x.prepare(ctx, p, p.from, 0, datasource.ScopeAuto, ""); err != nil {
		return nil, err
	}
	if err := x.needDIDStrs(ctx); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	latest, err := x.latestPerPerson(ctx, p, -1)
	if err != nil {
		return nil, err
	}
	out := make([]datasource.Installation, 0, len(latest))
	for _, l := range latest {
		t := x.tups[l.tup]
		out = append(out, datasource.Installation{
			ID: x.dids[l.did].str, Version: x.vals[t.ver], Platform: x.vals[t.plat],
			Deployment: x.vals[t.dep], LastSeen: time.UnixMilli(l.ms).UTC(), Heartbeats: l.n,
		})
	}
	return out, nil
}

func (x *Index) breakdown(ctx context.Context, p *Plan, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	// Heartbeats are grouped by each person's latest (hbDid); other
	// families by person read every event's distinct id.
	var k keep
	if q.Kind != datasource.KindHeartbeat && q.Scope != datasource.ScopeEvent {
		k = keepDIDs
	}
	if err := x.prepare(ctx, p, p.from, k, q.Scope, q.Key); err != nil {
		return nil, err
	}
	var kc *keyCols
	if q.Scope == datasource.ScopeEvent {
		var err error
		if kc, err = x.eventKey(ctx, p, q.Key); err != nil {
			return nil, err
		}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := map[string]int64{}
	slot := x.tupleSlot(q.Key)
	var r propsReader
	// value is the group of event i of c, whose tuple is tup and person pid.
	value := func(c *chunk, i int, tup, pid uint32) string {
		switch {
		case q.Scope != datasource.ScopeEvent:
			return OrUnknown(r.get(x.persons[pid].props, q.Key))
		case slot >= 0:
			return OrUnknown(x.tupleValue(tup, slot))
		}
		return OrUnknown(kc.value(c, i))
	}
	if q.Kind == datasource.KindHeartbeat {
		latest, err := x.latestPerPerson(ctx, p, q.Hour)
		if err != nil {
			return nil, err
		}
		pids := make([]uint32, 0, len(latest))
		for pid := range latest {
			pids = append(pids, pid)
		}
		// In chunk order, so each chunk's pairs are decoded once.
		slices.SortFunc(pids, func(a, b uint32) int { return cmp.Compare(latest[a].pos, latest[b].pos) })
		for _, pid := range pids {
			l := latest[pid]
			m[value(x.chunks[l.pos>>32], int(l.pos&(1<<32-1)), l.tup, pid)]++
		}
		return CountsOf(m), kcErr(kc)
	}
	err := x.scan(ctx, p, q.Kind, q.Hour, func(c *chunk, _, i int, _ int64) {
		pid := uint32(0)
		if k&keepDIDs != 0 {
			pid = x.didPerson[c.did[i]]
		}
		m[value(c, i, c.tupOf(i), pid)]++
	})
	if err == nil {
		err = kcErr(kc)
	}
	return CountsOf(m), err
}

func kcErr(kc *keyCols) error {
	if kc == nil {
		return nil
	}
	return kc.err
}

// eventValues counts the events in p's range that pass p's filters per
// value of event property key (missing values are not listed).
func (x *Index) eventValues(ctx context.Context, p *Plan, key string) ([]datasource.ValueCount, error) {
	kc, err := x.eventKey(ctx, p, key)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	slot := x.tupleSlot(key)
	m := map[string]int64{}
	err = x.scan(ctx, p, datasource.KindAny, -1, func(c *chunk, _, i int, _ int64) {
		var v string
		var ok bool
		if slot >= 0 {
			v, ok = x.tupleValue(c.tupOf(i), slot)
		} else {
			v, ok = kc.value(c, i)
		}
		if ok {
			m[v]++
		}
	})
	if err == nil {
		err = kcErr(kc)
	}
	return CountsOf(m), err
}

func (x *Index) properties(ctx context.Context) ([]datasource.Property, error) {
	if err := x.needPersons(ctx); err != nil {
		return nil, err
	}
	x.mu.RLock()
	pk := x.personKeys
	x.mu.RUnlock()
	if pk == nil {
		x.mu.Lock()
		if x.personKeys == nil {
			x.personKeys = map[string]bool{}
			var r propsReader
			for _, pe := range x.persons {
				if pe.dids > 0 {
					r.keys(pe.props, func(k string) { x.personKeys[k] = true })
				}
			}
		}
		pk = x.personKeys
		x.mu.Unlock()
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := []datasource.Property{}
	for k := range pk {
		out = append(out, datasource.Property{Key: k, Scope: datasource.ScopePerson})
	}
	for k := range x.eventKeys {
		out = append(out, datasource.Property{Key: k, Scope: datasource.ScopeEvent})
	}
	out = slices.DeleteFunc(out, func(p datasource.Property) bool {
		return p.Key == "$set" || p.Key == "$set_once" || p.Key == "$unset"
	})
	slices.SortFunc(out, func(a, b datasource.Property) int {
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.Scope, b.Scope)
	})
	return out, nil
}
