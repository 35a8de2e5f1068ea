package index

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ttmon/ttmon/datasource"
)

// keep says what a chunk's decoding keeps beyond what every query reads
// (times, families, tuples, the heartbeats' distinct ids).
type keep uint8

const (
	// keepDIDs keeps every event's distinct id: a person filter, a drill
	// or a pane reads each event's person.
	keepDIDs keep = 1 << iota
	// keepNames keeps the events' offsets by name (2 bytes an event): a
	// pane or a drill by name reads them; the built-in figures do not.
	keepNames
	// keepClass keeps every event's class (lean.go) instead of its
	// distinct id, for a lean process's person filter.
	keepClass
)

// prepare readies the index for a query on p: it decodes the saved chunks
// with events from from to the end of p's range, keeping k (and every
// event's distinct id for a person filter), loads the persons' properties
// when a person filter or a key of another scope than the event's needs
// them, and evaluates the event filters the attribute tuples cannot
// answer (from the postings of their keys).
func (x *Index) prepare(ctx context.Context, p *Plan, from int64, k keep, scope datasource.Scope, key string) error {
	// The persons are read (once per process) while the chunks decode:
	// both wait on SQLite, and neither needs the other.
	var persons chan error
	if (key != "" && scope != datasource.ScopeEvent) || p.hasPersonFilters() {
		persons = make(chan error, 1)
		go func() { persons <- x.needPersons(ctx) }()
	}
	if p.hasPersonFilters() {
		k |= keepDIDs
	}
	err := x.cover(ctx, from, p.to, k)
	if persons != nil {
		err = errors.Join(err, <-persons)
	}
	if err != nil {
		return err
	}
	return x.prepareEvents(ctx, p, from)
}

// lacks reports what of k chunk c, decoded from its blob, does not hold.
func (c *chunk) lacks(k keep, cls *classes) keep {
	var out keep
	if k&keepDIDs != 0 && c.did == nil {
		out |= keepDIDs
	}
	if k&keepClass != 0 && c.did == nil && (cls == nil || c.pclsGen != cls.gen) {
		out |= keepClass
	}
	if k&keepNames != 0 && c.nmTab == nil {
		out |= keepNames
	}
	return out
}

// lacking lists the decoded chunks with events in [from, to) that lack
// some of k.
func (x *Index) lacking(from, to int64, k keep) []savedEntry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []savedEntry
	for _, c := range x.chunks {
		if c != nil && c.len() > 0 && c.maxMs >= from && c.minMs < to && c.lacks(k, x.cls) != 0 {
			out = append(out, savedEntry{num: c.num(), minMs: c.minMs, maxMs: c.maxMs, n: c.len()})
		}
	}
	return out
}

// complete reads the blobs of the chunks of run (consecutive numbers)
// again for what they lack of k.
func (x *Index) complete(ctx context.Context, run []savedEntry, k keep) error {
	type rest struct {
		dids  []uint32
		pcls  []uint8
		names *chunk
	}
	x.mu.RLock()
	cls := x.cls
	x.mu.RUnlock()
	got := map[int64]rest{}
	err := rowsOf(ctx, x.db, `SELECT id, data FROM index_chunks WHERE id BETWEEN ? AND ? AND format = ?`,
		[]any{run[0].num, run[len(run)-1].num, chunkFormat}, func(r *sql.Rows) error {
			var num int64
			var blob sql.RawBytes
			if err := r.Scan(&num, &blob); err != nil {
				return err
			}
			x.blobsRead.Add(1)
			i := int(num - run[0].num)
			if i < 0 || i >= len(run) {
				return nil
			}
			x.mu.RLock()
			c := x.chunks[num]
			x.mu.RUnlock()
			if c == nil || c.len() != run[i].n {
				return nil
			}
			dids, pcls, names, err := decodeRest(blob, x.keys, c, c.lacks(k, cls), cls)
			got[num] = rest{dids, pcls, names}
			return err
		})
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range run {
		r, ok := got[e.num]
		if !ok {
			return errBadChunk // the blob it was decoded from is gone
		}
		c := x.chunks[e.num]
		if c == nil || c.len() != e.n {
			continue
		}
		if c.did == nil && r.dids != nil {
			c.did, c.hbDid, c.pcls = r.dids, nil, nil // did holds the heartbeats' too
		}
		if c.did == nil && r.pcls != nil {
			c.pcls, c.pclsGen = r.pcls, cls.gen
		}
		if c.nmTab == nil && r.names != nil {
			c.nmTab, c.nmOff = r.names.nmTab, r.names.nmOff
		}
	}
	return nil
}
