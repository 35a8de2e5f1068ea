package embedded

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"sync"
)

// load builds the index from the saved chunks plus, for chunks that are
// not saved (the open one, or any an older ttmon wrote without them), the
// events table, all in one read transaction. Chunks it had to read row by
// row are saved afterwards, so the next open is fast.
func (x *index) load(ctx context.Context) error {
	x.tailMu.Lock()
	defer x.tailMu.Unlock()
	tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	b, err := x.readTables(ctx, tx)
	if err != nil {
		return err
	}
	if err := x.res.refresh(ctx, tx); err != nil {
		return err
	}
	x.applyTables(b)
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM events`).Scan(&maxID); err != nil {
		return err
	}
	saved, err := x.loadSaved(ctx, tx, maxID)
	if err != nil {
		return err
	}
	var toSave []*chunkRows
	for num := int64(0); num*chunkSize < maxID; num++ {
		// A nil chunk was saved for other Mapping properties: it is
		// rebuilt here but left as it is for the process that wrote it.
		c, other := saved[num]
		if c != nil {
			x.addChunk(c)
			continue
		}
		last := min((num+1)*chunkSize, maxID)
		rows, err := readRowsTx(ctx, tx, x.res, num*chunkSize+1, last, x.psTup)
		if err != nil {
			return err
		}
		x.addRows(rows)
		if last == (num+1)*chunkSize && int64(len(rows)) == chunkSize && !other {
			toSave = append(toSave, rowsChunk(num, rows))
		}
	}
	x.lastEvent = maxID
	_ = tx.Rollback()
	x.save(ctx, toSave)
	return nil
}

// loadSaved reads and decodes the saved chunks below maxID, two at a time
// (decoding is most of the cost). Chunks saved for other Mapping
// properties map to nil; corrupt ones and those of another format are left
// out, to be rebuilt and replaced.
func (x *index) loadSaved(ctx context.Context, tx *sql.Tx, maxID int64) (map[int64]*chunk, error) {
	var nums []int64
	err := rowsOf(ctx, tx, `SELECT id FROM index_chunks WHERE format = ? AND (id + 1) * ? <= ? ORDER BY id`,
		[]any{chunkFormat, chunkSize, maxID}, func(r *sql.Rows) error {
			var n int64
			err := r.Scan(&n)
			nums = append(nums, n)
			return err
		})
	if err != nil {
		return nil, err
	}
	type job struct {
		num  int64
		blob []byte
	}
	jobs := make(chan job, 2)
	out := make(map[int64]*chunk, len(nums))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 2) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				c, err := decodeChunk(j.blob, j.num, x.keys, x.nameKind, x.internTuples)
				if err == nil || errors.Is(err, errOtherKeys) {
					mu.Lock()
					out[j.num] = c
					mu.Unlock()
				}
			}
		}()
	}
	for _, n := range nums {
		var blob []byte
		if err = tx.QueryRowContext(ctx, `SELECT data FROM index_chunks WHERE id = ?`, n).Scan(&blob); err != nil {
			break
		}
		jobs <- job{n, blob}
	}
	close(jobs)
	wg.Wait()
	return out, err
}

// internTuples maps a chunk's tuples to the index's tuple ids.
func (x *index) internTuples(ts []attrTuple) []uint32 {
	x.mu.Lock()
	defer x.mu.Unlock()
	ids := make([]uint32, len(ts))
	for i := range ts {
		ids[i] = x.tupleID(&ts[i], false)
	}
	return ids
}

// tupleID interns t; x.mu must be held for writing. byPtr remembers t's
// address too, for tuples that come back again and again (the writer's).
func (x *index) tupleID(t *attrTuple, byPtr bool) uint32 {
	if id, ok := x.tupPtr[t]; ok {
		return id
	}
	id, ok := x.tupID[*t]
	if !ok {
		id = uint32(len(x.tups))
		var e tupEntry
		for i, p := range []*uint32{&e.ver, &e.plat, &e.dep} {
			if t.ok[i] {
				*p = x.internVal(t.v[i])
			}
		}
		x.tups = append(x.tups, e)
		x.tupID[*t] = id
	}
	if byPtr && len(x.tupPtr) < 1<<16 {
		x.tupPtr[t] = id
	}
	return id
}

// internVal maps a value to a small id; 0 is "missing".
func (x *index) internVal(v string) uint32 {
	id, ok := x.valID[v]
	if !ok {
		id = uint32(len(x.vals))
		x.vals = append(x.vals, v)
		x.valID[v] = id
	}
	return id
}

// addChunk appends a decoded chunk (in id order).
func (x *index) addChunk(c *chunk) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.chunks = append(x.chunks, c)
	x.nEvents += len(c.sec)
}

// addRows appends events read from SQLite or handed over by the writer.
func (x *index) addRows(rows []committedRow) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, r := range rows {
		var k uint16
		if int(r.name) < len(x.nameKind) {
			k = x.nameKind[r.name]
		}
		x.appendEvent(r.id, r.ts, k, r.did, r.ps, x.tupleID(r.tup, true))
	}
}

// rowsChunk turns a full chunk's rows into what encodeChunk saves.
func rowsChunk(num int64, rows []committedRow) *chunkRows {
	c := &chunkRows{}
	c.reset(num)
	for _, r := range rows {
		c.add(r.ts, r.name, r.did, r.ps, r.tup)
	}
	return c
}

// save writes chunks the load had to read row by row: missing, corrupt or
// of another format. Failing (a read-only file) only costs the next open
// the same work.
func (x *index) save(ctx context.Context, cs []*chunkRows) {
	for _, c := range cs {
		minMs, maxMs := c.ts[0], c.ts[0]
		for _, t := range c.ts {
			minMs, maxMs = min(minMs, t), max(maxMs, t)
		}
		_, err := x.db.ExecContext(ctx, `INSERT OR REPLACE INTO index_chunks(id, format, min_ms, max_ms, n, data)
			VALUES(?, ?, ?, ?, ?, ?)`,
			c.num, chunkFormat, minMs, maxMs, c.len(), encodeChunk(c, x.keys))
		if err != nil {
			x.log("embedded: could not save an index chunk", "chunk", c.num, "err", err)
			return
		}
	}
}
