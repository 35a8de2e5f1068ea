package index

import (
	"math/rand/v2"
	"testing"
)

// TestKeyCol: a column answers each event's id whether it is kept dense
// (many events carry the key) or sparse (few do, entries in any order),
// and 0 for events that do not carry it or were not read.
func TestKeyCol(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, share := range []int{1, 3, 20, 100} {
		n := 1 + r.IntN(3000)
		want := make([]uint32, n)
		var es []uint64
		for _, i := range r.Perm(n) {
			if r.IntN(share) == 0 {
				want[i] = 1 + r.Uint32N(1000)
				es = append(es, uint64(i)<<32|uint64(want[i]))
			}
		}
		k := newKeyCol(n, es)
		if dense := k.dense != nil; dense != (len(es)*8 >= n) {
			t.Fatalf("1 in %d: dense %v with %d of %d set", share, dense, len(es), n)
		}
		for i := range n + 5 {
			w := uint32(0)
			if i < n {
				w = want[i]
			}
			if got := k.get(i); got != w {
				t.Fatalf("1 in %d: event %d is %d, want %d", share, i, got, w)
			}
		}
	}
}
