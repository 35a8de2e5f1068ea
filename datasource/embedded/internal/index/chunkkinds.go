package index

import "slices"

// A chunk's name column at decode: the family flags of each event, the
// families' offset lists and, when a query reads them, the offsets by
// name (chunkfmt.go has the rest of the format).

// readKinds reads the name column and sets the family flags and lists,
// and the offsets by name when names is set.
func (c *chunk) readKinds(r *blobReader, h blobHead, nameKind []uint16, names bool) bool {
	kinds := make([]uint16, max(len(h.names), 256))
	for l, nm := range h.names {
		if int(nm) < len(nameKind) {
			kinds[l] = nameKind[nm]
		}
	}
	n := len(c.msk)
	cnt := make([]int, len(kinds)) // events per local name
	if h.flags&wideName != 0 {
		local := make([]uint16, n)
		copyLE16(local, r.take(2*n))
		if r.err != nil || int(maxOf(local)) >= len(h.names) {
			return false
		}
		for i, l := range local {
			c.msk[i] |= kinds[l]
			cnt[l]++
		}
		if names {
			listNames(c, h.names, local, cnt)
		}
	} else {
		b := r.take(n)
		if b == nil {
			return false
		}
		narrow, counts := (*[256]uint16)(kinds[:256]), (*[256]int)(cnt[:256])
		top := byte(0)
		for i, l := range b[:n] {
			top = max(top, l)
			c.msk[i] |= narrow[l]
			counts[l]++
		}
		if int(top) >= len(h.names) {
			return false
		}
		if names {
			listNames(c, h.names, b[:n], cnt)
		}
	}
	c.familyLists(kinds[:len(h.names)], cnt)
	return true
}

// familyLists fills c.hb, c.er and c.tm from the family flags in c.msk,
// given the kinds and event counts per local name. When the names are
// listed and a family comes from one name (heartbeats are one event
// name), its list is a copy of that name's; otherwise one pass over the
// flags fills them all.
func (c *chunk) familyLists(kinds []uint16, cnt []int) {
	flags := [3]uint16{kHB, kER, kTM}
	var total [3]int
	from := [3]int{-1, -1, -1} // the one name's place in nmOff; -2: several names
	slot := 0
	for l, kind := range kinds {
		if cnt[l] == 0 {
			continue
		}
		for f, flag := range flags {
			if kind&flag == 0 {
				continue
			}
			total[f] += cnt[l]
			if from[f] == -1 {
				from[f] = slot
			} else {
				from[f] = -2
			}
		}
		slot++
	}
	listed := c.nmOff != nil && slot == len(c.nmOff)
	lists := [3]*[]uint16{&c.hb, &c.er, &c.tm}
	scan := false
	for f := range lists {
		scan = scan || total[f] > 0 && (!listed || from[f] < 0)
	}
	for f, l := range lists {
		if !scan && total[f] > 0 {
			*l = slices.Clone(c.nmOff[from[f]])
		} else {
			*l = make([]uint16, 0, total[f])
		}
	}
	if !scan {
		return
	}
	for i, k := range c.msk {
		if k > msMask {
			c.addKind(i, k)
		}
	}
}

// maxOf is the largest value of s (0 for an empty one).
func maxOf(s []uint16) uint16 {
	var m uint16
	for _, v := range s {
		m = max(m, v)
	}
	return m
}
