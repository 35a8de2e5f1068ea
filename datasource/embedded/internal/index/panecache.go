package index

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ttmon/ttmon/datasource"
)

// The monitor asks the same panes every few seconds, and in a 30-day range
// only the last bucket takes new events. So a pane's bucket, once
// counted, is kept (its cell: the measure and every group, with their key
// sets) and reused while it is still what a count would give:
//
//   - no event was added in its span since (touchLog: every catch-up and
//     loaded chunk notes the minutes it added events in);
//   - the person inputs it read are the same: which distinct ids pass the
//     pane's person filters, the person of each distinct id (installation
//     keys, person breakdowns) and the person breakdowns' values, for the
//     distinct ids and persons that existed then (later ones only reach
//     it through added events or a changed mapping, both caught);
//   - the pane reads the same: its signature holds its names, measure,
//     breakdown, columns, filters, step, zone, and the generation of the
//     breakdowns' value ids.
//
// New-installations panes are not kept here (an earlier event elsewhere
// moves an installation out of a bucket); firsts.go keeps theirs.

// paneCache holds the kept cells: signature -> bucket start (ms) -> cell.
type paneCache struct {
	mu   sync.Mutex
	m    map[string]map[int64]*keptCell
	n    int
	hits int64 // cells reused, for tests
}

// keptCell is a counted bucket and what it was counted from.
type keptCell struct {
	c             cell
	seq           uint64 // the touch log's batch when counted
	plog          uint64 // the person change log's position then
	dids, persons int    // how many existed then
	hash          uint64 // of the person inputs, over those
}

// maxKeptCells bounds the cells kept; past it, all are dropped.
const maxKeptCells = 1 << 14

// signature says what the pane's cells depend on besides their span.
func (r *paneRun) signature(p *Plan, i int) string {
	spec := r.pq.Spec
	var b strings.Builder
	names := slices.Clone(r.x.m.EventNames(spec))
	slices.Sort(names)
	cols := slices.Clone(spec.Columns)
	slices.Sort(cols)
	for _, part := range [][]string{names, {string(r.meas)}, spec.Breakdown, cols,
		datasource.FilterStrings(p.paneF[i].Apply), datasource.FilterStrings(p.hbF)} {
		b.WriteString(strings.Join(part, "\x00"))
		b.WriteByte(1)
	}
	b.WriteString(strconv.FormatInt(r.step, 10) + "\x01" + p.q.TZ)
	for _, c := range r.comps {
		b.WriteString("\x01" + strconv.FormatUint(c.gen, 10))
	}
	return b.String()
}

// cacheable reports whether the pane's cells may be kept.
func (r *paneRun) cacheable() bool {
	return r.step > 0 && r.meas != datasource.MeasureNewInstallations
}

// personHash hashes the person inputs the pane reads, over the first
// dids distinct ids and persons persons.
func (r *paneRun) personHash(dids, persons int) uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint32) { h = (h ^ uint64(v)) * 1099511628211 }
	for _, ok := range [][]bool{r.f.didOK, r.denF.didOK} {
		for _, v := range ok[:min(dids, len(ok))] {
			if v {
				mix(1)
			} else {
				mix(0)
			}
		}
		mix(2)
	}
	personal := r.needKeys
	for _, c := range r.comps {
		if c.kind == compPerson {
			personal = true
			for _, v := range c.person[:min(persons, len(c.person))] {
				mix(v)
			}
		}
	}
	if personal || r.f.didOK != nil {
		for _, v := range r.x.didPerson[:min(dids, len(r.x.didPerson))] {
			mix(v)
		}
	}
	return h
}

// load puts the pane's kept cells that are still valid in place and
// sets want to the cells left to count; x.mu must be held for reading.
func (pc *paneCache) load(r *paneRun, sig string) {
	if !r.cacheable() {
		return
	}
	x := r.x
	plog := x.logBase + uint64(len(x.personLog))
	pc.mu.Lock()
	defer pc.mu.Unlock()
	kept := pc.m[sig]
	r.want = make([]bool, len(r.cells))
	hashes := map[[2]int]uint64{}
	for b := range r.want {
		start := r.from + int64(b)*r.step
		k := kept[start]
		if b == r.buckets || k == nil || !x.touched.clean(k.seq, start, start+r.step) {
			r.want[b] = true
			continue
		}
		if k.plog != plog || k.dids != len(x.dids) || k.persons != len(x.persons) {
			at := [2]int{k.dids, k.persons}
			h, ok := hashes[at]
			if !ok {
				h = r.personHash(k.dids, k.persons)
				hashes[at] = h
			}
			if h != k.hash {
				r.want[b] = true
				continue
			}
		}
		r.cells[b] = k.c
		pc.hits++
	}
	r.skip = r.covered && !slices.Contains(r.want[:r.buckets], true)
}

// store keeps the cells the pane counted; x.mu must be held for reading.
func (pc *paneCache) store(r *paneRun, sig string) {
	if !r.cacheable() {
		return
	}
	x := r.x
	k := keptCell{seq: x.touched.seq, plog: x.logBase + uint64(len(x.personLog)), dids: len(x.dids),
		persons: len(x.persons)}
	k.hash = r.personHash(k.dids, k.persons)
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.m == nil || pc.n >= maxKeptCells {
		pc.m, pc.n = map[string]map[int64]*keptCell{}, 0
	}
	kept := pc.m[sig]
	if kept == nil {
		kept = map[int64]*keptCell{}
		pc.m[sig] = kept
	}
	for b := range r.buckets {
		if r.want[b] {
			kc := k
			kc.c = r.cells[b]
			if kept[r.from+int64(b)*r.step] == nil {
				pc.n++
			}
			kept[r.from+int64(b)*r.step] = &kc
		}
	}
}

// DropPaneCache forgets every kept cell, so the next query counts every
// bucket (benchmarks of the first query).
func (x *Index) DropPaneCache() {
	x.paneCache.mu.Lock()
	defer x.paneCache.mu.Unlock()
	x.paneCache.m, x.paneCache.n = nil, 0
}

// PaneCacheHits is how many kept cells queries have reused.
func (x *Index) PaneCacheHits() int64 {
	x.paneCache.mu.Lock()
	defer x.paneCache.mu.Unlock()
	return x.paneCache.hits
}

// Touch notes that an event was added at ms without adding one, as a
// catch-up would (benchmarks of a refresh while events arrive).
func (x *Index) Touch(ms int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.touched.begin()
	x.touched.span(ms, ms)
}
