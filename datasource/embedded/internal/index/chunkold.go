package index

import "encoding/binary"

// Format 2 is the blob ttmon wrote before schema 4: one column at a time
// as varints, without postings. Migration 4 (UpgradeChunks) reads each
// one back into its rows and saves it again in the current format with
// its postings, so a store written by an older ttmon needs no rebuild
// from its events.
const format2 = 2

// decodeRows2 reads a format 2 blob back into the rows it was made from
// and the Mapping keys its tuples were computed for, for encodeChunk to
// write again in the current format. It returns errBadChunk for a blob it
// cannot read.
func decodeRows2(b []byte, num int64) (*chunkRows, [3]string, error) {
	r := &blobReader{b: b}
	var keys [3]string
	if r.uvarint() != format2 {
		return nil, keys, errBadChunk
	}
	n := int(r.uvarint())
	if int64(n) > chunkSize || n == 0 {
		return nil, keys, errBadChunk
	}
	for i := range keys {
		keys[i] = r.str()
	}
	nt := r.uvarint()
	if r.err != nil || nt > uint64(n) {
		return nil, keys, errBadChunk
	}
	tups := make([]Tuple, nt)
	for i := range tups {
		for j := range 3 {
			if r.uvarint() == 1 {
				tups[i].ok[j], tups[i].v[j] = true, r.str()
			}
		}
	}
	rows := &chunkRows{num: num, ts: make([]int64, n), name: make([]uint32, n), did: make([]uint32, n),
		ps: make([]uint32, n), tup: make([]*Tuple, n)}
	prev := int64(0)
	for i := range n {
		prev += r.varint()
		rows.ts[i] = prev
	}
	r.column(rows.name)
	r.column(rows.did)
	r.column(rows.ps)
	local := make([]uint32, n)
	r.column(local)
	if r.err != nil {
		return nil, keys, r.err
	}
	for i, t := range local {
		if uint64(t) >= nt {
			return nil, keys, errBadChunk
		}
		rows.tup[i] = &tups[t]
	}
	return rows, keys, nil
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

// encodeChunk2 is format 2's encoder as ttmon shipped it (kept for the
// tests of migration 4, WriteFormat2): the format, the count, the keys,
// the distinct tuples, then the timestamps as zigzag deltas and the names,
// distinct ids, propsets and tuple indexes as uvarints.
func encodeChunk2(r *chunkRows, keys [3]string) []byte {
	b := binary.AppendUvarint(nil, format2)
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
	b = appendTuples(b, order)
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
