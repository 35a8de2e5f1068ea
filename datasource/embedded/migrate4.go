package embedded

import (
	"context"
	"database/sql"

	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// migrate4 is the schema for opening a 10M-event store in a new process
// (issue 16). Why each piece changes:
//   - index_postings holds, per saved chunk and event property key, which
//     of the chunk's events carry which pair (index/postings.go). An event
//     filter, an event-scope breakdown or a value list reads its key's
//     postings for the chunks of its range; before, the first such query
//     in a process read every propset and pair of the store (1.5 s and
//     600 MB at 10M events). The primary key (key_id, chunk) serves that
//     read; a chunk's rows are replaced by key too.
//   - index_chunks blobs change to format 3 (fixed-width columns, read
//     without a varint per value; index/chunkfmt.go) and are always saved
//     with their postings in one transaction, by the writer as before.
//   - index_chunks_dir lets an opening index list the saved chunks and
//     their bounds from a few pages instead of one page per chunk (the
//     blob's first bytes share the row's page).
//
// Existing stores get every saved chunk converted and its postings built
// from the events, propsets and pairs tables here, in the migration's
// transaction (index.UpgradeChunks): about a minute for 10M events, once.
// A crash on the way leaves the file at version 3, as before.
func migrate4(tx *sql.Tx) error {
	for _, s := range []string{
		`CREATE TABLE index_postings(chunk INTEGER NOT NULL, key_id INTEGER NOT NULL,
			data BLOB NOT NULL, PRIMARY KEY(key_id, chunk))`,
		`CREATE INDEX index_chunks_dir ON index_chunks(format, id, min_ms, max_ms, n)`,
	} {
		if _, err := tx.Exec(s); err != nil {
			return err
		}
	}
	return index.UpgradeChunks(context.Background(), tx)
}
