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
//	base (a zigzag varint: seconds), the first and last event's unix ms
//	(zigzag varints), flags (a byte: wideSec, wideName, wideTup),
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
	b = appendTuples(b, tups)
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
	minMs, maxMs := int64(math.MaxInt64), int64(math.MinInt64)
	for _, ts := range r.ts {
		minMs, maxMs = min(minMs, ts), max(maxMs, ts)
	}
	b = binary.AppendVarint(b, minMs)
	b = binary.AppendVarint(b, maxMs)
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
	n            int
	tups         []Tuple
	names        []uint32
	base         int64
	minMs, maxMs int64
	flags        byte
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
	h.minMs, h.maxMs = r.varint(), r.varint()
	h.flags = r.byte()
	if h.minMs > h.maxMs || floorDiv(h.minMs, 1000) < h.base {
		return h, errBadChunk
	}
	return h, r.err
}

// decodeChunk turns a format 3 blob into the index's chunk num, with every
// event's distinct id when k has keepDIDs (else the heartbeats' only, and
// every event's class under cls when k has keepClass) and the events'
// offsets by name when it has keepNames. nameKind
// gives each event name's family flags; mapTups turns the blob's tuples
// into the index's tuple ids. It returns errOtherKeys for a blob whose
// tuples were computed for other keys than keys, errBadChunk for one it
// cannot read. The columns are copied as they are (copyLE) and checked
// with a pass each, so a 30-day query's hundreds of chunks decode at
// memory speed.
func decodeChunk(b []byte, num int64, keys [3]string, nameKind []uint16, k keep, cls *classes,
	mapTups func([]Tuple) []uint32) (*chunk, error) {
	r := &blobReader{b: b}
	h, err := readHead(r, keys)
	if err != nil {
		return nil, err
	}
	n := h.n
	c := &chunk{firstID: num*chunkSize + 1, at: num, base: h.base, minMs: h.minMs, maxMs: h.maxMs,
		msk: make([]uint16, n)}
	if h.flags&wideSec != 0 {
		c.wide = make([]int32, n)
		copyLE32(c.wide, r.take(4*n))
	} else {
		c.sec = make([]uint16, n)
		copyLE16(c.sec, r.take(2*n))
	}
	copyLE16(c.msk, r.take(2*n))
	if r.err != nil || maxOf(c.msk) > 999 || !c.readKinds(r, h, nameKind, k&keepNames != 0) {
		return nil, errBadChunk
	}
	dids := r.take(4 * n)
	switch {
	case dids == nil:
	case k&keepDIDs != 0:
		c.did = make([]uint32, n)
		copyLE32(c.did, dids)
	default:
		c.hbDid = make([]uint32, len(c.hb))
		for j, o := range c.hb {
			c.hbDid[j] = binary.LittleEndian.Uint32(dids[4*int(o):])
		}
		if k&keepClass != 0 && cls != nil {
			if c.pcls, err = classesOf(dids, n, cls); err != nil {
				return nil, err
			}
			c.pclsGen = cls.gen
		}
	}
	top := 0
	if h.flags&wideTup != 0 {
		c.tupW = make([]uint16, n)
		copyLE16(c.tupW, r.take(2*n))
		top = int(maxOf(c.tupW))
	} else {
		c.tup = make([]uint8, n)
		copy(c.tup, r.take(n))
		for _, v := range c.tup {
			top = max(top, int(v))
		}
	}
	if r.err != nil || len(r.b) != 0 || top >= len(h.tups) {
		return nil, errBadChunk
	}
	c.tupIDs = mapTups(h.tups) // c.ps stays nil: the chunk is posted
	return c, nil
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

// decodeRest reads k (every event's distinct id or its class under cls,
// the offsets by name) from the format 3 blob c was decoded from without
// them: the distinct ids or classes, and the name lists in a chunk of
// their own, for the caller to install in c under the write lock.
func decodeRest(b []byte, keys [3]string, c *chunk, k keep, cls *classes) (dids []uint32, pcls []uint8, names *chunk, err error) {
	r := &blobReader{b: b}
	h, err := readHead(r, keys)
	n := c.len()
	if err != nil || h.n != n {
		return nil, nil, nil, errBadChunk
	}
	secW, nameW := 2, 1
	if h.flags&wideSec != 0 {
		secW = 4
	}
	if h.flags&wideName != 0 {
		nameW = 2
	}
	r.take((secW + 2) * n)
	col := r.take(nameW * n)
	raw := r.take(4 * n)
	if raw == nil {
		return nil, nil, nil, errBadChunk
	}
	if k&keepNames != 0 {
		names = &chunk{}
		if nameW == 2 {
			local := make([]uint16, n)
			copyLE16(local, col)
			if int(maxOf(local)) >= len(h.names) {
				return nil, nil, nil, errBadChunk
			}
			listNames(names, h.names, local, nil)
		} else {
			for _, l := range col {
				if int(l) >= len(h.names) {
					return nil, nil, nil, errBadChunk
				}
			}
			listNames(names, h.names, col, nil)
		}
	}
	if k&keepDIDs != 0 {
		dids = make([]uint32, n)
		copyLE32(dids, raw)
	} else if k&keepClass != 0 && cls != nil {
		if pcls, err = classesOf(raw, n, cls); err != nil {
			return nil, nil, nil, err
		}
	}
	return dids, pcls, names, nil
}
