// Package index is the embedded store's in-memory column index: 18 bytes
// per event (time, family flags, distinct id, propset, attribute tuple)
// in chunks of 16,384 ids, with per-family and per-name offset lists,
// answering every figure of datasource.Source for a Plan, dashboard panes
// included (panes.go). The package doc of datasource/embedded describes
// how it loads, follows the file and evaluates filters; this is its
// contract with the store.
//
// What it reads. New takes the store's reader pool; the index only reads
// (events, propsets, pairs, prop_keys, persons, distinct_ids, event_names,
// meta 'seq' and index_chunks), except that it saves a chunk blob it had to
// rebuild from rows (INSERT OR REPLACE into index_chunks; failing that
// costs only the next open the same work).
//
// How the writer hands rows over. After each commit the writer calls
// Offer with the committed rows (Row); before the first query has started
// the index they are dropped, and a queue nobody drains is dropped for a
// re-read from the file (Lag reports the queue). The writer also fills an
// OpenChunk and saves the Blob it returns when a chunk's last id is
// committed, in the same transaction, so an index opening the file reads
// blobs instead of rows. Tuple and TupleKeys are the attribute tuple both
// sides intern per propset.
//
// Catch-up. A query calls Wait (the first load: the small tables, the rows
// after the last saved chunk, then the saved chunks in the background,
// newest first) and CatchUp (the handed-over rows, or rows another process
// wrote read by id, and names, persons and distinct ids by the store-wide
// change counter), then runs on the index as an Engine. WaitCover waits
// for the saved chunks a range needs.
package index
