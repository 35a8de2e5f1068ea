package index

import (
	"context"
	"errors"
	"math/bits"
	"slices"
	"strings"

	"github.com/ttmon/ttmon/datasource"
)

var errBadPostings = errors.New("embedded: corrupt index postings")

// prepareEvents evaluates the event filters of p that the attribute tuples
// cannot answer, once per distinct filter list among the families, for
// every chunk with events from from to the end of p's range: p.evOK then
// holds, per list, a bitset of the passing events per chunk number.
func (x *Index) prepareEvents(ctx context.Context, p *Plan, from int64) error {
	lists := evLists{}
	for k := range p.fam {
		x.addList(lists, p.fam[k].eventFs, from, p.to)
	}
	return x.evalLists(ctx, p, lists)
}

// evList is one list of event filters and the span [from, to) whose
// chunks need its bitsets.
type evList struct {
	fs       []datasource.Filter
	from, to int64
}

// evLists are the lists to evaluate by filterListKey.
type evLists map[string]*evList

// addList adds the filters of fs the tuples cannot answer to lists, or
// widens their span when the list is there already.
func (x *Index) addList(lists evLists, fs []datasource.Filter, from, to int64) {
	_, rest := x.splitTuple(fs)
	if len(rest) == 0 {
		return
	}
	key := filterListKey(rest)
	if l := lists[key]; l != nil {
		l.from, l.to = min(l.from, from), max(l.to, to)
		return
	}
	lists[key] = &evList{fs: rest, from: from, to: to}
}

// evalLists evaluates every list into p.evOK, keeping what is there.
func (x *Index) evalLists(ctx context.Context, p *Plan, lists evLists) error {
	if len(lists) == 0 {
		return nil
	}
	x.tailMu.Lock() // chunks built from rows do not grow meanwhile
	defer x.tailMu.Unlock()
	if p.evOK == nil {
		p.evOK = map[string][][]uint64{}
	}
	for key, l := range lists {
		m, err := x.eventOK(ctx, l.fs, l.from, l.to)
		if err != nil {
			return err
		}
		x.mu.RLock()
		byNum := grow(p.evOK[key], int64(len(x.chunks)-1))
		x.mu.RUnlock()
		for num, b := range m {
			byNum = grow(byNum, num)
			byNum[num] = b
		}
		p.evOK[key] = byNum
	}
	return nil
}

// evBit reports whether event i of chunk num passes, by ok (p.evOK's
// bitsets); an event the bitsets do not cover (one added after they were
// evaluated) does not.
func evBit(ok [][]uint64, num int64, i int) bool {
	if num >= int64(len(ok)) {
		return false
	}
	b := ok[num]
	return i>>6 < len(b) && b[i>>6]&(1<<(i&63)) != 0
}

func filterListKey(fs []datasource.Filter) string {
	return strings.Join(datasource.FilterStrings(fs), "\x00")
}

// eventOK evaluates fs for every chunk with events in [from, to): a
// bitset of the passing events per chunk number. Results are kept between
// queries, so a poll re-evaluates only chunks that grew. x.tailMu is held.
func (x *Index) eventOK(ctx context.Context, fs []datasource.Filter, from, to int64) (map[int64][]uint64, error) {
	flips := make([]*flipSet, len(fs))
	for i, f := range fs {
		var err error
		if flips[i], err = x.flipsFor(ctx, f); err != nil {
			return nil, err
		}
	}
	key := filterListKey(fs)
	out := map[int64][]uint64{}
	var todo []*chunk
	var posted []int64
	var rowPS []uint32
	x.mu.RLock()
	x.ev.mu.Lock()
	res := x.bitsOf(key)
	for _, c := range x.chunks {
		if c == nil || c.maxMs < from || c.minMs >= to {
			continue
		}
		if cb, ok := res.chunks[c.num()]; ok && cb.n == c.len() {
			out[c.num()] = cb.bits
			continue
		}
		todo = append(todo, c)
		if c.posted() {
			posted = append(posted, c.num())
		} else {
			rowPS = append(rowPS, c.ps...)
		}
	}
	x.ev.mu.Unlock()
	x.mu.RUnlock()
	data := map[string]map[int64][]byte{}
	for _, f := range fs {
		if _, ok := data[f.Key]; !ok {
			d, err := x.postingsOf(ctx, f.Key, posted)
			if err != nil {
				return nil, err
			}
			data[f.Key] = d
		}
	}
	if err := x.loadSets(ctx, rowPS); err != nil {
		return nil, err
	}
	x.ev.mu.Lock()
	defer x.ev.mu.Unlock()
	x.bitsRead.Add(int64(len(todo)))
	for _, c := range todo {
		b, err := x.chunkOK(c, flips, data)
		if err != nil {
			return nil, err
		}
		res.chunks[c.num()] = chunkBits{n: c.len(), bits: b}
		out[c.num()] = b
	}
	return out, nil
}

