package index

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/propset"
)

// evProps answers what queries need of event properties beyond the
// Mapping's three (which the attribute tuples hold): which events pass an
// event filter, and which pair of a key each event carries (value lists,
// breakdowns). A saved chunk answers from its postings (postings.go),
// read for the keys and chunks a query needs; a chunk built from rows
// (the events after the last saved chunk) from its events' propsets.
// Nothing is read for a key no query asked about.
type evProps struct {
	mu    sync.Mutex
	flips map[string]*flipSet    // by Filter.String()
	vals  map[string]*keyValues  // by key
	sets  map[uint32][]uint32    // propsets.id -> pair ids, for chunks built from rows
	bits  map[string]*bitsResult // by the filter list's key
}

// flipSet is one filter as its key's pairs decide it: an event without
// the key (or with a null value) passes when missOK; an event with a pair
// in flip has the other outcome.
type flipSet struct {
	f      datasource.Filter
	missOK bool
	flip   map[uint32]bool
	last   int64 // pairs read up to this id
}

// keyValues is every pair of one key with its canonical value (ok false:
// null).
type keyValues struct {
	key  string
	val  map[uint32]pairVal
	last int64
}

type pairVal struct {
	v  string
	ok bool
}

// bitsResult keeps one filter list's bitsets per chunk between queries.
type bitsResult struct {
	chunks map[int64]chunkBits
}

// chunkBits is a chunk's passing events; n is how many events it had when
// evaluated (a chunk built from rows grows until it is full).
type chunkBits struct {
	n    int
	bits []uint64
}

// num is c's chunk number.
func (c *chunk) num() int64 { return c.at }

// posted reports whether c came from a saved blob, whose postings answer
// event properties; a chunk built from rows has its propsets instead.
func (c *chunk) posted() bool { return c.ps == nil }

// bitOn reports whether bit i is set.
func bitOn(bits []uint64, i int) bool { return bits[i>>6]&(1<<(i&63)) != 0 }

// pairsOf reads key's pairs with ids after last, calling fn with each id
// and canonical value.
func pairsOf(ctx context.Context, db *sql.DB, key string, last int64, fn func(id int64, v pairVal)) (int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, value FROM pairs WHERE key = ? AND id > ? ORDER BY id`, key, last)
	if err != nil {
		return last, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var raw sql.RawBytes
		if err := rows.Scan(&id, &raw); err != nil {
			return last, err
		}
		var v any
		_ = json.Unmarshal(raw, &v)
		s, ok := datasource.ValueString(v)
		fn(id, pairVal{s, ok})
		last = id
	}
	return last, rows.Err()
}

// flipsFor returns f's flip set, reading the pairs added since the last
// query.
func (x *Index) flipsFor(ctx context.Context, f datasource.Filter) (*flipSet, error) {
	e := &x.ev
	e.mu.Lock()
	defer e.mu.Unlock()
	fs := e.flips[f.String()]
	if fs == nil {
		if len(e.flips) >= 64 {
			clear(e.flips)
		}
		fs = &flipSet{f: f, missOK: f.Match("", false), flip: map[uint32]bool{}}
		e.flips[f.String()] = fs
	}
	last, err := pairsOf(ctx, x.db, f.Key, fs.last, func(id int64, v pairVal) {
		if f.Match(v.v, v.ok) != fs.missOK {
			fs.flip[uint32(id)] = true
		}
	})
	fs.last = last
	return fs, err
}

// valuesFor returns key's pairs with their values, reading the pairs
// added since the last query.
func (x *Index) valuesFor(ctx context.Context, key string) (*keyValues, error) {
	e := &x.ev
	e.mu.Lock()
	defer e.mu.Unlock()
	kv := e.vals[key]
	if kv == nil {
		if len(e.vals) >= 8 {
			clear(e.vals)
		}
		kv = &keyValues{key: key, val: map[uint32]pairVal{}}
		e.vals[key] = kv
	}
	last, err := pairsOf(ctx, x.db, key, kv.last, func(id int64, v pairVal) { kv.val[uint32(id)] = v })
	kv.last = last
	return kv, err
}

// postingsOf reads key's postings for the saved chunks in nums (sorted),
// by chunk number; a chunk without an entry has no event with key.
func (x *Index) postingsOf(ctx context.Context, key string, nums []int64) (map[int64][]byte, error) {
	out := map[int64][]byte{}
	x.mu.RLock()
	id, ok := x.eventKeys[key]
	x.mu.RUnlock()
	if !ok || len(nums) == 0 {
		return out, nil
	}
	want := map[int64]bool{}
	for _, n := range nums {
		want[n] = true
	}
	rows, err := x.db.QueryContext(ctx, `SELECT chunk, data FROM index_postings WHERE key_id = ? AND chunk BETWEEN ? AND ?`,
		id, nums[0], nums[len(nums)-1])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var num int64
		var data []byte
		if err := rows.Scan(&num, &data); err != nil {
			return nil, err
		}
		if want[num] {
			out[num] = data
		}
	}
	return out, rows.Err()
}

// loadSets reads the pair ids of the propsets in ps that are not known
// yet, for chunks built from rows.
func (x *Index) loadSets(ctx context.Context, ps []uint32) error {
	e := &x.ev
	e.mu.Lock()
	var want []any
	seen := map[uint32]bool{}
	for _, id := range ps {
		if _, ok := e.sets[id]; !ok && !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	e.mu.Unlock()
	for len(want) > 0 {
		batch := want[:min(len(want), 500)]
		want = want[len(batch):]
		rows, err := x.db.QueryContext(ctx, `SELECT id, pairs FROM propsets WHERE id IN (?`+
			strings.Repeat(", ?", len(batch)-1)+`)`, batch...)
		if err != nil {
			return err
		}
		got := map[uint32][]uint32{}
		for rows.Next() {
			var id uint32
			var blob sql.RawBytes
			if err := rows.Scan(&id, &blob); err != nil {
				rows.Close()
				return err
			}
			got[id], _ = propset.Decode(nil, blob)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		e.mu.Lock()
		for _, id := range batch {
			e.sets[id.(uint32)] = got[id.(uint32)] // a missing row is an empty set
		}
		e.mu.Unlock()
	}
	return nil
}

// dropSets forgets the propsets of chunks built from rows once none is
// left that needs them (they have been saved and decoded again), so a
// long-running monitor does not keep every new propset.
func (x *Index) dropSets() {
	e := &x.ev
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.sets)
}
