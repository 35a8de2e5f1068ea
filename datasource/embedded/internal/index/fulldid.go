package index

import (
	"context"
	"database/sql"
	"errors"
)

// withoutDIDs lists the decoded chunks with events in [from, to) that hold
// only their heartbeats' distinct ids.
func (x *Index) withoutDIDs(from, to int64) []savedEntry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []savedEntry
	for _, c := range x.chunks {
		if c != nil && c.did == nil && c.len() > 0 && c.maxMs >= from && c.minMs < to {
			out = append(out, savedEntry{num: c.num(), minMs: c.minMs, maxMs: c.maxMs, n: c.len()})
		}
	}
	return out
}

// loadDIDs reads the distinct id column of the chunks of run (consecutive
// numbers) from their blobs again.
func (x *Index) loadDIDs(ctx context.Context, run []savedEntry) error {
	rows, err := x.db.QueryContext(ctx, `SELECT id, data FROM index_chunks WHERE id BETWEEN ? AND ? AND format = ?`,
		run[0].num, run[len(run)-1].num, chunkFormat)
	if err != nil {
		return err
	}
	got := map[int64][]uint32{}
	for rows.Next() {
		var num int64
		var blob sql.RawBytes
		if err := rows.Scan(&num, &blob); err != nil {
			rows.Close()
			return err
		}
		k := int(num - run[0].num)
		if k < 0 || k >= len(run) {
			continue
		}
		dids, err := decodeDIDs(blob, x.keys, run[k].n)
		if err != nil {
			rows.Close()
			return err
		}
		got[num] = dids
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range run {
		dids, ok := got[e.num]
		if !ok {
			return errBadChunk // the blob it was decoded from is gone
		}
		if c := x.chunks[e.num]; c != nil && c.did == nil && c.len() == len(dids) {
			c.did = dids
		}
	}
	return nil
}
