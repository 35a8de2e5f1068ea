package index

import (
	"math/rand/v2"
	"testing"
)

// TestFromPostings: a chunk derived from its install ids' postings gives
// each event the pair of (its install id, its distinct id), the same pair
// for the same two in every chunk, 0 without an install id (missing, null
// or empty: conv has no number for those), whatever order the events
// come in; distinct ids that change install id inside a chunk included,
// and a chunk's table lists a pair once. The event-by-event derivation
// (chunk) agrees on a chunk derived in two halves.
func TestFromPostings(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 3000
	conv := &pairMemo{}
	for k := range 40 {
		id := uint32(k + 1)
		if k%10 == 9 {
			id = 0 // a null or empty install id
		}
		if k%10 != 8 { // unknown to conv: a pair of another key
			conv.put(uint32(100+k), id|isSetBit)
		}
	}
	d := newDerived()
	dv := d.newDeriving(150)       // one worker's, for every chunk; distinct ids past its arrays too
	want := map[[2]uint32]uint32{} // (install id, did) -> pair
	for ci := range 4 {
		var pb postingsBuilder
		c := &chunk{msk: make([]uint16, n), did: make([]uint32, n), at: int64(ci)}
		iids := make([]uint32, n)
		for i := range n {
			c.did[i] = uint32(r.IntN(200)) // 200 distinct ids: most repeat, some switch install id
			if r.IntN(8) == 0 {
				continue // no install id
			}
			k := r.IntN(40)
			if r.IntN(4) != 0 {
				k = int(c.did[i]) % 40 // mostly the distinct id's own installation
			}
			pb.add(i, 1, uint32(100+k))
			if v, ok := conv.get(uint32(100 + k)); ok {
				iids[i] = v &^ isSetBit
			}
		}
		var data []byte
		if ps := pb.postings(); len(ps) > 0 {
			data = ps[0].Data
		}
		cp := &chunkPairs{tab: []uint32{0}}
		if !dv.fromPostings(ci, cp, c, data, conv, nil) {
			t.Fatal("postings unreadable")
		}
		half := &chunkPairs{tab: []uint32{0}}
		col := &keyCol{n: n / 2, dense: iids}
		d.newDeriving(200).chunk(ci, half, c, col)
		d.newDeriving(200).chunk(ci, half, c, &keyCol{n: n, dense: iids})
		seen := map[uint32]bool{}
		for _, p := range cp.tab {
			if seen[p] {
				t.Fatalf("chunk %d: pair %d twice in the table %v", ci, p, cp.tab)
			}
			seen[p] = true
		}
		for i := range n {
			got, other := cp.tab[cp.loc[i]], half.tab[half.loc[i]]
			if iids[i] == 0 {
				if got != 0 || other != 0 {
					t.Fatalf("chunk %d event %d without an install id has pairs %d / %d", ci, i, got, other)
				}
				continue
			}
			k := [2]uint32{iids[i], c.did[i]}
			if p, ok := want[k]; ok && p != got {
				t.Fatalf("chunk %d event %d %v: pair %d, earlier %d", ci, i, k, got, p)
			}
			want[k] = got
			if got == 0 || other != got || d.pairIID[got] != iids[i] {
				t.Fatalf("chunk %d event %d %v: pair %d (install id %d), event by event %d", ci, i, k, got, d.pairIID[got], other)
			}
		}
	}
}
