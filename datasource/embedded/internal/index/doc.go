// Package index is the embedded store's in-memory column index: about 12
// bytes per event (time, family flags, distinct id, attribute tuple, and
// the event name's offset list) in chunks of 16,384 ids, with per-family
// and per-name offset lists, answering every figure of datasource.Source
// for a Plan, dashboard panes included (panes.go); other event properties
// come from the chunks' postings (postings.go) as queries need them. The
// package doc of datasource/embedded describes how it loads, follows the
// file and evaluates filters; this is its contract with the store.
//
// What it reads. New takes the store's reader pool; the index only reads
// (events, propsets, pairs, prop_keys, persons, distinct_ids, event_names,
// meta 'seq', index_chunks and index_postings), except that it saves a
// chunk it had to rebuild from rows (its blob and postings, SaveBlob;
// failing that costs only the next open the same work). UpgradeChunks is
// migration 4's part: it converts format 2 blobs and posts them.
//
// How the writer hands rows over. After each commit the writer calls
// Offer with the committed rows (Row); before the first query has started
// the index they are dropped, and a queue nobody drains is dropped for a
// re-read from the file (Lag reports the queue). The writer also fills an
// OpenChunk (each row with its propset's properties, EncodeKeyPairs) and
// saves the Blob it returns with SaveBlob when a chunk's last id is
// committed, in the same transaction, so an index opening the file reads
// blobs and postings instead of rows. Tuple and TupleKeys are the
// attribute tuple both sides intern per propset.
//
// Catch-up. A query calls Wait (the first load: the small tables and the
// rows after the last saved chunk) and CatchUp (the handed-over rows, or
// rows another process wrote read by id, and names, persons and distinct
// ids by the store-wide change counter), then runs on the index as an
// Engine, which decodes the saved chunks its range needs and loads
// persons' properties when it filters on them. Cover decodes a range's
// chunks ahead of a query.
package index
