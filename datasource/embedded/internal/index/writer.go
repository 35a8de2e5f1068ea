package index

import (
	"context"
	"database/sql"
	"fmt"
)

// This file is what the store's writer needs of the index: the row it
// hands over after each commit, the attribute tuple it interns per
// propset, and the open chunk it saves as a blob when the chunk's last id
// is committed.

// Row is one stored event as the index keeps it. The writer hands the rows
// of each commit to an index in the same process (Offer); rows another
// process wrote are read back from the events table in the same shape.
type Row struct {
	ID, TS        int64  // events.id, timestamp in unix milliseconds
	Name, DID, PS uint32 // event_names.id, distinct_ids.id, propsets.id
	Tup           *Tuple // interned: equal tuples share one pointer
}

// Set records slot's value (ok false: the property is missing or null);
// slots follow TupleKeys.
func (t *Tuple) Set(slot int, v string, ok bool) { t.v[slot], t.ok[slot] = v, ok }

// Format is the version of the chunk blobs this index writes and reads; a
// blob of another version is rebuilt from the events table.
const Format = chunkFormat

// Blob is one full chunk encoded for the index_chunks table, its columns
// named as the table names them, with its postings for index_postings
// (saved in the same transaction: a chunk of this format always has its
// postings).
type Blob struct {
	Num          int64 // the chunk number: it holds ids Num*size+1 .. (Num+1)*size
	Format       int
	MinMs, MaxMs int64 // the chunk's time bounds
	N            int   // events in the chunk
	Data         []byte
	Postings     []Posting
}

// blob encodes r with its bounds and the postings ps.
func (r *chunkRows) blob(keys [3]string, ps []Posting) Blob {
	minMs, maxMs := r.ts[0], r.ts[0]
	for _, t := range r.ts {
		minMs, maxMs = min(minMs, t), max(maxMs, t)
	}
	return Blob{Num: r.num, Format: chunkFormat, MinMs: minMs, MaxMs: maxMs, N: r.len(), Data: encodeChunk(r, keys),
		Postings: ps}
}

// OpenChunk is the chunk the writer is filling. The writer saves each full
// chunk in the transaction that fills it, so an index opening the file
// reads blobs instead of rows.
type OpenChunk struct {
	rows  chunkRows
	posts postingsBuilder
	keys  [3]string
}

// NewOpenChunk returns an empty open chunk for tuples of keys (TupleKeys).
func NewOpenChunk(keys [3]string) *OpenChunk { return &OpenChunk{keys: keys} }

// Load reads the rows of the chunk the next event goes into, with their
// properties, so a restarted writer still saves it whole.
func (c *OpenChunk) Load(ctx context.Context, tx *sql.Tx) error {
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM events`).Scan(&maxID); err != nil {
		return fmt.Errorf("read last event: %w", err)
	}
	c.rows.reset(maxID / chunkSize)
	c.posts.reset()
	first := c.rows.num*chunkSize + 1
	if maxID < first {
		return nil
	}
	a := newAttrResolver(c.keys)
	if err := a.refresh(ctx, tx); err != nil {
		return err
	}
	rows, err := readRowsTx(ctx, tx, a, first, maxID, nil)
	if err != nil {
		return fmt.Errorf("read open chunk: %w", err)
	}
	for _, r := range rows {
		c.rows.add(r)
	}
	if err := readPostingsInto(ctx, tx, &c.posts, first, maxID, nil); err != nil {
		return fmt.Errorf("read open chunk's properties: %w", err)
	}
	return nil
}

// Add appends a committed row with its propset's properties (kps, from
// EncodeKeyPairs). When r fills the chunk it returns the blob to save and
// starts the next chunk.
func (c *OpenChunk) Add(r Row, kps string) (Blob, bool) {
	o := &c.rows
	num := (r.ID - 1) / chunkSize
	if num != o.num || int64(o.len()) != r.ID-1-num*chunkSize {
		// Ids are dense, so this only happens after another process
		// wrote the file; that chunk is left to the index to save.
		o.reset(num)
		c.posts.reset()
		if r.ID-1 != num*chunkSize {
			o.num = -1
		}
	}
	if o.num < 0 {
		return Blob{}, false
	}
	c.posts.addPacked(o.len(), kps)
	o.add(r)
	if !o.full() {
		return Blob{}, false
	}
	b := o.blob(c.keys, c.posts.postings())
	o.reset(o.num + 1)
	c.posts.reset()
	return b, true
}
