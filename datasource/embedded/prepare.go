package embedded

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/google/uuid"
)

// prepped is an event made ready for the writer by its caller: everything
// that needs no database and no cache (hashing the properties, reading
// the person update, parsing the UUID) happens in Ingest, on the caller's
// goroutine, so many callers do it in parallel and the single writer only
// looks up, inserts and commits.
type prepped struct {
	skip  outcome // outDropped, or outStored for events to write
	why   error   // why an event with properties that cannot be stored is dropped
	ts    int64   // ms
	didH  h128
	set   h128  // sum of the pairs' hashes
	pairs []kvh // the event's own properties with their hashes
	upd   personUpdate
	pu    any      // person_update column: JSON text or nil
	uid   any      // 16 bytes or nil
	uuid  [16]byte // uid's bytes
}

// prepare makes evs ready for the writer. It only reads state that never
// changes after Open (hash seeds, Mapping keys, clock), so it runs on any
// goroutine.
func (w *writer) prepare(evs []Event) []prepped {
	out := make([]prepped, len(evs))
	n := 0
	for i := range evs {
		n += len(evs[i].Properties)
	}
	backing := make([]kvh, 0, n)
	var buf []byte
	for i := range evs {
		ev, pp := &evs[i], &out[i]
		if ev.Name == "" || ev.DistinctID == "" {
			pp.skip = outDropped
			continue
		}
		start := len(backing)
		for k, v := range ev.Properties {
			if isPersonKey(k) {
				continue
			}
			if strings.IndexByte(k, 0) >= 0 {
				// SQLite's JSON functions end a key at NUL: "k\x00a" and
				// "k\x00b" would both read back as "k", one value lost.
				k = strings.ReplaceAll(k, "\x00", "\uFFFD")
			}
			var h h128
			var err error
			h, buf, err = w.pairHashBuf(k, v, buf)
			if err != nil {
				pp.skip, pp.why = outDropped, err
				break
			}
			pp.set.add(h)
			backing = append(backing, kvh{k, v, h})
		}
		if pp.skip != outStored {
			backing = backing[:start]
			continue
		}
		pp.pairs = backing[start:len(backing):len(backing)]
		pp.set.add(h128{uint64(len(pp.pairs)), 1})
		w.prepareRest(ev, pp)
	}
	return out
}

// prepareRest settles the timestamp, distinct id hash, person update and
// UUID of an event to write.
func (w *writer) prepareRest(ev *Event, pp *prepped) {
	pp.ts = ev.Timestamp.UnixMilli()
	if ev.Timestamp.IsZero() || pp.ts < 0 || pp.ts/1000 > math.MaxUint32 {
		// The index keeps seconds in a uint32; a time outside 1970..2106
		// is a broken client clock, so it is stored as received, like a
		// missing one.
		pp.ts = w.now().UnixMilli()
	}
	pp.didH = w.h.str(ev.DistinctID)
	pp.upd = personUpdateOf(ev.Properties)
	if !pp.upd.empty() {
		b, err := json.Marshal(pp.upd.record())
		if err != nil {
			pp.skip, pp.why = outDropped, fmt.Errorf("%w: person update: %v", errUnencodable, err)
			return
		}
		pp.pu = string(b)
	}
	if ev.UUID != "" {
		if u, err := uuid.Parse(ev.UUID); err == nil {
			pp.uuid = u
			pp.uid = pp.uuid[:] // no copy of its own: pp lives as long as the request
		}
	}
}

// pairHashBuf is pairHash with the caller's scratch buffer.
func (w *writer) pairHashBuf(k string, v any, buf []byte) (h128, []byte, error) {
	hk := w.h.str(k)
	if s, ok := v.(string); ok {
		return pairHash(hk, w.h.str(s), 's'), buf, nil
	}
	b, err := appendValueJSON(buf[:0], v)
	if err != nil {
		return h128{}, b, fmt.Errorf("%w: %s: %v", errUnencodable, k, err)
	}
	return pairHash(hk, w.h.bytes(b), 'j'), b, nil
}
