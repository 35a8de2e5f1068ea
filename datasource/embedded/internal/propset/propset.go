// Package propset is the encoding of a stored propset: the sorted ids of
// its key/value pairs (rows of the pairs table), as the propsets.pairs
// blob holds them. The writer encodes, the index and drill fetches decode.
package propset

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Append writes a propset's pair ids: count, then the ids ascending as
// deltas, all uvarints. The order makes equal sets encode equally.
func Append(b []byte, ids []uint32) []byte {
	slices.Sort(ids)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	prev := uint32(0)
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(id-prev))
		prev = id
	}
	return b
}

// ErrCorrupt is returned for a blob that is not a pair list.
var ErrCorrupt = errors.New("embedded: corrupt propset")

// Decode appends the pair ids encoded in b to dst.
func Decode(dst []uint32, b []byte) ([]uint32, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return dst, ErrCorrupt
	}
	b = b[k:]
	prev := uint32(0)
	for range n {
		d, k := binary.Uvarint(b)
		if k <= 0 {
			return dst, ErrCorrupt
		}
		b = b[k:]
		prev += uint32(d)
		dst = append(dst, prev)
	}
	return dst, nil
}
