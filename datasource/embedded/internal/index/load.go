package index

import (
	"context"
	"database/sql"
	"errors"
)

// load reads, in one read transaction, the small tables, the directory
// of saved chunks (their bounds, not their contents) and the events that
// are in no saved chunk (the open one, or all of them in a store an older
// ttmon wrote). Saved chunks are decoded later, when a query's range
// first needs them (cover), so a 24h Snapshot of a 30-day store decodes a
// day of it and a process that asks once (`ttmon snapshot`) holds only
// that. Chunks read row by row are saved afterwards, so the next open is
// fast.
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
	x.mu.Lock()
	x.saved = dir
	for _, e := range dir {
		x.nSaved += e.n
	}
	x.mu.Unlock()
	return nil
}

// savedEntry is a saved chunk's time bounds and size.
type savedEntry struct {
	num          int64
	minMs, maxMs int64
	n            int
}

// savedChunks lists the saved chunks of this format below maxID.
func savedChunks(ctx context.Context, tx *sql.Tx, maxID int64) (map[int64]savedEntry, error) {
	dir := map[int64]savedEntry{}
	err := rowsOf(ctx, tx, `SELECT id, min_ms, max_ms, n FROM index_chunks WHERE format = ? AND (id + 1) * ? <= ?`,
		[]any{chunkFormat, chunkSize, maxID}, func(r *sql.Rows) error {
			var e savedEntry
			err := r.Scan(&e.num, &e.minMs, &e.maxMs, &e.n)
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

// loadSaved decodes saved chunk num. A blob of another format, or one
// that does not decode, is rebuilt from the events table and saved again;
// one made for other Mapping properties is rebuilt and left as it is.
func (x *Index) loadSaved(ctx context.Context, num int64, nameKind []uint16) (*chunk, error) {
	var format int
	var blob []byte
	err := x.db.QueryRowContext(ctx, `SELECT format, data FROM index_chunks WHERE id = ?`, num).Scan(&format, &blob)
	if err != nil {
		return nil, err
	}
	if format == chunkFormat {
		var c *chunk
		if c, err = decodeChunk(blob, num, x.keys, nameKind, keepDIDs|keepNames, nil, x.internTuples); err == nil {
			return c, nil
		}
	}
	return x.rebuild(ctx, num, nameKind, !errors.Is(err, errOtherKeys))
}

// rebuild reads chunk num from the events table, and saves it again when
// save is set (not for a blob made for other Mapping properties, which
// another reader may still use).
func (x *Index) rebuild(ctx context.Context, num int64, nameKind []uint16, save bool) (*chunk, error) {
	tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a := newAttrResolver(x.keys)
	if err := a.refresh(ctx, tx); err != nil {
		return nil, err
	}
	rows, err := readRowsTx(ctx, tx, a, num*chunkSize+1, (num+1)*chunkSize, nil)
	if err != nil {
		return nil, err
	}
	tx.Rollback()
	if save {
		x.save(ctx, []*chunkRows{rowsChunk(num, rows)})
	}
	c := &chunk{firstID: num*chunkSize + 1}
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
func (x *Index) internVal(v string) uint32 { return internDict(&x.vals, x.valID, v) }

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

// save writes chunks the load had to read row by row (missing, corrupt or
// of another format) with their postings, read from the tables. Failing
// (a read-only file) only costs the next open the same work.
func (x *Index) save(ctx context.Context, cs []*chunkRows) {
	for _, c := range cs {
		if err := x.saveRows(ctx, c); err != nil {
			x.log("embedded: could not save an index chunk", "chunk", c.num, "err", err)
			return
		}
	}
}

func (x *Index) saveRows(ctx context.Context, c *chunkRows) error {
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var pb postingsBuilder
	first := c.num*chunkSize + 1
	if err := readPostingsInto(ctx, tx, &pb, first, first+int64(c.len())-1, nil); err != nil {
		return err
	}
	if err := SaveBlob(ctx, tx, c.blob(x.keys, pb.postings())); err != nil {
		return err
	}
	return tx.Commit()
}

// SaveBlob writes b and its postings through ex, the caller's transaction:
// a chunk of the current format is never saved without its postings.
func SaveBlob(ctx context.Context, ex execer, b Blob) error {
	_, err := ex.ExecContext(ctx, `INSERT OR REPLACE INTO index_chunks(id, format, min_ms, max_ms, n, data)
		VALUES(?, ?, ?, ?, ?, ?)`, b.Num, b.Format, b.MinMs, b.MaxMs, b.N, b.Data)
	if err != nil {
		return err
	}
	_, err = ex.ExecContext(ctx, `DELETE FROM index_postings WHERE key_id IN (SELECT id FROM prop_keys) AND chunk = ?`, b.Num)
	for _, p := range b.Postings {
		if err != nil {
			return err
		}
		_, err = ex.ExecContext(ctx, `INSERT INTO index_postings(chunk, key_id, data) VALUES(?, ?, ?)`, b.Num, p.Key, p.Data)
	}
	return err
}

// execer is what writes need of a *sql.DB or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
