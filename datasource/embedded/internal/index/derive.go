package index

import (
	"slices"
	"sync"
)

// Columns derived from event properties for the dashboard panes. They are
// built on the first pane query that needs them, from the install ids
// preparePanes reads (derivePairs: a saved chunk's postings, the propsets
// of a chunk built from rows), and extended as events arrive; an event
// never changes, so nothing derived here is ever recomputed.
//
// A pane counts installations by their key (datasource.InstallKeyProperty,
// else the person) and users by the pair (installation key, distinct id).
// The person of a distinct id changes when persons merge, so what is
// derived is only the install id: each event gets a user pair id when its
// install id is set and not empty (0 otherwise: its key is its person, and
// its user its distinct id), kept per chunk as a 2-byte local index into
// the chunk's list of pairs.
type derived struct {
	mu      sync.Mutex
	iidVals []string            // install ids; 0 is "none"
	iidID   map[string]uint32   // inverse of iidVals
	pairIID []uint32            // pair id -> install id; pair 0 is "none"
	pairID  map[uint64]uint32   // install id << 32 | distinct id -> pair id
	pairMu  sync.Mutex          // pairIID and pairID among workers deriving under mu (sharedPair)
	chunks  []*chunkPairs       // per chunk number
	dicts   map[string]*valDict // breakdown properties' value ids (panesprep.go)
	gen     uint64              // bumped when dicts is cleared: value ids change
	// colBytes is what the dicts' kept columns hold (maxColBytes).
	colBytes int64
	colHits  int64 // columns read from the dicts (KeptColumnHits)
}

// chunkPairs is one chunk's user pairs: loc[i] indexes tab, which holds
// pair ids (tab[0] = 0: no install id).
type chunkPairs struct {
	loc []uint16
	tab []uint32
}

// pairView is what a pane scan reads of the derived pairs: a copy of the
// slice headers taken under derived.mu, valid while x.mu is held.
type pairView struct {
	chunks  []chunkPairs
	pairIID []uint32
	nIID    uint32 // install keys below nIID are install ids, the rest persons
	nPair   uint32 // user keys below nPair are pairs, the rest distinct ids
}

func newDerived() *derived {
	return &derived{iidVals: []string{""}, iidID: map[string]uint32{}, pairIID: []uint32{0},
		pairID: map[uint64]uint32{}, dicts: map[string]*valDict{}}
}

// pairs derives the user pairs of every event in the chunks todo (by
// number) whose install ids iid holds (derivePairs read them; nil when
// it derived them already) and returns a view of them; x.mu must be held
// for reading. Many chunks are derived on two cores.
func (x *Index) pairs(todo []int, iid map[int64]*keyCol) pairView {
	d := x.der
	d.mu.Lock()
	defer d.mu.Unlock()
	d.chunks = grow(d.chunks, int64(len(x.chunks)-1))
	v := pairView{chunks: make([]chunkPairs, len(x.chunks))}
	var work []int
	total := 0
	for _, ci := range todo {
		c := x.chunks[ci]
		cp := d.chunks[ci]
		if cp == nil {
			cp = &chunkPairs{tab: []uint32{0}}
			d.chunks[ci] = cp
		}
		// Events past what was read (arrived since) count under their
		// person for this query, and are derived by the next.
		if col := iid[int64(ci)]; col != nil && len(cp.loc) < min(c.len(), col.n) {
			work = append(work, ci)
			total += min(c.len(), col.n) - len(cp.loc)
		}
	}
	if len(work) > 0 {
		workers := min(scanWorkers(total), len(work))
		_ = onWorkers(workers, func(w int) error {
			dv := d.newDeriving(len(x.dids))
			for _, ci := range work[w*len(work)/workers : (w+1)*len(work)/workers] {
				dv.chunk(ci, d.chunks[ci], x.chunks[ci], iid[int64(ci)])
			}
			return nil
		})
	}
	for _, ci := range todo {
		cp := d.chunks[ci]
		v.chunks[ci] = chunkPairs{loc: cp.loc, tab: cp.tab}
	}
	v.pairIID = d.pairIID
	v.nIID, v.nPair = uint32(len(d.iidVals)), uint32(len(d.pairIID))
	return v
}

