package index

// Family flags live in the top bits of chunk.msk; the low 10 bits hold the
// millisecond part of the timestamp.
const (
	kHB    uint16 = 1 << 10
	kER    uint16 = 1 << 11
	kTM    uint16 = 1 << 12
	msMask uint16 = 1<<10 - 1
)

// chunk holds the events of one id range (chunkSize ids) in columns of
// what every figure needs: about 10 bytes per event. Names are reduced to
// family flags (the Mapping is fixed per Store), persons are reached
// through the distinct id, the Mapping's properties through the chunk's
// attribute tuples, everything else through the property postings (or the
// propset, in chunks built from rows). Each chunk keeps its time bounds,
// so a 24h query skips most of a 30-day store.
type chunk struct {
	// Event i is at (base+sec[i])*1000 + msk[i]&msMask unix ms. sec is
	// nil in a chunk that spans more than 65,535 s (a small store's
	// month); wide holds its seconds instead, which may be negative when
	// events came out of order.
	base int64
	sec  []uint16
	wide []int32
	msk  []uint16 // ms | family flags
	// did is each event's distinct_ids.id. A saved chunk decodes it only
	// for a query that reads every event's person (a person filter, a
	// pane, a drill; keepDIDs); until then hbDid holds the heartbeats'
	// distinct ids in hb's order, all an unfiltered Snapshot reads, and
	// is dropped once did is there (hbDID reads either).
	did   []uint32
	hbDid []uint32
	// pcls is each event's class under classification pclsGen instead
	// of did, in a lean process (lean.go); nil otherwise.
	pcls    []uint8
	pclsGen uint32
	// tup[i] indexes tupIDs, the chunk's attribute tuples as the index's
	// tuple ids (index.tups): a chunk holds a few dozen. In one with more
	// than 256, tupW holds the indexes instead and tup is nil.
	tup    []uint8
	tupW   []uint16
	tupIDs []uint32
	tupLoc map[uint32]uint16 // tupIDs' inverse while add fills the chunk
	// ps is each event's propsets.id, kept only in chunks built from rows
	// (the events after the last saved chunk); nil in a decoded one.
	// rowsOnly marks a full one whose saved blob the index cannot use.
	ps           []uint32
	rowsOnly     bool
	firstID      int64
	at           int64   // the chunk's number: its ids are at*chunkSize+1 ..
	ids          []int64 // nil while the events' ids are firstID+i
	minMs, maxMs int64
	// hb, er and tm list the offsets of the heartbeats, errors and timers
	// (about 1.5 bytes per event), so a scan of a chunk inside the range
	// visits each family in a tight loop instead of testing every event.
	hb, er, tm []uint16
	// nmTab lists the chunk's event names (event_names ids) and nmOff[l]
	// the offsets of the events named nmTab[l], in order (2 bytes per
	// event): a dashboard pane visits only the events of its names, and
	// reads an event's name from the list it is on. Both are nil in a
	// saved chunk decoded for queries that do not read them (keepNames).
	nmTab []uint32
	nmOff [][]uint16
	nmLoc map[uint32]uint16 // nmTab's inverse while add fills the chunk
}

// hbDID is the distinct id of c's j-th heartbeat, event i (c.hb[j]).
func (c *chunk) hbDID(j, i int) uint32 {
	if c.hbDid != nil {
		return c.hbDid[j]
	}
	return c.did[i]
}

// len is the number of events in c.
func (c *chunk) len() int { return len(c.msk) }

func (c *chunk) id(i int) int64 {
	if c.ids == nil {
		return c.firstID + int64(i)
	}
	return c.ids[i]
}

func (c *chunk) ms(i int) int64 {
	if c.sec == nil {
		return (c.base+int64(c.wide[i]))*1000 + int64(c.msk[i]&msMask)
	}
	return (c.base+int64(c.sec[i]))*1000 + int64(c.msk[i]&msMask)
}

// tupOf is event i's attribute tuple as the index's tuple id.
func (c *chunk) tupOf(i int) uint32 {
	if c.tupW != nil {
		return c.tupIDs[c.tupW[i]]
	}
	return c.tupIDs[c.tup[i]]
}

// add appends an event to c; ids must come in increasing order. tup is the
// index's tuple id.
func (c *chunk) add(id, ts int64, kind uint16, name, did, ps, tup uint32) {
	i := c.len()
	if i == 0 {
		c.firstID, c.minMs, c.maxMs = id, ts, ts
		c.at = (id - 1) / chunkSize
		c.base, c.wide = floorDiv(ts, 1000), nil
		c.sec = make([]uint16, 0, 64)
	}
	if c.ids == nil && id != c.firstID+int64(i) {
		c.ids = make([]int64, i, chunkSize)
		for j := range c.ids {
			c.ids[j] = c.firstID + int64(j)
		}
	}
	if c.ids != nil {
		c.ids = append(c.ids, id)
	}
	c.addTime(ts)
	c.msk = append(c.msk, uint16(ts-floorDiv(ts, 1000)*1000)|kind)
	c.addKind(i, kind)
	c.addName(i, name)
	if kind&kHB != 0 {
		c.hbDid = append(c.hbDid, did)
	}
	c.did = append(c.did, did)
	c.ps = append(c.ps, ps)
	c.addTuple(c.localTuple(tup))
	c.minMs = min(c.minMs, ts)
	c.maxMs = max(c.maxMs, ts)
	if int64(c.len()) >= chunkSize {
		c.tupLoc, c.nmLoc = nil, nil
	}
}

