package index

import (
	"context"
	"math"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// What the dashboard panes read of the store beyond the chunks' columns is
// prepared before the index is locked, as for the built-in figures
// (prepare): the saved chunks of the panes' ranges are decoded, persons'
// properties loaded when a pane filters or breaks down by them, the event
// filters the tuples cannot answer evaluated into p.evOK (from the
// postings of their keys), the user pairs of the panes' ranges derived
// from the install ids (userpairs.go), and a breakdown's event property
// read from the postings of the chunks in its range only. A
// new-installations pane reads all history, which defines it.

// panePrep is what preparePanes read for the panes of one query.
type panePrep struct {
	// cols holds each breakdown property's column over its panes' ranges.
	cols map[string]colView
	// lens holds each chunk's events when the preparation began: the
	// filters' bitsets and the install ids cover at least those.
	lens []int
}

// paneSpan is the time pane i reads: its range, or from the beginning for
// new installations.
func paneSpan(pq datasource.PaneQuery) (from, to int64) {
	from, to = pq.Range.From.UnixMilli(), pq.Range.To.UnixMilli()
	if pq.Spec.EffectiveMeasure() == datasource.MeasureNewInstallations {
		from = math.MinInt64
	}
	return from, to
}

// propKeys are the event properties pane i breaks down by that the tuples
// do not hold.
func (x *Index) propKeys(pq datasource.PaneQuery) []string {
	var keys []string
	for _, b := range pq.Spec.Refs() {
		if b.Special == "" && b.Scope == datasource.ScopeEvent && x.tupleSlot(b.Key) < 0 && !slices.Contains(keys, b.Key) {
			keys = append(keys, b.Key)
		}
	}
	return keys
}

// panesPersons reports whether some pane filters or breaks down by person
// properties.
func panesPersons(p *Plan) bool {
	for i, pq := range p.panes {
		fs := p.paneF[i].Apply
		if pq.Spec.EffectiveMeasure() == datasource.MeasurePerInstallation {
			fs = append(slices.Clone(fs), p.hbF...)
		}
		if len(newFamFilters(fs).personFs) > 0 {
			return true
		}
		for _, b := range pq.Spec.Refs() {
			if b.Special == "" && b.Scope == datasource.ScopePerson {
				return true
			}
		}
	}
	return false
}

// needsKeys reports whether pane pq reads installation or user keys.
func needsKeys(pq datasource.PaneQuery) bool {
	m := pq.Spec.EffectiveMeasure()
	return m != datasource.MeasureEvents || slices.Contains(pq.Spec.Columns, datasource.ColumnInstallations) ||
		slices.Contains(pq.Spec.Columns, datasource.ColumnUsers)
}

// preparePanes readies the index for p's panes (see above).
func (x *Index) preparePanes(ctx context.Context, p *Plan) (*panePrep, error) {
	pp := &panePrep{cols: map[string]colView{}}
	if len(p.panes) == 0 {
		return pp, nil
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	keyLo, keyHi := int64(math.MaxInt64), int64(math.MinInt64) // installation keys
	lists := evLists{}
	spans := map[string][2]int64{}
	for i, pq := range p.panes {
		from, to := paneSpan(pq)
		lo, hi = min(lo, from), max(hi, to)
		x.addList(lists, newFamFilters(p.paneF[i].Apply).eventFs, from, to)
		if pq.Spec.EffectiveMeasure() == datasource.MeasurePerInstallation {
			x.addList(lists, newFamFilters(p.hbF).eventFs, from, to)
		}
		if needsKeys(pq) {
			keyLo, keyHi = min(keyLo, from), max(keyHi, to)
		}
		for _, k := range x.propKeys(pq) {
			s, ok := spans[k]
			if !ok {
				s = [2]int64{from, to}
			}
			spans[k] = [2]int64{min(s[0], from), max(s[1], to)}
		}
	}
	if err := x.cover(ctx, lo, hi, keepDIDs|keepNames); err != nil { // panes read every event's distinct id and name
		return nil, err
	}
	x.mu.RLock()
	pp.lens = make([]int, len(x.chunks))
	for ci, c := range x.chunks {
		if c != nil {
			pp.lens[ci] = c.len()
		}
	}
	x.mu.RUnlock()
	if panesPersons(p) {
		if err := x.needPersons(ctx); err != nil {
			return nil, err
		}
	}
	if keyLo <= keyHi {
		// The install ids' postings also answer "install_id is set" (the
		// engagement panes' filter): its bitsets come from the same read.
		setKey := isSetList(lists, datasource.InstallKeyProperty)
		sets, err := x.derivePairs(ctx, keyLo, keyHi, setKey != "", false)
		if err != nil {
			return nil, err
		}
		x.seedBits(setKey, sets)
	}
	if err := x.evalLists(ctx, p, lists); err != nil {
		return nil, err
	}
	x.notePaneLists(lists)
	for k, s := range spans {
		col, err := x.propColumn(ctx, k, s[0], s[1])
		if err != nil {
			return nil, err
		}
		pp.cols[k] = col
	}
	return pp, nil
}

// installIDs reads the install ids of the events in [from, to) whose
// user pairs are not derived yet, numbered by derived.internIID.
// withSet also marks, per chunk, the events whose install id is set.
func (x *Index) installIDs(ctx context.Context, from, to int64, withSet bool) (map[int64]*keyCol, error) {
	d := x.der
	pick := func(c *chunk) bool {
		if c.maxMs < from || c.minMs >= to {
			return false
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		num := c.num()
		return num >= int64(len(d.chunks)) || d.chunks[num] == nil || len(d.chunks[num].loc) < c.len()
	}
	return x.keyColumnsOf(ctx, datasource.InstallKeyProperty, pick, func(v pairVal) uint32 {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.internIID(v.v, v.ok)
	}, withSet)
}

// keyColumnsOf reads key's pairs on the events of the chunks pick selects
// (called under x.mu), from their postings or, for chunks built from rows,
// their propsets, and returns per chunk number a column of idOf(the
// event's value), 0 where the event does not carry key. idOf runs with
// x.ev.mu held, once per pair of a saved chunk's postings and once per
// event of a chunk built from rows. withSet fills each column's set.
func (x *Index) keyColumnsOf(ctx context.Context, key string, pick func(c *chunk) bool,
	idOf func(pairVal) uint32, withSet bool) (map[int64]*keyCol, error) {
	x.tailMu.Lock() // chunks built from rows do not grow meanwhile
	defer x.tailMu.Unlock()
	kv, err := x.valuesFor(ctx, key)
	if err != nil {
		return nil, err
	}
	type rowChunk struct {
		num int64
		ps  []uint32
	}
	var posted []int64
	postedN := map[int64]int{}
	var rowCs []rowChunk
	var rowPS []uint32
	x.mu.RLock()
	for _, c := range x.chunks {
		if c == nil || !pick(c) {
			continue
		}
		if c.posted() {
			posted = append(posted, c.num())
			postedN[c.num()] = c.len()
		} else {
			rowCs = append(rowCs, rowChunk{c.num(), c.ps[:c.len():c.len()]})
			rowPS = append(rowPS, c.ps...)
		}
	}
	x.mu.RUnlock()
	out := map[int64]*keyCol{}
	if len(posted) == 0 && len(rowCs) == 0 {
		return out, nil
	}
	data, err := x.postingsOf(ctx, key, posted)
	if err != nil {
		return nil, err
	}
	if err := x.loadSets(ctx, rowPS); err != nil {
		return nil, err
	}
	x.ev.mu.Lock()
	defer x.ev.mu.Unlock()
	if err := postedColumns(out, posted, postedN, data, kv, idOf, withSet); err != nil {
		return nil, err
	}
	var es []uint64
	for _, rc := range rowCs {
		es = es[:0]
		var set []uint64
		if withSet {
			set = fillBits(len(rc.ps), false)
		}
		for j, ps := range rc.ps {
			for _, pr := range x.ev.sets[ps] {
				if pv, ok := kv.val[pr]; ok {
					if id := idOf(pv); id != 0 {
						es = append(es, uint64(j)<<32|uint64(id))
					}
					if set != nil && pv.ok {
						set[j>>6] |= 1 << (j & 63)
					}
					break
				}
			}
		}
		out[rc.num] = newKeyCol(len(rc.ps), es)
		out[rc.num].set = set
	}
	return out, nil
}

// postedColumns builds the columns of the saved chunks posted from their
// postings (data, by chunk number), looking each posting's value up once
// per worker; a month's chunks are split between two workers (idOf must
// be safe for concurrent use).
func postedColumns(out map[int64]*keyCol, posted []int64, n map[int64]int, data map[int64][]byte,
	kv *keyValues, idOf func(pairVal) uint32, withSet bool) error {
	total := 0
	for _, num := range posted {
		total += n[num]
	}
	workers := min(scanWorkers(total), len(posted))
	cols := make([]*keyCol, len(posted))
	err := onWorkers(workers, func(w int) error {
		lo, hi := w*len(posted)/workers, (w+1)*len(posted)/workers
		return columnsOf(cols[lo:hi], posted[lo:hi], n, data, kv, idOf, withSet)
	})
	if err != nil {
		return err
	}
	for i, num := range posted {
		out[num] = cols[i]
	}
	return nil
}

// columnsOf is one worker's share of postedColumns: cols[i] for posted[i].
func columnsOf(cols []*keyCol, posted []int64, n map[int64]int, data map[int64][]byte,
	kv *keyValues, idOf func(pairVal) uint32, withSet bool) error {
	var es []uint64
	// pair -> idOf(its value), with isSetBit when the value is not null:
	// idOf once per pair, not per pair and chunk.
	var memo pairMemo
	for i, num := range posted {
		es = es[:0]
		var set []uint64
		if withSet {
			set = fillBits(n[num], false)
		}
		// Each offset takes a byte at least: postings shorter than an
		// eighth of the events make a sparse column, others mostly a
		// dense one, written in place.
		var dense []uint32
		if len(data[num])*8 >= n[num] {
			dense = make([]uint32, n[num])
		}
		cnt := 0
		ok := eachPosting(data[num], n[num], func(pair uint32, offs []uint16) {
			id, seen := memo.get(pair)
			if !seen {
				if pv, ok := kv.val[pair]; ok {
					id = idOf(pv)
					if pv.ok {
						id |= isSetBit
					}
				}
				memo.put(pair, id)
			}
			if set != nil && id&isSetBit != 0 {
				for _, o := range offs {
					set[o>>6] |= 1 << (o & 63)
				}
			}
			switch id &^= isSetBit; {
			case id == 0:
			case dense != nil:
				for _, o := range offs {
					dense[o] = id
				}
				cnt += len(offs)
			default:
				for _, o := range offs {
					es = append(es, uint64(o)<<32|uint64(id))
				}
			}
		})
		if !ok {
			return errBadPostings
		}
		if dense != nil && cnt*8 < n[num] {
			for o, id := range dense {
				if id != 0 {
					es = append(es, uint64(o)<<32|uint64(id))
				}
			}
			dense = nil
		}
		if dense != nil {
			cols[i] = &keyCol{n: n[num], dense: dense}
		} else {
			cols[i] = newKeyCol(n[num], es)
		}
		cols[i].set = set
	}
	return nil
}

// isSetList is the key of the list in lists that is "key is set" alone,
// or "".
func isSetList(lists evLists, key string) string {
	for k, l := range lists {
		if isSetOnly(l.fs, key) {
			return k
		}
	}
	return ""
}

// isSetOnly reports whether fs is the one filter "event property key is
// set".
func isSetOnly(fs []datasource.Filter, key string) bool {
	return len(fs) == 1 && fs[0].Key == key && fs[0].Op == datasource.OpIsSet && fs[0].Scope != datasource.ScopePerson
}
