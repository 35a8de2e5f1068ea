package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// TestMigrateFromV1 opens a store written by the first schema (JSON
// propsets, a global UUID index): propsets become pair lists with their
// ids kept, and every figure comes out as before.
func TestMigrateFromV1(t *testing.T) {
	withChunkSize(t, 4)
	path := filepath.Join(t.TempDir(), "v1.db")
	registerFuncs()
	db, err := openDB(path, true, false)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate1(tx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, `PRAGMA user_version = 1`)
	mustExec(t, tx, `INSERT INTO event_names(id, name) VALUES (1, 'telemetry.health'), (2, 'error_occurred')`)
	mustExec(t, tx, `INSERT INTO persons(id, properties, created_at, seq) VALUES
		(1, '{"deployment_method":"docker"}', 0, 1), (2, '{"deployment_method":"native"}', 0, 2)`)
	mustExec(t, tx, `INSERT INTO distinct_ids(id, distinct_id, person_id, seq) VALUES (1, 'fpA', 1, 3), (2, 'fpB', 2, 4)`)
	mustExec(t, tx, `INSERT INTO propsets(id, hash, properties) VALUES
		(1, x'01', '{"app_version":"1.0.0","platform":"Linux"}'),
		(2, x'02', '{"app_version":"1.1.0","n":3,"nested":{"a":[1,null]}}'),
		(3, x'03', '{}')`)
	for i, e := range []struct {
		name, did, ps int
		h             int
	}{{1, 1, 1, 1}, {1, 2, 2, 2}, {2, 1, 2, 3}, {1, 1, 2, 4}, {1, 2, 3, 5}, {2, 2, 1, 6}, {1, 1, 1, 7}, {1, 1, 2, 8}, {1, 2, 1, 9}} {
		mustExec(t, tx, `INSERT INTO events(ts, name_id, did_id, propset_id, uuid, person_update) VALUES (?, ?, ?, ?, ?, NULL)`,
			at(e.h, 0).UnixMilli(), e.name, e.did, e.ps, []byte{byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	}
	mustExec(t, tx, `INSERT INTO meta(key, value) VALUES ('events', 9), ('seq', 4)`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	snap := sameOnBoth(t, s, "migrated", snapOn(s, day("", "person.deployment_method = docker")))
	// fpA: events 1, 3, 4, 7, 8; its latest heartbeat (8) is 1.1.0. Errors
	// read deployment_method from the error event (FiltersFor), and the
	// error (3) carries none.
	if snap.Totals.Events != 5 || snap.Errors.Total != 0 || snap.Installs.Active != 1 || snap.Versions[0].Version != "1.1.0" {
		t.Fatalf("after migration: %+v", snap)
	}
	evs, err := s.Events(context.Background(), datasource.EventsQuery{Query: day("", "event.n = 3"), Limit: 10})
	if err != nil || len(evs) != 4 || evs[0].Properties["nested"] == nil { // events 2, 3, 4, 8
		t.Fatalf("events after migration: %v %+v", err, evs)
	}
	// The same UUID again in the same hour is a duplicate; in another
	// hour a new event.
	dup := Event{UUID: "00010203-0405-0607-0809-0a0b0c0d0e0f", Name: "x", DistinctID: "fpA", Timestamp: at(1, 30)}
	if r := mustIngest(t, s, dup); r.Duplicates != 1 {
		t.Fatalf("duplicate after migration: %+v", r)
	}
}

func mustExec(t *testing.T, tx *sql.Tx, q string, args ...any) {
	t.Helper()
	if _, err := tx.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestMigrateFromV3 opens a store as schema 3 left it (index chunks in
// format 2, no postings, one chunk of a format nobody reads) and checks
// migration 4: every chunk is converted and posted, the odd one rebuilt,
// and both engines agree, event filters included. A migration interrupted
// halfway leaves the file at version 3, and the next Open completes it.
func TestMigrateFromV3(t *testing.T) {
	withChunkSize(t, 16)
	path := filepath.Join(t.TempDir(), "v3.db")
	s, err := Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	evs := randFleet(rand.New(rand.NewPCG(4, 4)), 300)
	mustIngest(t, s, evs...)
	full := chunkCount(t, s, "")
	s.Close()

	db, err := openDB(path, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := index.WriteFormat2(context.Background(), db, index.TupleKeys(datasource.DefaultMapping())); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE index_chunks SET format = 1 WHERE id = 2`, `PRAGMA user_version = 3`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	restore := index.SetUpgradeFail(3)
	if _, err := Open(path); err == nil {
		t.Fatal("the interrupted migration opened the store")
	}
	restore()
	if v := userVersion(t, path); v != 3 {
		t.Fatalf("after the interrupted migration the file is at version %d, want 3", v)
	}
	s = reopenAgree(t, path, len(storedIDs(t, path)), WithMapping(datasource.DefaultMapping()))
	if n := chunkCount(t, s, fmt.Sprintf("WHERE format = %d", index.Format)); n != full {
		t.Fatalf("%d chunks in format %d after the migration, want %d", n, index.Format, full)
	}
	var posted int
	if err := s.rdb.QueryRow(`SELECT count(DISTINCT chunk) FROM index_postings`).Scan(&posted); err != nil || posted != full {
		t.Fatalf("%d chunks have postings, want %d (%v)", posted, full, err)
	}
	r := rand.New(rand.NewPCG(8, 8))
	queries := 20
	if raceOn && !long() {
		queries = 6 // the README's test command stays quick; CI's long run asks all 20
	}
	if compareEngines(t, s, r, 0, queries, []datasource.Property{{Key: "project_id", Scope: datasource.ScopeEvent},
		{Key: "error_type", Scope: datasource.ScopeEvent}}) == 0 {
		t.Fatal("no query had data")
	}
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := openDB(path, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// storedIDs lists the events' ids in the file at path.
func storedIDs(t *testing.T, path string) []int64 {
	t.Helper()
	db, err := openDB(path, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []int64
	rows, err := db.Query(`SELECT id FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}
