package index

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeyPairsRoundTrip: what EncodeKeyPairs packs, eachKeyPair reads back
// (large ids included); a cut string yields a prefix, never a panic.
func TestKeyPairsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		kps := make([]KeyPair, r.IntN(20))
		for i := range kps {
			kps[i] = KeyPair{Key: r.Uint32() >> r.IntN(32), Pair: r.Uint32() >> r.IntN(32)}
		}
		s := EncodeKeyPairs(kps)
		var got []KeyPair
		eachKeyPair(s, func(k, p uint32) { got = append(got, KeyPair{k, p}) })
		if !slices.Equal(got, kps) {
			t.Fatalf("%v read back as %v", kps, got)
		}
		for cut := range len(s) {
			n := 0
			eachKeyPair(s[:cut], func(k, p uint32) { n++ })
			if n > len(kps) {
				t.Fatalf("a cut string read %d pairs of %d", n, len(kps))
			}
		}
	}
}

// TestPostingsRoundTrip: a chunk's postings list, per key, each pair with
// the offsets of the events that carry it, whatever order they came in;
// keys past the dense range included, and a rare key whose offsets are
// far apart (two bytes each). A cut list reads as unreadable, never as a
// panic.
func TestPostingsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	var pb postingsBuilder
	want := map[uint32]map[uint32][]uint16{}
	const n = 1 << 14
	for off := range n {
		for _, key := range []uint32{1, 7, denseKeys + 5, 9} {
			if r.IntN(3) == 0 || key == 9 && r.IntN(400) != 0 {
				continue
			}
			pair := uint32(r.IntN(40)) * (key + 1)
			pb.add(off, key, pair)
			if want[key] == nil {
				want[key] = map[uint32][]uint16{}
			}
			want[key][pair] = append(want[key][pair], uint16(off))
		}
	}
	ps := pb.postings()
	if len(ps) != 4 || ps[0].Key != 1 || ps[1].Key != 7 || ps[2].Key != 9 || ps[3].Key != denseKeys+5 {
		t.Fatalf("keys %v", ps)
	}
	for _, p := range ps {
		got := map[uint32][]uint16{}
		if !eachPosting(p.Data, n, func(pair uint32, offs []uint16) { got[pair] = slices.Clone(offs) }) {
			t.Fatalf("key %d: unreadable", p.Key)
		}
		if len(got) != len(want[p.Key]) {
			t.Fatalf("key %d: %d pairs, want %d", p.Key, len(got), len(want[p.Key]))
		}
		for pair, offs := range want[p.Key] {
			if !slices.Equal(got[pair], offs) {
				t.Fatalf("key %d pair %d: %v, want %v", p.Key, pair, got[pair], offs)
			}
		}
		if eachPosting(p.Data, 10, func(uint32, []uint16) {}) {
			t.Fatalf("key %d: offsets past the chunk were accepted", p.Key)
		}
		spreadAgrees(t, p.Key, p.Data, n, want[p.Key])
		for cut := 0; cut < len(p.Data); cut += 1 + r.IntN(16) {
			if eachPosting(p.Data[:cut], n, func(uint32, []uint16) {}) && cut > 0 {
				t.Fatalf("key %d: postings cut to %d of %d bytes read as whole", p.Key, cut, len(p.Data))
			}
			if spreadIIDs(p.Data[:cut], make([]uint32, n), &pairMemo{}, nil) && cut > 0 {
				t.Fatalf("key %d: spreadIIDs read postings cut to %d of %d bytes as whole", p.Key, cut, len(p.Data))
			}
		}
	}
}

// spreadAgrees checks spreadIIDs, which decodes postings on its own (for
// speed), against the pairs' offsets want: each event gets its pair's
// number, the events of pairs numbered with isSetBit are marked, the
// others are 0 and unmarked; offsets past n are refused.
func spreadAgrees(t *testing.T, key uint32, data []byte, n int, want map[uint32][]uint16) {
	t.Helper()
	conv := &pairMemo{}
	wantIID := make([]uint32, n)
	wantSet := fillBits(n, false)
	for pair, offs := range want {
		id := pair%1000 + 1
		if pair%3 != 0 {
			conv.put(pair, id|isSetBit)
			for _, o := range offs {
				wantSet[o>>6] |= 1 << (o & 63)
			}
		} else {
			conv.put(pair, id)
		}
		for _, o := range offs {
			wantIID[o] = id
		}
	}
	iid, set := make([]uint32, n), fillBits(n, false)
	if !spreadIIDs(data, iid, conv, set) {
		t.Fatalf("key %d: spreadIIDs found the postings unreadable", key)
	}
	if !slices.Equal(iid, wantIID) || !slices.Equal(set, wantSet) {
		t.Fatalf("key %d: spreadIIDs disagrees with the offsets", key)
	}
	if spreadIIDs(data, make([]uint32, 10), conv, nil) {
		t.Fatalf("key %d: spreadIIDs accepted offsets past the chunk", key)
	}
}
