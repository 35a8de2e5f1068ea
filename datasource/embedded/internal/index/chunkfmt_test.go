package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randRows makes a chunk's worth of rows: timestamps spread over span ms
// (out of order, some before 1970), names and tuples drawn from nNames
// and nTups.
func randRows(r *rand.Rand, n int, span int64, nNames, nTups int) *chunkRows {
	tups := make([]*Tuple, nTups)
	for i := range tups {
		tups[i] = &Tuple{}
		if i%5 != 0 {
			tups[i].Set(i%3, fmt.Sprintf("v%d", i), true)
		}
	}
	rows := &chunkRows{}
	rows.reset(0)
	for i := range n {
		rows.add(Row{ID: int64(i + 1), TS: r.Int64N(span) - span/3, Name: uint32(r.IntN(nNames)),
			DID: r.Uint32(), PS: r.Uint32N(1 << 30), Tup: tups[r.IntN(nTups)]})
	}
	return rows
}

// TestChunkFormatRoundTrip: a blob decodes to the rows it was made from,
// whatever widths its columns need (seconds past 16 bits, more than 256
// names or tuples), with the families from the names.
func TestChunkFormatRoundTrip(t *testing.T) {
	t.Cleanup(SetChunkSize(2000))
	keys := [3]string{"a", "b", "c"}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		span          int64
		names, tuples int
	}{{60_000_000, 3, 4}, {10_000, 300, 2}, {1 << 40, 2, 400}, {1, 1, 1}} {
		rows := randRows(r, 1+r.IntN(2000), tc.span, tc.names, tc.tuples)
		nameKind := make([]uint16, tc.names)
		for i := range nameKind {
			nameKind[i] = []uint16{0, kHB, kER, kTM, kHB | kER}[i%5]
		}
		var got []Tuple
		blob := encodeChunk(rows, keys)
		c, err := decodeChunk(blob, 0, keys, nameKind, keepDIDs|keepNames, nil, func(ts []Tuple) []uint32 {
			got = ts
			ids := make([]uint32, len(ts))
			for i := range ids {
				ids[i] = uint32(i)
			}
			return ids
		})
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		hb := 0
		for i := range rows.len() {
			kind := nameKind[rows.name[i]]
			if c.ms(i) != rows.ts[i] || c.did[i] != rows.did[i] ||
				got[c.tupOf(i)] != *rows.tup[i] || c.msk[i]&^msMask != kind {
				t.Fatalf("%+v: event %d decoded wrong", tc, i)
			}
			if kind&kHB != 0 {
				if int(c.hb[hb]) != i || c.hbDID(hb, i) != rows.did[i] {
					t.Fatalf("%+v: heartbeat list %v", tc, c.hb)
				}
				hb++
			}
			if c.ms(i) < c.minMs || c.ms(i) > c.maxMs {
				t.Fatalf("%+v: event %d outside the bounds", tc, i)
			}
		}
		if hb != len(c.hb) {
			t.Fatalf("%+v: %d heartbeats listed, %d in the chunk", tc, len(c.hb), hb)
		}
		// Decoded without the distinct ids, a chunk keeps its heartbeats';
		// the column read on its own later is the same.
		lean, err := decodeChunk(blob, 0, keys, nameKind, 0, nil, func(ts []Tuple) []uint32 { return make([]uint32, len(ts)) })
		if err != nil || lean.did != nil || lean.nmTab != nil || lean.lacks(keepDIDs|keepNames, nil) != keepDIDs|keepNames {
			t.Fatalf("%+v: decoded without distinct ids and names: %v", tc, err)
		}
		for j, o := range lean.hb {
			if lean.hbDID(j, int(o)) != rows.did[o] {
				t.Fatalf("%+v: heartbeat %d's distinct id %d, want %d", tc, j, lean.hbDID(j, int(o)), rows.did[o])
			}
		}
		if c.hbDid != nil || (len(lean.hb) > 0 && lean.hbDid == nil) {
			t.Fatalf("%+v: the heartbeats' distinct ids kept beside every event's, or not without them", tc)
		}
		dids, _, names, err := decodeRest(blob, keys, lean, keepDIDs|keepNames, nil)
		if err != nil || !slices.Equal(dids, rows.did) {
			t.Fatalf("%+v: the distinct id column read alone: %v", tc, err)
		}
		checkNames(t, names, rows.name)
		checkNames(t, c, rows.name)
	}
}

// checkNames holds c's name lists to the names of its events: each event
// listed once, under its name, in order.
func checkNames(t *testing.T, c *chunk, names []uint32) {
	t.Helper()
	seen := 0
	for l, nm := range c.nmTab {
		prev := -1
		for _, o := range c.nmOff[l] {
			if int(o) <= prev || names[o] != nm {
				t.Fatalf("name list %d (%d) holds offset %d (named %d) after %d", l, nm, o, names[o], prev)
			}
			prev = int(o)
			seen++
		}
	}
	if seen != len(names) {
		t.Fatalf("name lists hold %d events, the chunk %d", seen, len(names))
	}
}

