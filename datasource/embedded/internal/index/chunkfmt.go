package index

import (
	"encoding/binary"
	"math"
)

// Blob format 3 keeps every column at a fixed width, so decoding a chunk
// is a few copies instead of a varint per value: a 30-day query decodes
// hundreds of chunks in a new process. Layout (uvarints unless noted):
//
//	format, n, the three tuple keys (length-prefixed),
//	the chunk's tuples (per slot: 0, or 1 and the value),
//	the chunk's event names (event_names ids),
//	base (a zigzag varint: seconds), flags (a byte: wideSec, wideName,
//	wideTup),
//	seconds after base (n x uint16, or int32 with wideSec),
//	milliseconds (n x uint16),
//	name, as an index into the chunk's names (n x uint8, uint16 with wideName),
//	distinct id (n x uint32),
//	tuple, as an index into the chunk's tuples (n x uint8, uint16 with wideTup).
//
// Fixed-width values are little-endian: 10 bytes per event. Propsets are
// not kept: the chunk's postings (index_postings) answer event
// properties.
const (
	wideSec  = 1 << iota // seconds take 4 bytes: the chunk spans more than 65,535 s
	wideName             // names take 2 bytes: more than 256 in the chunk
	wideTup              // tuples take 2 bytes: more than 256 in the chunk
)

// encodeChunk writes r as a format 3 blob.
func encodeChunk(r *chunkRows, keys [3]string) []byte {
	n := r.len()
	b := make([]byte, 0, 10*n+256)
	b = binary.AppendUvarint(b, chunkFormat)
	b = binary.AppendUvarint(b, uint64(n))
	for _, k := range keys {
		b = appendString(b, k)
	}
	tupLoc, tups := map[*Tuple]int{}, []*Tuple(nil)
	nameLoc, names := map[uint32]int{}, []uint32(nil)
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range n {
		if _, ok := tupLoc[r.tup[i]]; !ok {
			tupLoc[r.tup[i]] = len(tups)
			tups = append(tups, r.tup[i])
		}
		if _, ok := nameLoc[r.name[i]]; !ok {
			nameLoc[r.name[i]] = len(names)
			names = append(names, r.name[i])
		}
		s := floorDiv(r.ts[i], 1000)
		lo, hi = min(lo, s), max(hi, s)
	}
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
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, nm := range names {
		b = binary.AppendUvarint(b, uint64(nm))
	}
	var flags byte
	if hi-lo > math.MaxUint16 {
		flags |= wideSec
	}
	if len(names) > 256 {
		flags |= wideName
	}
	if len(tups) > 256 {
		flags |= wideTup
	}
	b = binary.AppendVarint(b, lo)
	b = append(b, flags)
	for _, ts := range r.ts {
		b = appendFixed(b, uint32(floorDiv(ts, 1000)-lo), flags&wideSec != 0, 2)
	}
	for _, ts := range r.ts {
		b = binary.LittleEndian.AppendUint16(b, uint16(ts-floorDiv(ts, 1000)*1000))
	}
	for _, nm := range r.name {
		b = appendFixed(b, uint32(nameLoc[nm]), flags&wideName != 0, 1)
	}
	for _, d := range r.did {
		b = binary.LittleEndian.AppendUint32(b, d)
	}
	for _, t := range r.tup {
		b = appendFixed(b, uint32(tupLoc[t]), flags&wideTup != 0, 1)
	}
	return b
}

// appendFixed appends v in narrow bytes (1 or 2), or 4 when wide.
func appendFixed(b []byte, v uint32, wide bool, narrow int) []byte {
	switch {
	case wide && narrow == 1:
		return binary.LittleEndian.AppendUint16(b, uint16(v))
	case wide:
		return binary.LittleEndian.AppendUint32(b, v)
	case narrow == 1:
		return append(b, byte(v))
	}
	return binary.LittleEndian.AppendUint16(b, uint16(v))
}

// blobHead is what precedes a format 3 blob's columns.
type blobHead struct {
	n     int
	tups  []Tuple
	names []uint32
	base  int64
	flags byte
}

// readHead reads a format 3 blob's header; r is left at the columns.
func readHead(r *blobReader, keys [3]string) (blobHead, error) {
	var h blobHead
	if r.uvarint() != chunkFormat {
		return h, errBadChunk
	}
	h.n = int(r.uvarint())
	if int64(h.n) > chunkSize || h.n == 0 {
		return h, errBadChunk
	}
	var got [3]string
	for i := range got {
		got[i] = r.str()
	}
	if r.err != nil {
		return h, r.err
	}
	if got != keys {
		return h, errOtherKeys
	}
	nt := r.uvarint()
	if nt > uint64(h.n) {
		return h, errBadChunk
	}
	h.tups = make([]Tuple, nt)
	for i := range h.tups {
		for j := range 3 {
			if r.byte() == 1 {
				h.tups[i].ok[j], h.tups[i].v[j] = true, r.str()
			}
		}
	}
	nn := r.uvarint()
	if nn > uint64(h.n) {
		return h, errBadChunk
	}
	h.names = make([]uint32, nn)
	for i := range h.names {
		h.names[i] = uint32(r.uvarint())
	}
	h.base = r.varint()
	h.flags = r.byte()
	return h, r.err
}