// deriving is one worker's scratch in a pairs call: plain arrays instead
// of maps for most events (at 10M events the maps took 0.55 s of a fresh
// process's first 30-day dashboard). A distinct id mostly keeps one
// install id, so its last one and their pair spare the store-wide map
// (and its lock: the workers share it under derived.pairMu); a pair's
// index in the chunk being derived is stamped by pair id.
type deriving struct {
	d     *derived
	dids  []didState // by distinct id
	gen   uint16     // the chunk fromPostings derives, for didState.slot
	stamp []int32    // per pair id: 1 + the chunk whose index loc holds
	loc   []uint16
	tab   []uint32 // scratch for a chunk's table
	col   []uint32 // scratch for a chunk's install ids (fromPostings)
}

// didState is what a deriving remembers of one distinct id, in one cache
// line: the install id last seen with it and their pair (0: none yet),
// and in slot (iid<<32 | gen<<16 | index) its install id and pair's
// index in the table of the chunk fromPostings derives, so that one
// compare finds most events' pairs.
type didState struct {
	slot uint64
	iid  uint32
	pair uint32
}

func (d *derived) newDeriving(dids int) *deriving {
	return &deriving{d: d, dids: make([]didState, dids)}
}

// chunk derives the pairs of c's events from len(cp.loc) up to what col
// holds.
func (dv *deriving) chunk(ci int, cp *chunkPairs, c *chunk, col *keyCol) {
	end := min(c.len(), col.n)
	tag := int32(ci) + 1
	for l, p := range cp.tab { // the chunk's pairs so far (it was derived in part)
		dv.note(p, tag, uint16(l))
	}
	// Locals, not fields, in the loop: the compiler keeps them in
	// registers (17 ns an event through the pointers, at 10M events).
	// The table grows in scratch and is kept at its size: growing it in
	// place left twice its bytes behind, in memory the process had never
	// touched (page faults were half of deriving a month at 10M events).
	loc, tab := slices.Grow(cp.loc, end-len(cp.loc)), append(dv.tab[:0], cp.tab...)
	st := dv.dids
	stamp, at := dv.stamp, dv.loc // note may grow them
	dense := col.dense
	for i := len(loc); i < end; i++ {
		did := c.did[i]
		var id uint32
		if dense != nil {
			id = dense[i]
		} else {
			id = col.get(i)
		}
		var p uint32
		switch {
		case id == 0:
		case int(did) < len(st) && st[did].pair != 0 && st[did].iid == id:
			p = st[did].pair
		default:
			p = dv.pairOf(id, did)
		}
		if int(p) < len(stamp) && stamp[p] == tag {
			loc = append(loc, at[p])
			continue
		}
		l := uint16(len(tab))
		tab = append(tab, p)
		dv.note(p, tag, l)
		stamp, at = dv.stamp, dv.loc
		loc = append(loc, l)
	}
	if len(tab) > len(cp.tab) {
		cp.tab = slices.Clone(tab)
	}
	cp.loc, dv.tab = loc, tab
}

// pairOf is the user pair of (install id, distinct id), id not 0.
func (dv *deriving) pairOf(id, did uint32) uint32 {
	if int(did) >= len(dv.dids) {
		return dv.d.sharedPair(id, did)
	}
	s := &dv.dids[did]
	if s.pair == 0 || s.iid != id {
		s.iid, s.pair = id, dv.d.sharedPair(id, did)
	}
	return s.pair
}

// note records that pair p has index l in the chunk tagged tag.
func (dv *deriving) note(p uint32, tag int32, l uint16) {
	for int(p) >= len(dv.stamp) {
		dv.stamp = append(dv.stamp, 0)
		dv.loc = append(dv.loc, 0)
	}
	dv.stamp[p], dv.loc[p] = tag, l
}

// internIID maps an install id to its number; 0 when it is missing or
// empty, which makes the event's person its installation key.
func (d *derived) internIID(v string, ok bool) uint32 {
	if !ok || v == "" {
		return 0
	}
	return internDict(&d.iidVals, d.iidID, v)
}

// sharedPair is pair for the workers of a pairs call, which holds d.mu.
func (d *derived) sharedPair(iid, did uint32) uint32 {
	d.pairMu.Lock()
	defer d.pairMu.Unlock()
	return d.pair(iid, did)
}

// pair returns the user pair of (install id, distinct id); 0 without an
// install id.
func (d *derived) pair(iid, did uint32) uint32 {
	if iid == 0 {
		return 0
	}
	k := uint64(iid)<<32 | uint64(did)
	id, ok := d.pairID[k]
	if !ok {
		id = uint32(len(d.pairIID))
		d.pairIID = append(d.pairIID, iid)
		d.pairID[k] = id
	}
	return id
}
