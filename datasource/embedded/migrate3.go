package embedded

import (
	"database/sql"
)

// migrate3 moves deduplication out of a per-event index. Why:
//   - events_dedup cost each stored event a B-tree insert with a unique
//     check on a random 16-byte key (about a third of the events insert,
//     measured in BENCHMARKS.md) and ~30 bytes on disk; the serial writer
//     is what bounds ingest.
//   - dedup_uuids holds, per commit and per hour of event time, the UUIDs
//     that commit stored, packed 16 bytes each in one blob. The writer
//     keeps an in-memory set for the hours it writes (dedup.go) and reads
//     an hour's blobs when it first meets that hour, so the same UUID in
//     the same hour is still a duplicate across restarts.
//   - dedup_uuids_hour finds an hour's blobs: one entry per commit and
//     hour, not per event.
//   - dedup_big indexes the UUIDs of the hours that got more events than
//     the writer keeps in memory for one hour (dedupHourMax), so memory
//     stays bounded; only those hours pay an index entry per event.
//
// Existing stores get their UUIDs copied out of events, read through the
// old index in (hour, uuid) order, before it is dropped.
func migrate3(tx *sql.Tx) error {
	for _, s := range []string{
		`CREATE TABLE dedup_uuids(id INTEGER PRIMARY KEY, hour INTEGER NOT NULL, uuids BLOB NOT NULL)`,
		`CREATE INDEX dedup_uuids_hour ON dedup_uuids(hour)`,
		`CREATE TABLE dedup_big(hour INTEGER NOT NULL, uuid BLOB NOT NULL, PRIMARY KEY(hour, uuid)) WITHOUT ROWID`,
	} {
		if _, err := tx.Exec(s); err != nil {
			return err
		}
	}
	if err := copyDedupKeys(tx); err != nil {
		return err
	}
	_, err := tx.Exec(`DROP INDEX IF EXISTS events_dedup`)
	return err
}

// copyDedupKeys writes the stored UUIDs as dedup_uuids rows of at most
// 4,096 UUIDs each, as it reads them.
func copyDedupKeys(tx *sql.Tx) error {
	// The old index serves this order (no sort); a file without it still
	// migrates, sorting.
	rows, err := tx.Query(`SELECT ts / 3600000, uuid FROM events
		WHERE uuid IS NOT NULL ORDER BY ts / 3600000, uuid`)
	if err != nil {
		return err
	}
	defer rows.Close()
	hour, buf := int64(-1), []byte(nil)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := tx.Exec(`INSERT INTO dedup_uuids(hour, uuids) VALUES(?, ?)`, hour, buf)
		buf = buf[:0]
		return err
	}
	for rows.Next() {
		var h int64
		var u []byte
		if err := rows.Scan(&h, &u); err != nil {
			return err
		}
		if len(u) != 16 {
			continue
		}
		if h != hour || len(buf) >= 16*4096 {
			if err := flush(); err != nil {
				return err
			}
			hour = h
		}
		buf = append(buf, u...)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}
