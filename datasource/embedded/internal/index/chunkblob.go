package index

import (
	"encoding/binary"
	"errors"
	"math"

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

// chunkFormat is the version of the blob below; a blob of another version
// is ignored and rebuilt from the events table.
const chunkFormat = 2 // 2: chunks of 16,384 ids

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

// encodeChunk writes r as a blob: the format, the count, the attribute
// keys the tuples were computed for, the chunk's distinct tuples, then one
// column at a time (timestamps as zigzag deltas, the rest as uvarints).
// About 10 bytes per event.
func encodeChunk(r *chunkRows, keys [3]string) []byte {
	b := make([]byte, 0, 10*r.len()+256)
	b = binary.AppendUvarint(b, chunkFormat)
	b = binary.AppendUvarint(b, uint64(r.len()))
	for _, k := range keys {
		b = appendString(b, k)
	}
	local := map[*Tuple]uint64{}
	var order []*Tuple
	for _, t := range r.tup {
		if _, ok := local[t]; !ok {
			local[t] = uint64(len(order))
			order = append(order, t)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(order)))
	for _, t := range order {
		for i := range 3 {
			if t.ok[i] {
				b = append(b, 1)
				b = appendString(b, t.v[i])
			} else {
				b = append(b, 0)
			}
		}
	}
	prev := int64(0)
	for _, ts := range r.ts {
		b = binary.AppendVarint(b, ts-prev)
		prev = ts
	}
	for _, col := range [][]uint32{r.name, r.did, r.ps} {
		for _, v := range col {
			b = binary.AppendUvarint(b, uint64(v))
		}
	}
	for _, t := range r.tup {
		b = binary.AppendUvarint(b, local[t])
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

// decodeChunk turns a blob into the index's chunk num. nameKind gives each
// event name's family flags; mapTups turns the blob's tuples into the
// index's tuple ids. It returns errBadChunk for a blob of another format,
// or one whose tuples were computed for other keys than keys.
func decodeChunk(b []byte, num int64, keys [3]string, nameKind []uint16,
	mapTups func([]Tuple) []uint32) (*chunk, error) {
	r := &blobReader{b: b}
	if r.uvarint() != chunkFormat {
		return nil, errBadChunk
	}
	n := int(r.uvarint())
	if int64(n) > chunkSize || n == 0 {
		return nil, errBadChunk
	}
	var got [3]string
	for i := range got {
		got[i] = r.str()
	}
	if r.err != nil {
		return nil, r.err
	}
	if got != keys {
		return nil, errOtherKeys
	}
	nt := r.uvarint()
	if nt > uint64(n) {
		return nil, errBadChunk
	}
	tups := make([]Tuple, nt)
	for i := range tups {
		for j := range 3 {
			if r.uvarint() == 1 {
				tups[i].ok[j], tups[i].v[j] = true, r.str()
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	c := &chunk{firstID: num*chunkSize + 1, sec: make([]uint32, n), msk: make([]uint16, n),
		did: make([]uint32, n), ps: make([]uint32, n), tup: make([]uint32, n)}
	prev := int64(0)
	c.minMs, c.maxMs = math.MaxInt64, math.MinInt64
	for i := range n {
		prev += r.varint()
		c.sec[i], c.msk[i] = uint32(prev/1000), uint16(prev%1000)
		c.minMs, c.maxMs = min(c.minMs, prev), max(c.maxMs, prev)
	}
	r.column(c.did) // names first, into did as scratch
	for i, name := range c.did {
		if int(name) < len(nameKind) {
			c.msk[i] |= nameKind[name]
			c.addKind(i, nameKind[name])
		}
	}
	c.listNames(c.did)
	r.column(c.did)
	r.column(c.ps)
	r.column(c.tup)
	if r.err != nil {
		return nil, r.err
	}
	ids := mapTups(tups)
	for i, t := range c.tup {
		if uint64(t) >= nt {
			return nil, errBadChunk
		}
		c.tup[i] = ids[t]
	}
	return c, nil
}

// listNames fills nmTab and nmOff from the chunk's name column: one
// backing array, cut per name.
func (c *chunk) listNames(names []uint32) {
	loc := map[uint32]uint16{}
	var counts []int
	local := make([]uint16, len(names))
	for i, n := range names {
		l, ok := loc[n]
		if !ok {
			l = uint16(len(c.nmTab))
			loc[n] = l
			c.nmTab = append(c.nmTab, n)
			counts = append(counts, 0)
		}
		local[i] = l
		counts[l]++
	}
	all := make([]uint16, len(names))
	c.nmOff = make([][]uint16, len(c.nmTab))
	at := 0
	for l, n := range counts {
		c.nmOff[l] = all[at : at : at+n]
		at += n
	}
	for i, l := range local {
		c.nmOff[l] = append(c.nmOff[l], uint16(i))
	}
}

func (r *blobReader) column(out []uint32) {
	b := r.b
	for i := range out {
		if len(b) > 0 && b[0] < 0x80 { // most values fit one byte
			out[i] = uint32(b[0])
			b = b[1:]
			continue
		}
		v, k := binary.Uvarint(b)
		if k <= 0 {
			r.err, r.b = errBadChunk, nil
			return
		}
		out[i] = uint32(v)
		b = b[k:]
	}
	r.b = b
}