// TestChunkFormatRejects: a truncated or altered blob is an error, never a
// panic or a wrong chunk.
func TestChunkFormatRejects(t *testing.T) {
	t.Cleanup(SetChunkSize(100))
	keys := [3]string{"a", "b", "c"}
	b := encodeChunk(randRows(rand.New(rand.NewPCG(3, 4)), 100, 1e6, 3, 3), keys)
	mapTups := func(ts []Tuple) []uint32 { return make([]uint32, len(ts)) }
	for k := range len(b) {
		if _, err := decodeChunk(b[:k], 0, keys, nil, keepDIDs|keepNames, nil, mapTups); err == nil {
			t.Fatalf("a blob cut at %d of %d bytes decoded", k, len(b))
		}
	}
	if _, err := decodeChunk(b, 0, [3]string{"a", "b", "x"}, nil, keepDIDs|keepNames, nil, mapTups); err != errOtherKeys {
		t.Fatalf("other keys: %v", err)
	}
}

// TestChunkAddWidens: a chunk filled event by event keeps 16-bit seconds
// until an event falls outside them (earlier than its first, or more than
// 18 h later), then widens without changing any time.
func TestChunkAddWidens(t *testing.T) {
	c := &chunk{}
	ts := []int64{5_000_500, 5_001_000, 65_000_000, 4_000_999, -7_000_001, 1 << 40}
	for i, v := range ts {
		c.add(int64(i+1), v, 0, 0, 1, 1, uint32(i%2))
		if wide := c.sec == nil; wide != (i >= 3) {
			t.Fatalf("after %d events: wide %v", i+1, wide)
		}
	}
	for i, v := range ts {
		if c.ms(i) != v || c.tupOf(i) != uint32(i%2) {
			t.Fatalf("event %d: %d, want %d", i, c.ms(i), v)
		}
	}
	if c.minMs != -7_000_001 || c.maxMs != 1<<40 {
		t.Fatalf("bounds %d %d", c.minMs, c.maxMs)
	}
}

// TestFormat2Converts: a blob an older ttmon saved reads back as the rows
// it was made from, which migration 4 saves again in the current format.
func TestFormat2Converts(t *testing.T) {
	t.Cleanup(SetChunkSize(500))
	keys := [3]string{"a", "b", "c"}
	rows := randRows(rand.New(rand.NewPCG(5, 6)), 500, 1e9, 7, 9)
	got, gotKeys, err := decodeRows2(encodeChunk2(rows, keys), 0)
	if err != nil || gotKeys != keys {
		t.Fatal(err, gotKeys)
	}
	for i := range rows.len() {
		if got.ts[i] != rows.ts[i] || got.name[i] != rows.name[i] || got.did[i] != rows.did[i] ||
			got.ps[i] != rows.ps[i] || *got.tup[i] != *rows.tup[i] {
			t.Fatalf("event %d read back wrong", i)
		}
	}
}

// TestChunkAddWidensTuples: past 256 tuples in a chunk the tuple column
// widens without changing any event's tuple.
func TestChunkAddWidensTuples(t *testing.T) {
	c := &chunk{}
	for i := range 600 {
		c.add(int64(i+1), 1000, 0, 0, 1, 1, uint32(i*7%300))
		if wide := c.tupW != nil; wide != (i >= 256) {
			t.Fatalf("after %d events: wide %v", i+1, wide)
		}
	}
	for i := range 600 {
		if c.tupOf(i) != uint32(i*7%300) {
			t.Fatalf("event %d: tuple %d", i, c.tupOf(i))
		}
	}
}

// BenchmarkDecodeChunk decodes a full chunk (16,384 events over an hour,
// 40 names, a third of the events heartbeats of one name) as the built-in
// figures read it ("lean": the heartbeats' distinct ids, no name lists)
// and as panes and drills do ("full"): `go test -run '^$' -bench
// DecodeChunk -benchmem ./datasource/embedded/internal/index/`.
func BenchmarkDecodeChunk(b *testing.B) {
	keys := [3]string{"a", "b", "c"}
	r := rand.New(rand.NewPCG(1, 2))
	rows := randRows(r, 1<<14, 3_600_000, 40, 30)
	for i := range rows.name {
		if r.IntN(3) == 0 {
			rows.name[i] = 0
		}
	}
	nameKind := make([]uint16, 40)
	nameKind[0], nameKind[4], nameKind[5] = kHB, kER, kTM
	blob := encodeChunk(rows, keys)
	mapTups := func(ts []Tuple) []uint32 { return make([]uint32, len(ts)) }
	for _, tc := range []struct {
		name string
		k    keep
	}{{"lean", 0}, {"full", keepDIDs | keepNames}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(blob)))
			for b.Loop() {
				if _, err := decodeChunk(blob, 0, keys, nameKind, tc.k, nil, mapTups); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
