package index

import (
	"encoding/binary"
	"errors"

	"github.com/ttmon/ttmon/datasource"
)

// chunkSize events share one chunk: chunk c holds the events with ids
// c*chunkSize+1 .. (c+1)*chunkSize. Event ids are dense (SQLite gives each
// new row max(id)+1 and events are never deleted), so a chunk is full once
// its last id is stored, and is then saved as one index_chunks row. 16,384
// keeps the rows after the last saved chunk, which the index reads one by
// one at open, to a few tens of milliseconds. A variable so tests can fill
// many chunks with few events.
var chunkSize int64 = 1 << 14

// chunkFormat is the version of the blob (chunkfmt.go); a blob of format
// 2 is converted (chunkold.go), one of another version is rebuilt from
// the events table.
const chunkFormat = 3 // 2: varint columns; 3: fixed-width columns

// Tuple is what the per-event figures need of an event's properties:
// the canonical values (datasource.ValueString) of the Mapping's version,
// platform and deployment properties. Tuples are interned, so the index
// keeps one small id per event instead of the propset's contents.
type Tuple struct {
	v  [3]string
	ok [3]bool
}

// TupleKeys are the property keys of a Tuple, in order.
func TupleKeys(m datasource.Mapping) [3]string {
	return [3]string{m.VersionProperty, m.PlatformProperty, m.DeploymentProperty}
}

// chunkRows are one chunk's events in id order, as the writer collects
// them and as a blob holds them.
type chunkRows struct {
	num  int64
	ts   []int64
	name []uint32
	did  []uint32
	ps   []uint32
	tup  []*Tuple
}

func (r *chunkRows) len() int { return len(r.ts) }

func (r *chunkRows) reset(num int64) {
	r.num = num
	r.ts, r.name, r.did, r.ps, r.tup = r.ts[:0], r.name[:0], r.did[:0], r.ps[:0], r.tup[:0]
}

func (r *chunkRows) add(row Row) {
	r.ts = append(r.ts, row.TS)
	r.name = append(r.name, row.Name)
	r.did = append(r.did, row.DID)
	r.ps = append(r.ps, row.PS)
	r.tup = append(r.tup, row.Tup)
}

// full reports whether the chunk holds all of its ids.
func (r *chunkRows) full() bool { return int64(r.len()) == chunkSize }

// appendTuples writes a chunk's attribute tuples: their count, then per
// tuple each of the three properties as 0 (missing) or 1 and its value.
// Formats 2 and 3 share it.
func appendTuples(b []byte, tups []*Tuple) []byte {
	b = binary.AppendUvarint(b, uint64(len(tups)))
	for _, t := range tups {
		for i := range 3 {
			if t.ok[i] {
				b = append(b, 1)
				b = appendString(b, t.v[i])
			} else {
				b = append(b, 0)
			}
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var (
	errBadChunk  = errors.New("embedded: corrupt index chunk")
	errOtherKeys = errors.New("embedded: index chunk made for other Mapping properties")
)

// blobReader decodes what encodeChunk wrote.
type blobReader struct {
	b   []byte
	err error
}

func (r *blobReader) uvarint() uint64 {
	v, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err, r.b = errBadChunk, nil
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *blobReader) varint() int64 {
	v, k := binary.Varint(r.b)
	if k <= 0 {
		r.err, r.b = errBadChunk, nil
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *blobReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errBadChunk, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
