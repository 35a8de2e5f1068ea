package index

import (
	"context"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// kindMask turns a family into the msk flags it needs (0: any event).
func kindMask(k datasource.EventKind) uint16 {
	switch k {
	case datasource.KindHeartbeat:
		return kHB
	case datasource.KindError:
		return kER
	case datasource.KindTimer:
		return kTM
	}
	return 0
}

// scanNamed is scan for a drill into one group of a pane: the events of
// q.Kind in p's range that pass the family's filters and also have one of
// q.Names, the name category q.Category and a local hour in q.Hours. It
// visits only the chunks' lists of the wanted names, so a rare group costs
// its own events, not the family's.
func (x *Index) scanNamed(ctx context.Context, p *Plan, q datasource.EventsQuery,
	fn func(c *chunk, ci, i int, ms int64)) error {
	byName := datasource.EventsQuery{Names: q.Names, Category: q.Category} // hours are checked per event
	want := make([]bool, len(x.names))
	for id, n := range x.names {
		want[id] = byName.Keeps(n, 0)
	}
	f := x.filters(p, q.Kind)
	mask := kindMask(q.Kind)
	var ht *hourTable
	if q.Hours != nil {
		ht = newHourTable(p.loc, p.from, p.to)
	}
	for ci, c := range x.chunks {
		if c == nil || c.maxMs < p.from || c.minMs >= p.to {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for l, nm := range c.nmTab {
			if int(nm) >= len(want) || !want[nm] {
				continue
			}
			for _, o := range c.nmOff[l] {
				i := int(o)
				ms := c.ms(i)
				if ms < p.from || ms >= p.to || (mask != 0 && c.msk[i]&mask == 0) || !f.pass(c, i) {
					continue
				}
				if ht != nil && !slices.Contains(q.Hours, ht.hour(ms)) {
					continue
				}
				fn(c, ci, i, ms)
			}
		}
	}
	return nil
}

// evRef orders events newest first: (ms, id) descending.
type evRef struct{ ms, id int64 }

type evHeap []evRef // a min-heap: the oldest kept event on top

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	return h[i].ms < h[j].ms || (h[i].ms == h[j].ms && h[i].id < h[j].id)
}
func (h evHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *evHeap) Push(v any)   { *h = append(*h, v.(evRef)) }
func (h *evHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}