// decodeChunk turns a format 3 blob into the index's chunk num. nameKind
// gives each event name's family flags; mapTups turns the blob's tuples
// into the index's tuple ids. It returns errOtherKeys for a blob whose
// tuples were computed for other keys than keys, errBadChunk for one it
// cannot read.
func decodeChunk(b []byte, num int64, keys [3]string, nameKind []uint16,
	mapTups func([]Tuple) []uint32) (*chunk, error) {
	r := &blobReader{b: b}
	h, err := readHead(r, keys)
	if err != nil {
		return nil, err
	}
	n := h.n
	c := &chunk{firstID: num*chunkSize + 1, base: h.base, msk: make([]uint16, n), did: make([]uint32, n),
		tup: make([]uint16, n)}
	if !c.readSeconds(r, h.flags&wideSec != 0) || !c.readKinds(r, h, nameKind) {
		return nil, errBadChunk
	}
	dids := r.take(4 * n)
	if dids == nil {
		return nil, errBadChunk
	}
	for i := range c.did {
		c.did[i] = binary.LittleEndian.Uint32(dids[4*i:])
	}
	if !readNarrow(r, c.tup, h.flags&wideTup != 0, len(h.tups)) {
		return nil, errBadChunk
	}
	if len(r.b) != 0 {
		return nil, errBadChunk
	}
	c.tupIDs = mapTups(h.tups) // c.ps stays nil: the chunk is posted
	return c, nil
}

// readSeconds reads the seconds and milliseconds columns into c (msk
// without flags) and sets c's time bounds.
func (c *chunk) readSeconds(r *blobReader, wide bool) bool {
	n := len(c.msk)
	width := 2
	if wide {
		width = 4
	}
	secs, mss := r.take(width*n), r.take(2*n)
	if mss == nil {
		return false
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	if wide {
		c.wide = make([]int32, n)
		for i := range c.wide {
			c.wide[i] = int32(binary.LittleEndian.Uint32(secs[4*i:]))
			lo, hi = min(lo, int64(c.wide[i])), max(hi, int64(c.wide[i]))
		}
	} else {
		c.sec = make([]uint16, n)
		for i := range c.sec {
			c.sec[i] = binary.LittleEndian.Uint16(secs[2*i:])
			lo, hi = min(lo, int64(c.sec[i])), max(hi, int64(c.sec[i]))
		}
	}
	for i := range c.msk {
		c.msk[i] = binary.LittleEndian.Uint16(mss[2*i:])
		if c.msk[i] > 999 {
			return false
		}
	}
	c.minMs, c.maxMs = math.MaxInt64, math.MinInt64
	for i := range n { // the bounds need the milliseconds of the extreme seconds only
		if s := c.secOf(i); s == lo || s == hi {
			ms := c.ms(i)
			c.minMs, c.maxMs = min(c.minMs, ms), max(c.maxMs, ms)
		}
	}
	return true
}

// secOf is event i's seconds after base.
func (c *chunk) secOf(i int) int64 {
	if c.sec == nil {
		return int64(c.wide[i])
	}
	return int64(c.sec[i])
}

// readKinds reads the name column and sets the family flags and lists.
func (c *chunk) readKinds(r *blobReader, h blobHead, nameKind []uint16) bool {
	kinds := make([]uint16, len(h.names))
	for l, nm := range h.names {
		if int(nm) < len(nameKind) {
			kinds[l] = nameKind[nm]
		}
	}
	local := make([]uint16, len(c.msk))
	if !readNarrow(r, local, h.flags&wideName != 0, len(kinds)) {
		return false
	}
	c.listNames(h.names, local)
	var nHB, nER, nTM int
	for i, l := range local {
		k := kinds[l]
		c.msk[i] |= k
		nHB += int(k >> 10 & 1)
		nER += int(k >> 11 & 1)
		nTM += int(k >> 12 & 1)
	}
	c.hb, c.er, c.tm = make([]uint16, 0, nHB), make([]uint16, 0, nER), make([]uint16, 0, nTM)
	for i, k := range c.msk {
		if k&^msMask != 0 {
			c.addKind(i, k)
		}
	}
	return true
}

// readNarrow reads a column of indexes below limit, 1 byte each or 2 when
// wide.
func readNarrow(r *blobReader, out []uint16, wide bool, limit int) bool {
	width := 1
	if wide {
		width = 2
	}
	b := r.take(width * len(out))
	if b == nil {
		return false
	}
	for i := range out {
		if wide {
			out[i] = binary.LittleEndian.Uint16(b[2*i:])
		} else {
			out[i] = uint16(b[i])
		}
		if int(out[i]) >= limit {
			return false
		}
	}
	return true
}

// take returns the next k bytes, or nil (and an error) if there are fewer.
func (r *blobReader) take(k int) []byte {
	if k > len(r.b) {
		r.err, r.b = errBadChunk, nil
		return nil
	}
	out := r.b[:k:k]
	r.b = r.b[k:]
	return out
}

func (r *blobReader) byte() byte {
	if len(r.b) == 0 {
		r.err = errBadChunk
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}
