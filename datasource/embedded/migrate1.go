package embedded

import "database/sql"

// migrate1 is the first schema. Why each piece exists:
//   - propsets intern identical property sets: hourly heartbeats of one
//     install at one version share a row, so events stay small.
//   - persons.seq and distinct_ids.seq carry a store-wide change counter
//     (meta 'seq'), so an index in another process can tail changes.
//   - persons uses AUTOINCREMENT so a merged-away person's id is never
//     reused: a tailing reader may still hold it.
//   - events_ts bounds every query's scan; the SQL engine needs it, the
//     index does not (measured cost in the package doc). Migration 2 drops
//     it.
func migrate1(tx *sql.Tx) error {
	stmts := []string{
		`CREATE TABLE event_names(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)`,
		`CREATE TABLE persons(id INTEGER PRIMARY KEY AUTOINCREMENT,
			properties TEXT NOT NULL, created_at INTEGER NOT NULL, seq INTEGER NOT NULL)`,
		`CREATE INDEX persons_seq ON persons(seq)`,
		`CREATE TABLE distinct_ids(id INTEGER PRIMARY KEY, distinct_id TEXT UNIQUE NOT NULL,
			person_id INTEGER NOT NULL, seq INTEGER NOT NULL)`,
		`CREATE INDEX distinct_ids_person ON distinct_ids(person_id)`,
		`CREATE INDEX distinct_ids_seq ON distinct_ids(seq)`,
		`CREATE TABLE propsets(id INTEGER PRIMARY KEY, hash BLOB UNIQUE NOT NULL, properties TEXT NOT NULL)`,
		`CREATE TABLE events(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, name_id INTEGER NOT NULL,
			did_id INTEGER NOT NULL, propset_id INTEGER NOT NULL, uuid BLOB, person_update TEXT)`,
		`CREATE UNIQUE INDEX events_uuid ON events(uuid) WHERE uuid IS NOT NULL`,
		`CREATE INDEX events_ts ON events(ts)`,
		`CREATE TABLE groups(type TEXT NOT NULL, key TEXT NOT NULL, properties TEXT NOT NULL,
			PRIMARY KEY(type, key)) WITHOUT ROWID`,
		`CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID`,
	}
	for _, s := range stmts {
		if _, err := tx.Exec(s); err != nil {
			return err
		}
	}
	return nil
}
