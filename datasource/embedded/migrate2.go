package embedded

import (
	"database/sql"
	"encoding/json"

	"github.com/ttmon/ttmon/datasource/embedded/internal/propset"
)

// migrate2 is the schema for 10M-event stores. Why each piece changes:
//   - propsets hold sorted pair ids instead of JSON, pairs the key/value
//     pairs, so a nearly unique product event costs ~30 bytes, not ~300.
//     Propsets and pairs are interned through the writer's caches only:
//     no unique hash index, whose random inserts cost a page write per
//     new row once it outgrows the cache. A set seen again after falling
//     out of the cache gets a second, equal row; every figure is the same.
//   - events_dedup replaces the global uuid index: the same UUID within
//     the same hour of event time (PostHog's own dedup key has the event's
//     date in it). Keys arrive nearly in time order, so inserts touch the
//     B-tree's last few pages, where random UUIDs over 10M rows touched a
//     different page each (measured: 50k vs 340k rows/s).
//   - events_ts goes: the index never needed it and the SQL engine is now
//     only the tests' reference.
//   - index_chunks keep the index's columns for each full chunk of event
//     ids (chunkSize), so opening a big store reads a few hundred blobs
//     instead of every row.
//   - pairs_key finds the pairs of the Mapping's properties, from which
//     the index reads events that are not in a saved chunk yet.
//   - prop_keys lists the event property keys with a non-null value, so
//     listing properties needs no scan of the pairs.
//   - propsets_json shows a propset as the JSON object it stands for; the
//     SQL engine and drill fetches read it.
func migrate2(tx *sql.Tx) error {
	stmts := []string{
		`CREATE TABLE pairs(id INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL)`,
		`CREATE INDEX pairs_key ON pairs(key)`,
		`CREATE TABLE prop_keys(id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL)`,
		`CREATE TABLE propsets2(id INTEGER PRIMARY KEY, pairs BLOB NOT NULL)`,
		`CREATE TABLE index_chunks(id INTEGER PRIMARY KEY, format INTEGER NOT NULL,
			min_ms INTEGER NOT NULL, max_ms INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL)`,
	}
	for _, s := range stmts {
		if _, err := tx.Exec(s); err != nil {
			return err
		}
	}
	if err := convertPropsets(tx); err != nil {
		return err
	}
	stmts = []string{
		`DROP TABLE propsets`,
		`ALTER TABLE propsets2 RENAME TO propsets`,
		`DROP INDEX events_ts`,
		`DROP INDEX events_uuid`,
		`CREATE UNIQUE INDEX events_dedup ON events(ts / 3600000, uuid) WHERE uuid IS NOT NULL`,
		`CREATE VIEW propsets_json AS SELECT ps.id AS id, (SELECT json_group_object(p.key, json(p.value))
			FROM json_each(ttmon_pair_ids(ps.pairs)) j JOIN pairs p ON p.id = j.value) AS properties
			FROM propsets ps`,
	}
	for _, s := range stmts {
		if _, err := tx.Exec(s); err != nil {
			return err
		}
	}
	return nil
}

// convertPropsets rewrites version 1's JSON propsets as pair lists,
// keeping their ids, a page at a time.
func convertPropsets(tx *sql.Tx) error {
	ids := map[string]uint32{}
	var last int64
	for {
		type row struct {
			id    int64
			props string
		}
		var page []row
		rows, err := tx.Query(`SELECT id, properties FROM propsets WHERE id > ? ORDER BY id LIMIT 10000`, last)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.props); err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			if err := convertPropset(tx, ids, r.id, r.props); err != nil {
				return err
			}
			last = r.id
		}
	}
}

func convertPropset(tx *sql.Tx, ids map[string]uint32, id int64, raw string) error {
	var m map[string]any
	_ = json.Unmarshal([]byte(raw), &m)
	var pairIDs []uint32
	for k, v := range m {
		val, err := appendValueJSON(nil, v)
		if err != nil {
			continue
		}
		key := k + "\x00" + string(val)
		pid, ok := ids[key]
		if !ok {
			res, err := tx.Exec(`INSERT INTO pairs(key, value) VALUES(?, ?)`, k, string(val))
			if err != nil {
				return err
			}
			n, err := res.LastInsertId()
			if err != nil {
				return err
			}
			pid = uint32(n)
			ids[key] = pid
			if string(val) != "null" {
				if _, err := tx.Exec(`INSERT OR IGNORE INTO prop_keys(key) VALUES(?)`, k); err != nil {
					return err
				}
			}
		}
		pairIDs = append(pairIDs, pid)
	}
	_, err := tx.Exec(`INSERT INTO propsets2(id, pairs) VALUES(?, ?)`, id, propset.Append(nil, pairIDs))
	return err
}
