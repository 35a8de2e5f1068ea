package index

import (
	"slices"
	"sync"
)

// Columns derived from event properties for the dashboard panes. They are
// built on the first pane query that needs them, from the install ids
// preparePanes reads (postings, or the propsets of chunks built from
// rows), and extended as events arrive; an event never changes, so
// nothing derived here is ever recomputed.
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
// number) whose install ids iid holds (preparePanes read them) and returns
// a view of them; x.mu must be held for reading.
func (x *Index) pairs(todo []int, iid map[int64]*keyCol) pairView {
	d := x.der
	d.mu.Lock()
	defer d.mu.Unlock()
	d.chunks = grow(d.chunks, int64(len(x.chunks)-1))
	v := pairView{chunks: make([]chunkPairs, len(x.chunks))}
	var dv *deriving
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
			if dv == nil {
				dv = d.newDeriving(len(x.dids))
			}
			dv.chunk(ci, cp, c, col)
		}
		v.chunks[ci] = chunkPairs{loc: cp.loc, tab: cp.tab}
	}
	v.pairIID = d.pairIID
	v.nIID, v.nPair = uint32(len(d.iidVals)), uint32(len(d.pairIID))
	return v
}

// deriving is one pairs call's scratch: plain arrays instead of maps for
// most events (at 10M events the maps took 0.55 s of a fresh process's
// first 30-day dashboard). A distinct id mostly keeps one install id, so
// its last one and their pair spare the store-wide map; a pair's index in
// the chunk being derived is stamped by pair id.
type deriving struct {
	d       *derived
	lastIID []uint32 // per distinct id: the install id last seen with it
	lastP   []uint32 // ... and their pair (0: none seen yet)
	stamp   []int32  // per pair id: 1 + the chunk whose index loc holds
	loc     []uint16
}

func (d *derived) newDeriving(dids int) *deriving {
	return &deriving{d: d, lastIID: make([]uint32, dids), lastP: make([]uint32, dids)}
}

// chunk derives the pairs of c's events from len(cp.loc) up to what col
// holds.
func (dv *deriving) chunk(ci int, cp *chunkPairs, c *chunk, col *keyCol) {
	end := min(c.len(), col.n)
	tag := int32(ci) + 1
	for l, p := range cp.tab { // the chunk's pairs so far (it was derived in part)
		dv.note(p, tag, uint16(l))
	}
	cp.loc = slices.Grow(cp.loc, end-len(cp.loc))
	for i := len(cp.loc); i < end; i++ {
		did, id := c.did[i], col.get(i)
		var p uint32
		switch {
		case id == 0:
		case int(did) < len(dv.lastP) && dv.lastP[did] != 0 && dv.lastIID[did] == id:
			p = dv.lastP[did]
		default:
			p = dv.d.pair(id, did)
			if int(did) < len(dv.lastP) {
				dv.lastIID[did], dv.lastP[did] = id, p
			}
		}
		if int(p) < len(dv.stamp) && dv.stamp[p] == tag {
			cp.loc = append(cp.loc, dv.loc[p])
			continue
		}
		l := uint16(len(cp.tab))
		cp.tab = append(cp.tab, p)
		dv.note(p, tag, l)
		cp.loc = append(cp.loc, l)
	}
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
