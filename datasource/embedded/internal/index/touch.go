package index

// touchLog records which minutes the events added to the index fell in,
// so that a pane's bucket counted earlier can be kept until an event
// lands in it (panecache.go). Events mostly arrive for now, so the log
// grows by a run of minutes per catch-up; a backfill or a loaded chunk
// adds the span it covers.
type touchLog struct {
	seq     uint64 // bumped by every batch
	entries []touch
	floor   uint64 // spans up to floor were dropped
}

type touch struct {
	seq    uint64
	lo, hi int64 // minutes since the epoch, inclusive
}

// maxTouches bounds the log; a bucket counted before the spans it drops
// is counted again.
const maxTouches = 1 << 14

const minuteMs = 60_000

// begin starts a batch of spans (one catch-up, one chunk loaded); x.mu
// must be held for writing.
func (l *touchLog) begin() { l.seq++ }

// span notes that events between lo and hi (ms) were added in the
// current batch; x.mu must be held for writing.
func (l *touchLog) span(lo, hi int64) {
	lo, hi = floorDiv(lo, minuteMs), floorDiv(hi, minuteMs)
	if n := len(l.entries); n > 0 {
		if e := &l.entries[n-1]; e.seq == l.seq && lo >= e.lo-1 && hi <= e.hi+1 {
			e.lo, e.hi = min(e.lo, lo), max(e.hi, hi)
			return
		}
	}
	if len(l.entries) >= maxTouches {
		l.floor = l.entries[len(l.entries)/2].seq
		l.entries = append(l.entries[:0], l.entries[len(l.entries)/2:]...)
	}
	l.entries = append(l.entries, touch{seq: l.seq, lo: lo, hi: hi})
}

// clean reports whether no event was added in [from, to) (ms) after seq;
// x.mu must be held for reading.
func (l *touchLog) clean(seq uint64, from, to int64) bool {
	if seq < l.floor {
		return false
	}
	lo, hi := floorDiv(from, minuteMs), floorDiv(to-1, minuteMs)
	for j := len(l.entries) - 1; j >= 0 && l.entries[j].seq > seq; j-- {
		if e := l.entries[j]; e.lo <= hi && e.hi >= lo {
			return false
		}
	}
	return true
}
