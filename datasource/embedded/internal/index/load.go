package index

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"runtime"
	"slices"
	"sync/atomic"
)

// load builds the index in two steps. First, in one read transaction, the
// small tables and the events that are in no saved chunk (the open one,
// or all of them in a store an older ttmon wrote); queries may start then.
// Then the saved chunks, newest first, in the background on two cores; a
// query waits only for the chunks its range needs (waitCover), so the
// first 24h Snapshot of a 10M-event store does not wait for the month.
// Chunks read row by row are saved afterwards, so the next open is fast.
func (x *Index) load(ctx context.Context) error {
	x.tailMu.Lock()
	defer x.tailMu.Unlock()
	tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	b, err := x.readTables(ctx, tx)
	if err == nil {
		err = x.res.refresh(ctx, tx)
	}
	if err != nil {
		return err
	}
	x.applyTables(b)
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM events`).Scan(&maxID); err != nil {
		return err
	}
	dir, err := savedChunks(ctx, tx, maxID)
	if err != nil {
		return err
	}
	var toSave []*chunkRows
	for num := int64(0); num*chunkSize < maxID; num++ {
		if _, ok := dir[num]; ok {
			continue
		}
		rows, err := x.readChunkRows(ctx, tx, num, maxID)
		if err != nil {
			return err
		}
		x.addRows(rows)
		if int64(len(rows)) == chunkSize {
			toSave = append(toSave, rowsChunk(num, rows))
		}
	}
	x.lastEvent = maxID
	_ = tx.Rollback()
	x.save(ctx, toSave)
	x.loadSavedLater(dir)
	return nil
}

// savedEntry is a saved chunk's time bounds.
type savedEntry struct {
	num          int64
	minMs, maxMs int64
}

// savedChunks lists the saved chunks of this format below maxID.
func savedChunks(ctx context.Context, tx *sql.Tx, maxID int64) (map[int64]savedEntry, error) {
	dir := map[int64]savedEntry{}
	err := rowsOf(ctx, tx, `SELECT id, min_ms, max_ms FROM index_chunks WHERE format = ? AND (id + 1) * ? <= ?`,
		[]any{chunkFormat, chunkSize, maxID}, func(r *sql.Rows) error {
			var e savedEntry
			err := r.Scan(&e.num, &e.minMs, &e.maxMs)
			dir[e.num] = e
			return err
		})
	return dir, err
}

// readChunkRows reads chunk num's events (up to maxID) from the events
// table.
func (x *Index) readChunkRows(ctx context.Context, tx *sql.Tx, num, maxID int64) ([]Row, error) {
	return readRowsTx(ctx, tx, x.res, num*chunkSize+1, min((num+1)*chunkSize, maxID), x.psTup)
}

// loadSavedLater decodes the saved chunks, newest first, with two workers,
// moving the coverage floor as the newest ones arrive.
func (x *Index) loadSavedLater(dir map[int64]savedEntry) {
	order := make([]savedEntry, 0, len(dir))
	for _, e := range dir {
		order = append(order, e)
	}
	slices.SortFunc(order, func(a, b savedEntry) int { return cmp.Compare(b.maxMs, a.maxMs) })
	x.cov.start(order)
	nameKind := slices.Clone(x.nameKind) // the workers must not share the growing slice
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), 2) {
		x.bg.Add(1)
		go func() {
			defer x.bg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(order) || x.ctx.Err() != nil {
					return
				}
				c, err := x.loadSaved(order[k].num, nameKind)
				if err != nil {
					x.cov.fail(err)
					return
				}
				x.addChunk(order[k].num, c)
				x.cov.finish(k)
			}
		}()
	}
}

// loadSaved decodes saved chunk num. A blob made for other Mapping
// properties is rebuilt from the events table and left as it is; a corrupt
// one is rebuilt and replaced.
func (x *Index) loadSaved(num int64, nameKind []uint16) (*chunk, error) {
	ctx := x.ctx
	var blob []byte
	if err := x.db.QueryRowContext(ctx, `SELECT data FROM index_chunks WHERE id = ?`, num).Scan(&blob); err != nil {
		return nil, err
	}
	c, err := decodeChunk(blob, num, x.keys, nameKind, x.internTuples)
	if err == nil {
		return c, nil
	}
	tx, err2 := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err2 != nil {
		return nil, err2
	}
	defer tx.Rollback()
	a := newAttrResolver(x.keys)
	if err := a.refresh(ctx, tx); err != nil {
		return nil, err
	}
	rows, err2 := readRowsTx(ctx, tx, a, num*chunkSize+1, (num+1)*chunkSize, nil)
	if err2 != nil {
		return nil, err2
	}
	tx.Rollback()
	if !errors.Is(err, errOtherKeys) {
		x.save(ctx, []*chunkRows{rowsChunk(num, rows)})
	}
	c = &chunk{firstID: num*chunkSize + 1}
	x.mu.Lock()
	for _, r := range rows {
		var k uint16
		if int(r.Name) < len(nameKind) {
			k = nameKind[r.Name]
		}
		c.add(r.ID, r.TS, k, r.Name, r.DID, r.PS, x.tupleID(r.Tup, true))
	}
	x.mu.Unlock()
	return c, nil
}

// internTuples maps a chunk's tuples to the index's tuple ids.
func (x *Index) internTuples(ts []Tuple) []uint32 {
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
func (x *Index) tupleID(t *Tuple, byPtr bool) uint32 {
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
func (x *Index) internVal(v string) uint32 {
	id, ok := x.valID[v]
	if !ok {
		id = uint32(len(x.vals))
		x.vals = append(x.vals, v)
		x.valID[v] = id
	}
	return id
}

// addChunk installs a loaded chunk as chunk num.
func (x *Index) addChunk(num int64, c *chunk) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.chunks = grow(x.chunks, num)
	x.chunks[num] = c
	x.nEvents += len(c.sec)
	for _, ps := range c.ps {
		x.maxPS = max(x.maxPS, ps)
	}
	x.touched.begin()
	x.touched.span(c.minMs, c.maxMs)
}

// addRows appends events read from SQLite or handed over by the writer.
func (x *Index) addRows(rows []Row) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.touched.begin()
	for _, r := range rows {
		var k uint16
		if int(r.Name) < len(x.nameKind) {
			k = x.nameKind[r.Name]
		}
		x.appendEvent(r.ID, r.TS, k, r.Name, r.DID, r.PS, x.tupleID(r.Tup, true))
		x.touched.span(r.TS, r.TS)
	}
}

// rowsChunk turns a full chunk's rows into what encodeChunk saves.
func rowsChunk(num int64, rows []Row) *chunkRows {
	c := &chunkRows{}
	c.reset(num)
	for _, r := range rows {
		c.add(r)
	}
	return c
}

// save writes chunks the load had to read row by row: missing, corrupt or
// of another format. Failing (a read-only file) only costs the next open
// the same work.
func (x *Index) save(ctx context.Context, cs []*chunkRows) {
	for _, c := range cs {
		b := c.blob(x.keys)
		_, err := x.db.ExecContext(ctx, `INSERT OR REPLACE INTO index_chunks(id, format, min_ms, max_ms, n, data)
			VALUES(?, ?, ?, ?, ?, ?)`, b.Num, b.Format, b.MinMs, b.MaxMs, b.N, b.Data)
		if err != nil {
			x.log("embedded: could not save an index chunk", "chunk", c.num, "err", err)
			return
		}
	}
}
