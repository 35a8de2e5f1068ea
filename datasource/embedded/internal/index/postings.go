package index

import (
	"encoding/binary"
	"slices"
)

// Postings say which events of a chunk carry which property value: for
// each event property key (prop_keys.id) that occurs in the chunk, the
// pairs (pairs.id, a key with one value) of that key, each with the
// offsets of the events whose propset holds it. They are saved with the
// chunk's blob, one index_postings row per key, so an event filter reads
// the postings of its key for the chunks of its range instead of every
// propset of the store. A pair whose value is null is listed like any
// other; a reader treats it as not set, as filters do.
//
// Encoding of one key's postings (uvarints): the number of pairs, then per
// pair in ascending id order the id as a delta from the previous one, the
// number of events, and their offsets as deltas from the previous one
// (the first from 0).

// KeyPair is one property of a propset as postings list it.
type KeyPair struct {
	Key  uint32 // prop_keys.id
	Pair uint32 // pairs.id
}

// EncodeKeyPairs packs a propset's properties into the compact string the
// writer keeps per cached propset and hands to OpenChunk.Add.
func EncodeKeyPairs(kps []KeyPair) string { return string(AppendKeyPairs(nil, kps)) }

// AppendKeyPairs is EncodeKeyPairs into the caller's buffer.
func AppendKeyPairs(b []byte, kps []KeyPair) []byte {
	b = binary.AppendUvarint(b, uint64(len(kps)))
	for _, kp := range kps {
		b = binary.AppendUvarint(b, uint64(kp.Key))
		b = binary.AppendUvarint(b, uint64(kp.Pair))
	}
	return b
}

// eachKeyPair calls fn for each property packed by EncodeKeyPairs; it
// stops at a malformed string.
func eachKeyPair(s string, fn func(key, pair uint32)) {
	n, i, ok := strUvarint(s, 0)
	for ; ok && n > 0; n-- {
		var key, pair uint64
		if key, i, ok = strUvarint(s, i); !ok {
			return
		}
		if pair, i, ok = strUvarint(s, i); !ok {
			return
		}
		fn(uint32(key), uint32(pair))
	}
}

// strUvarint reads the uvarint at s[i:] without copying s.
func strUvarint(s string, i int) (v uint64, next int, ok bool) {
	for shift := 0; i < len(s) && shift < 64; shift += 7 {
		b := s[i]
		i++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, i, true
		}
	}
	return 0, i, false
}

// Posting is one key's postings in one chunk, as index_postings holds them.
type Posting struct {
	Key  uint32
	Data []byte
}

// postingsBuilder collects a chunk's postings event by event. Keys are
// prop_keys ids, small and dense in practice: they index a slice, and
// only a store with thousands of keys uses the map.
type postingsBuilder struct {
	dense [][]uint64          // key -> pair<<16 | offset, in the order added
	more  map[uint32][]uint64 // keys past denseKeys
}

const denseKeys = 1 << 12

func (p *postingsBuilder) reset() {
	for k := range p.dense {
		p.dense[k] = p.dense[k][:0]
	}
	p.more = nil
}

// add records that the event at offset carries pair of key.
func (p *postingsBuilder) add(offset int, key, pair uint32) {
	e := uint64(pair)<<16 | uint64(offset)
	if key >= denseKeys {
		if p.more == nil {
			p.more = map[uint32][]uint64{}
		}
		p.more[key] = append(p.more[key], e)
		return
	}
	if int(key) >= len(p.dense) {
		p.dense = append(p.dense, make([][]uint64, int(key)+1-len(p.dense))...)
	}
	p.dense[key] = append(p.dense[key], e)
}

// addPacked records the properties packed in kps (EncodeKeyPairs).
func (p *postingsBuilder) addPacked(offset int, kps string) {
	eachKeyPair(kps, func(key, pair uint32) { p.add(offset, key, pair) })
}

// postings encodes what was added, one Posting per key in ascending key
// order.
func (p *postingsBuilder) postings() []Posting {
	var out []Posting
	for k, es := range p.dense {
		if len(es) > 0 {
			out = append(out, Posting{Key: uint32(k), Data: encodePostings(es)})
		}
	}
	keys := make([]uint32, 0, len(p.more))
	for k := range p.more {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, Posting{Key: k, Data: encodePostings(p.more[k])})
	}
	return out
}

// encodePostings writes entries (pair<<16 | offset) as one key's postings.
func encodePostings(es []uint64) []byte {
	slices.Sort(es)
	es = slices.Compact(es)
	var b []byte
	pairs := 0
	for i := range es {
		if i == 0 || es[i]>>16 != es[i-1]>>16 {
			pairs++
		}
	}
	b = binary.AppendUvarint(b, uint64(pairs))
	prevPair := uint64(0)
	for i := 0; i < len(es); {
		pair := es[i] >> 16
		j := i
		for j < len(es) && es[j]>>16 == pair {
			j++
		}
		b = binary.AppendUvarint(b, pair-prevPair)
		b = binary.AppendUvarint(b, uint64(j-i))
		prevOff := uint64(0)
		for _, e := range es[i:j] {
			off := e & 0xffff
			b = binary.AppendUvarint(b, off-prevOff)
			prevOff = off
		}
		prevPair, i = pair, j
	}
	return b
}

// eachPosting calls fn for each pair of one key's postings with the
// offsets of its events (a buffer fn must not keep); no data is no pairs.
// It returns false for data it cannot read, or offsets at or past n.
func eachPosting(data []byte, n int, fn func(pair uint32, offs []uint16)) bool {
	if len(data) == 0 {
		return true
	}
	b := data
	pairs, ok := nextUvarint(&b)
	var offs []uint16
	pair := uint64(0)
	for range pairs {
		d, ok1 := nextUvarint(&b)
		cnt, ok2 := nextUvarint(&b)
		pair += d
		if !ok || !ok1 || !ok2 || cnt > uint64(n) || pair > 1<<32-1 {
			return false
		}
		offs = offs[:0]
		off := uint64(0)
		for range cnt {
			// Offsets are ascending and close: one byte or two each,
			// read here (spreadIIDs too): a helper is not inlined and
			// made this a third slower.
			if len(b) > 0 && b[0] < 0x80 {
				off += uint64(b[0])
				b = b[1:]
			} else if len(b) > 1 && b[1] < 0x80 {
				off += uint64(b[0]&0x7f) | uint64(b[1])<<7
				b = b[2:]
			} else {
				d, ok := nextUvarint(&b)
				if !ok {
					return false
				}
				off += d
			}
			if off >= uint64(n) {
				return false
			}
			offs = append(offs, uint16(off))
		}
		fn(uint32(pair), offs)
	}
	return ok
}

// nextUvarint reads an unsigned varint off the front of *b; false when
// there is none.
func nextUvarint(b *[]byte) (uint64, bool) {
	v, k := binary.Uvarint(*b)
	if k <= 0 {
		*b = nil
		return 0, false
	}
	*b = (*b)[k:]
	return v, true
}
