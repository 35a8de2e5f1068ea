package index

import (
	"context"
	"database/sql"
)

// Lag is how many committed rows the writer has handed over (Offer) that
// the next catch-up has yet to apply; held is false until the first query
// starts the index. A queue that overflowed (its rows are re-read from the
// file) counts as its whole bound.
func (x *Index) Lag() (rows int, held bool) {
	if !x.started.Load() {
		return 0, false
	}
	x.pendMu.Lock()
	defer x.pendMu.Unlock()
	if x.pendLost {
		return maxPending, true
	}
	return len(x.pending), true
}

// EventPropsRead reports whether a query has read event properties other
// than the Mapping's (pairs, postings or propsets); tests check that a
// query did not need them.
func (x *Index) EventPropsRead() bool {
	x.ev.mu.Lock()
	defer x.ev.mu.Unlock()
	return len(x.ev.flips) > 0 || len(x.ev.vals) > 0 || len(x.ev.sets) > 0
}

// maxPending bounds the rows queued for the index (about 40 MB).
var maxPending = 1 << 20

// The setters below let the embedded package's tests reach edge cases
// with few events. Each returns a function restoring the old value. None is
// safe while a store is open.

// SetChunkSize sets how many event ids a chunk holds (default 16,384), so a
// test fills many chunks with few events.
func SetChunkSize(n int64) (restore func()) {
	old := chunkSize
	chunkSize = n
	return func() { chunkSize = old }
}

// SetPersonsPerRead sets how many persons the first read of the persons
// takes per statement, so a test crosses statements with few persons.
func SetPersonsPerRead(n int) (restore func()) {
	old := personsPerRead
	personsPerRead = n
	return func() { personsPerRead = old }
}

// SetMaxPending bounds the rows queued for the index, so a test can
// overflow the queue.
func SetMaxPending(n int) (restore func()) {
	old := maxPending
	maxPending = n
	return func() { maxPending = old }
}

// SetParallelMin sets how many events a Snapshot must cover before it
// scans on two cores, so a test can run both paths on a small store.
func SetParallelMin(n int) (restore func()) {
	old := parallelMin
	parallelMin = n
	return func() { parallelMin = old }
}

// WriteFormat2 rewrites every saved chunk of db in format 2, from the
// events table, and drops what schema 4 added, as a ttmon before schema 4
// left the file, so a test can run migration 4 on it.
func WriteFormat2(ctx context.Context, db *sql.DB, keys [3]string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var nums []int64
	err = rowsOf(ctx, tx, `SELECT id FROM index_chunks`, nil, func(r *sql.Rows) error {
		var n int64
		err := r.Scan(&n)
		nums = append(nums, n)
		return err
	})
	if err != nil {
		return err
	}
	a := newAttrResolver(keys)
	if err := a.refresh(ctx, tx); err != nil {
		return err
	}
	for _, num := range nums {
		rows, err := readRowsTx(ctx, tx, a, num*chunkSize+1, (num+1)*chunkSize, nil)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE index_chunks SET format = ?, data = ? WHERE id = ?`,
			format2, encodeChunk2(rowsChunk(num, rows), keys), num)
		if err != nil {
			return err
		}
	}
	for _, s := range []string{`DROP TABLE index_postings`, `DROP INDEX index_chunks_dir`} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// upgradeFail, when at least 0, makes UpgradeChunks fail before that
// chunk: a test interrupts migration 4 halfway.
var upgradeFail int64 = -1

// SetUpgradeFail makes migration 4 fail before chunk n (-1: never).
func SetUpgradeFail(n int64) (restore func()) {
	old := upgradeFail
	upgradeFail = n
	return func() { upgradeFail = old }
}

// DecodedEvents is how many events the decoded chunks hold (EventCount
// adds the saved chunks not decoded yet); tests check that a query
// decoded only the chunks of its range.
func (x *Index) DecodedEvents() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.nEvents
}

// WaitPrefetch waits until Prefetch has nothing left to decode and the
// pane filters seen are evaluated (warmlists.go), or the index stopped,
// and returns how many events are still in saved chunks nobody decoded.
func (x *Index) WaitPrefetch() int {
	x.bg.Wait()
	x.warm.wg.Wait()
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.nSaved
}

// DigestHits is how many times a pane counted some of its hours from the
// heartbeats' digest and from all events' (hb, all).
func (x *Index) DigestHits() (hb, all int64) {
	x.hbd.mu.Lock()
	hb = x.hbd.hits
	x.hbd.mu.Unlock()
	x.evd.mu.Lock()
	defer x.evd.mu.Unlock()
	return hb, x.evd.hits
}

// BitsEvaluated is how many chunks' event-filter bitsets were evaluated
// (from the postings or the propsets), over all lists.
func (x *Index) BitsEvaluated() int64 { return x.bitsRead.Load() }

// BlobReads is how many chunk blobs were read to decode a chunk or to
// complete one with what a query needs.
func (x *Index) BlobReads() int64 { return x.blobsRead.Load() }

// LeanScans is how many snapshots read some chunks' classes instead of
// their distinct ids (lean.go).
func (x *Index) LeanScans() int64 { return x.leanScans.Load() }

// KeptColumnHits is how many times a query read a saved chunk's property
// column from what the index keeps instead of its postings.
func (x *Index) KeptColumnHits() int64 {
	x.der.mu.Lock()
	defer x.der.mu.Unlock()
	return x.der.colHits
}

// WaitFolds waits for the background folds started so far.
func (x *Index) WaitFolds() { x.folds.Wait() }

// Unnamed is how many decoded chunks hold no offsets by name: decoded for
// queries that do not read them (the built-in figures), not yet completed
// by one that does.
func (x *Index) Unnamed() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := 0
	for _, c := range x.chunks {
		if c != nil && c.len() > 0 && c.nmTab == nil {
			n++
		}
	}
	return n
}
