package index

import (
	"fmt"
	"testing"

	"github.com/ttmon/ttmon/datasource"
)

// TestOpenChunkSavesWhenFull: the writer gets a blob exactly when a
// chunk's last id is committed, and the blob decodes to the rows it was
// given, with the tuples' values and the families from the names.
func TestOpenChunkSavesWhenFull(t *testing.T) {
	t.Cleanup(SetChunkSize(4))
	keys := TupleKeys(datasource.DefaultMapping())
	docker := &Tuple{}
	docker.Set(0, "2.0.0", true)
	docker.Set(2, "docker", true)
	linux := &Tuple{}
	linux.Set(1, "Linux", true)
	tups := []*Tuple{docker, linux, docker, docker}
	oc := NewOpenChunk(keys)
	for i := range 4 {
		id := int64(i + 1)
		b, full := oc.Add(Row{ID: id, TS: 1_000_000 + 1500*id, Name: uint32(i % 2), DID: uint32(10 + i), PS: uint32(20 + i), Tup: tups[i]}, EncodeKeyPairs([]KeyPair{{Key: 1, Pair: uint32(i % 2)}}))
		if full != (i == 3) {
			t.Fatalf("id %d: full %v", id, full)
		}
		if !full {
			continue
		}
		if b.Num != 0 || b.N != 4 || b.Format != Format || b.MinMs != 1_001_500 || b.MaxMs != 1_006_000 {
			t.Fatalf("blob %+v", b)
		}
		var got []Tuple
		c, err := decodeChunk(b.Data, b.Num, keys, []uint16{0, kHB}, keepDIDs|keepNames, nil, func(ts []Tuple) []uint32 {
			got = ts
			ids := make([]uint32, len(ts))
			for k := range ids {
				ids[k] = uint32(k + 1)
			}
			return ids
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != *docker || got[1] != *linux {
			t.Fatalf("tuples %+v", got)
		}
		for k := range 4 {
			if c.id(k) != int64(k+1) || c.ms(k) != 1_000_000+1500*int64(k+1) || c.did[k] != uint32(10+k) ||
				c.tupOf(k) != map[bool]uint32{true: 1, false: 2}[tups[k] == docker] {
				t.Fatalf("event %d decoded wrong", k)
			}
		}
		if len(c.hb) != 2 || c.hb[0] != 1 || c.hb[1] != 3 {
			t.Fatalf("heartbeat offsets %v, want [1 3]", c.hb)
		}
		// Every event carries key 1, pair i%2: offsets 0 and 2, then 1 and 3.
		posted := map[uint32][]uint16{}
		if len(b.Postings) != 1 || b.Postings[0].Key != 1 || !eachPosting(b.Postings[0].Data, 4, func(pair uint32, offs []uint16) {
			posted[pair] = append([]uint16(nil), offs...)
		}) || fmt.Sprint(posted) != "map[0:[0 2] 1:[1 3]]" {
			t.Fatalf("postings %+v: %v", b.Postings, posted)
		}
	}
}

// TestOpenChunkSkipsAForeignStart: a chunk whose first ids this writer did
// not commit (another process wrote them) is not saved by the writer; the
// next chunk is.
func TestOpenChunkSkipsAForeignStart(t *testing.T) {
	t.Cleanup(SetChunkSize(4))
	oc := NewOpenChunk(TupleKeys(datasource.DefaultMapping()))
	tup := &Tuple{}
	for id := int64(3); id <= 8; id++ {
		_, full := oc.Add(Row{ID: id, TS: id, Tup: tup}, "")
		if full != (id == 8) {
			t.Fatalf("id %d: full %v", id, full)
		}
	}
}
