package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// fetchEvents binds ids in chunks: a list longer than SQLite's variable
// limit (32766) is fine, and the caller's order is kept across chunks.
func TestFetchEventsManyIDs(t *testing.T) {
	s := openTest(t)
	for i, name := range []string{"a", "b", "c"} {
		mustIngest(t, s, Event{Name: name, DistinctID: "d", Timestamp: clock0.Add(-time.Duration(i+1) * time.Minute)})
	}
	waitReady(t, s)
	rows, err := s.rdb.Query(`SELECT e.id, n.name FROM events e JOIN event_names n ON n.id = e.name_id`)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		byName[name] = id
	}
	rows.Close()
	// c first, then 40,000 ids that do not exist, then a, then b: the real
	// ones land in three different chunks.
	ids := []int64{byName["c"]}
	for i := range 40000 {
		ids = append(ids, 1_000_000+int64(i))
		if i == 5000 {
			ids = append(ids, byName["a"])
		}
	}
	ids = append(ids, byName["b"])
	evs, err := fetchEvents(context.Background(), s.rdb, ids)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Name)
	}
	if len(got) != 3 || got[0] != "c" || got[1] != "a" || got[2] != "b" {
		t.Fatalf("got %v, want [c a b]", got)
	}
}

// A NUL in a property key becomes U+FFFD: SQLite's JSON functions end a key
// at NUL, so two keys differing after it would read back as one.
func TestNulInPropertyKey(t *testing.T) {
	s := openTest(t)
	mustIngest(t, s, Event{Name: "e", DistinctID: "d", Timestamp: clock0.Add(-time.Minute),
		Properties: map[string]any{"k\x00a": "1", "k\x00b": "2"}})
	evs, err := s.Events(context.Background(), datasource.EventsQuery{Query: day("")})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Properties["k\uFFFDa"] != "1" || evs[0].Properties["k\uFFFDb"] != "2" {
		t.Fatalf("events: %+v", evs)
	}
}