// addTime appends ts's seconds, widening the column when they leave what
// 16 bits hold.
func (c *chunk) addTime(ts int64) {
	s := floorDiv(ts, 1000) - c.base
	if c.sec != nil && (s < 0 || s > 1<<16-1) {
		c.wide = make([]int32, len(c.sec), cap(c.sec))
		for j, v := range c.sec {
			c.wide[j] = int32(v)
		}
		c.sec = nil
	}
	if c.sec != nil {
		c.sec = append(c.sec, uint16(s))
	} else {
		c.wide = append(c.wide, int32(s))
	}
}

// addTuple appends a local tuple index, widening the column past 256.
func (c *chunk) addTuple(l uint16) {
	if c.tupW == nil && l > 255 {
		c.tupW = make([]uint16, len(c.tup), cap(c.tup))
		for j, v := range c.tup {
			c.tupW[j] = uint16(v)
		}
		c.tup = nil
	}
	if c.tupW != nil {
		c.tupW = append(c.tupW, l)
	} else {
		c.tup = append(c.tup, uint8(l))
	}
}

// localTuple maps an index tuple id to its place in c.tupIDs.
func (c *chunk) localTuple(tup uint32) uint16 {
	l, _ := internLocal(&c.tupLoc, &c.tupIDs, tup)
	return l
}

// internLocal returns id's place in tab, appending it when new (added
// says so); loc, tab's inverse, is built on first use: a decoded chunk
// has tab alone until events are added to it.
func internLocal(loc *map[uint32]uint16, tab *[]uint32, id uint32) (l uint16, added bool) {
	if *loc == nil {
		*loc = make(map[uint32]uint16, len(*tab))
		for l, t := range *tab {
			(*loc)[t] = uint16(l)
		}
	}
	l, ok := (*loc)[id]
	if !ok {
		l = uint16(len(*tab))
		*tab = append(*tab, id)
		(*loc)[id] = l
	}
	return l, !ok
}

// addKind lists offset i under the families kind flags.
func (c *chunk) addKind(i int, kind uint16) {
	if kind&kHB != 0 {
		c.hb = append(c.hb, uint16(i))
	}
	if kind&kER != 0 {
		c.er = append(c.er, uint16(i))
	}
	if kind&kTM != 0 {
		c.tm = append(c.tm, uint16(i))
	}
}

// addName lists offset i under its event name. Chunks filled event by
// event find a name's list through nmLoc until they are full.
func (c *chunk) addName(i int, name uint32) {
	l, added := internLocal(&c.nmLoc, &c.nmTab, name)
	if added {
		c.nmOff = append(c.nmOff, nil)
	}
	c.nmOff[l] = append(c.nmOff[l], uint16(i))
}

// listNames fills c's nmTab and nmOff from a decoded chunk's names
// (local[i] indexes names): one backing array, cut per name. cnt holds
// the events per local name when the caller counted them (nil: counted
// here).
func listNames[T uint8 | uint16](c *chunk, names []uint32, local []T, cnt []int) {
	if cnt == nil {
		cnt = make([]int, len(names))
		for _, l := range local {
			cnt[l]++
		}
	}
	all := make([]uint16, len(local))
	c.nmTab = make([]uint32, 0, len(names))
	c.nmOff = make([][]uint16, 0, len(names))
	pos := make([]int, len(names)) // where names[l]'s next offset goes in all
	at := 0
	for l, n := range cnt[:len(names)] {
		pos[l] = at
		if n == 0 {
			continue
		}
		c.nmTab = append(c.nmTab, names[l])
		c.nmOff = append(c.nmOff, all[at:at+n:at+n])
		at += n
	}
	for i, l := range local {
		all[pos[l]] = uint16(i)
		pos[l]++
	}
}

// appendEvent adds one event to its chunk, x.chunks[(id-1)/chunkSize].
// x.mu must be held for writing.
func (x *Index) appendEvent(id, ts int64, kind uint16, name, did, ps, tup uint32) {
	num := (id - 1) / chunkSize
	x.chunks = grow(x.chunks, num)
	c := x.chunks[num]
	if c == nil {
		c = &chunk{firstID: id}
		x.chunks[num] = c
	}
	c.add(id, ts, kind, name, did, ps, tup)
	x.nEvents++
}