// chunkOK is c's bitset under every filter of flips; x.ev.mu is held.
func (x *Index) chunkOK(c *chunk, flips []*flipSet, data map[string]map[int64][]byte) ([]uint64, error) {
	n := c.len()
	out := fillBits(n, true)
	one := make([]uint64, len(out))
	for _, fs := range flips {
		if c.posted() {
			fillInto(one, n, fs.missOK)
			ok := eachPosting(data[fs.f.Key][c.num()], n, func(pair uint32, offs []uint16) {
				if fs.flip[pair] {
					for _, o := range offs {
						one[o>>6] ^= 1 << (o & 63)
					}
				}
			})
			if !ok {
				return nil, errBadPostings
			}
			for w := range out {
				out[w] &= one[w]
			}
			continue
		}
		for i, ps := range c.ps {
			pass := fs.missOK
			for _, pair := range x.ev.sets[ps] {
				if fs.flip[pair] {
					pass = !pass
					break
				}
			}
			if !pass {
				out[i>>6] &^= 1 << (i & 63)
			}
		}
	}
	return out, nil
}

// fillBits is a bitset of n bits, all set to on.
func fillBits(n int, on bool) []uint64 {
	b := make([]uint64, (n+63)/64)
	fillInto(b, n, on)
	return b
}

func fillInto(b []uint64, n int, on bool) {
	for w := range b {
		b[w] = 0
		if on {
			b[w] = ^uint64(0)
		}
	}
	if on && n%64 != 0 {
		b[len(b)-1] = 1<<(n%64) - 1
	}
}

// countBits is the number of set bits.
func countBits(b []uint64) int64 {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return int64(n)
}

// keyCols gives the pair of one key each event carries, for value lists
// and breakdowns: decoded chunk by chunk from the postings read for the
// query's range, or from the propsets of chunks built from rows.
type keyCols struct {
	kv   *keyValues
	data map[int64][]byte
	sets map[uint32][]uint32
	cur  *chunk
	col  []uint32
	err  error
}

// keyColumns prepares key's pairs for the chunks with events in [from,
// to).
func (x *Index) keyColumns(ctx context.Context, key string, from, to int64) (*keyCols, error) {
	x.tailMu.Lock()
	defer x.tailMu.Unlock()
	kv, err := x.valuesFor(ctx, key)
	if err != nil {
		return nil, err
	}
	var posted []int64
	var rowPS []uint32
	x.mu.RLock()
	for _, c := range x.chunks {
		if c != nil && c.maxMs >= from && c.minMs < to {
			if c.posted() {
				posted = append(posted, c.num())
			} else {
				rowPS = append(rowPS, c.ps...)
			}
		}
	}
	x.mu.RUnlock()
	kc := &keyCols{kv: kv, sets: map[uint32][]uint32{}}
	if kc.data, err = x.postingsOf(ctx, key, posted); err != nil {
		return nil, err
	}
	if err := x.loadSets(ctx, rowPS); err != nil {
		return nil, err
	}
	x.ev.mu.Lock()
	defer x.ev.mu.Unlock()
	for _, ps := range rowPS {
		kc.sets[ps] = x.ev.sets[ps]
	}
	return kc, nil
}

// pair is the pair of the key event i of c carries (0: none).
func (k *keyCols) pair(c *chunk, i int) uint32 {
	if c != k.cur {
		k.cur = c
		n := c.len()
		k.col = slices.Grow(k.col[:0], n)[:n]
		clear(k.col)
		if c.posted() {
			ok := eachPosting(k.data[c.num()], n, func(pair uint32, offs []uint16) {
				for _, o := range offs {
					k.col[o] = pair
				}
			})
			if !ok {
				k.err = errBadPostings
			}
		} else {
			for j, ps := range c.ps {
				for _, pr := range k.sets[ps] {
					if _, ok := k.kv.val[pr]; ok {
						k.col[j] = pr
						break
					}
				}
			}
		}
	}
	return k.col[i]
}

// value is the key's value on event i of c; ok is false when it is
// missing or null.
func (k *keyCols) value(c *chunk, i int) (string, bool) {
	v, ok := k.kv.val[k.pair(c, i)]
	return v.v, ok && v.ok
}

// bitsOf is the kept bitsets of list key, made (and the oldest lists
// dropped past eight) when there are none; x.ev.mu is held.
func (x *Index) bitsOf(key string) *bitsResult {
	res := x.ev.bits[key]
	if res == nil {
		if len(x.ev.bits) >= 8 {
			clear(x.ev.bits)
		}
		res = &bitsResult{chunks: map[int64]chunkBits{}}
		x.ev.bits[key] = res
	}
	return res
}

// seedBits keeps the set bitsets of cols (read with the columns' key) as
// list key's bitsets, the list being "that key is set" alone; key "" does
// nothing. An entry covering more events is kept.
func (x *Index) seedBits(key string, cols map[int64]*keyCol) {
	if key == "" {
		return
	}
	x.ev.mu.Lock()
	defer x.ev.mu.Unlock()
	res := x.bitsOf(key)
	for num, col := range cols {
		if cb, ok := res.chunks[num]; col.set != nil && (!ok || cb.n < col.n) {
			res.chunks[num] = chunkBits{n: col.n, bits: col.set}
		}
	}
}
