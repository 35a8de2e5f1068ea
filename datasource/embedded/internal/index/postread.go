package index

import (
	"context"
	"database/sql"
	"strings"

	"github.com/ttmon/ttmon/datasource/embedded/internal/propset"
)

// readPostingsInto adds to p the properties of the events with ids first
// to last (one chunk's), read from the events, propsets and pairs tables.
// keyOf maps pair ids to prop_keys ids; the pairs it lacks are looked up
// (and added to it unless it is nil). Pairs of a key that prop_keys does
// not list (only ever null) are left out: no filter can tell them from a
// missing property.
func readPostingsInto(ctx context.Context, q queryer, p *postingsBuilder, first, last int64,
	keyOf map[uint32]uint32) error {
	rows, err := q.QueryContext(ctx, `SELECT e.id, ps.pairs FROM events e JOIN propsets ps ON ps.id = e.propset_id
		WHERE e.id BETWEEN ? AND ? ORDER BY e.id`, first, last)
	if err != nil {
		return err
	}
	type event struct {
		off   int
		pairs []uint32
	}
	var evs []event
	var all []uint32
	for rows.Next() {
		var id int64
		var blob sql.RawBytes
		if err := rows.Scan(&id, &blob); err != nil {
			rows.Close()
			return err
		}
		start := len(all)
		all, _ = propset.Decode(all, blob)
		evs = append(evs, event{off: int((id - 1) % chunkSize), pairs: all[start:len(all):len(all)]})
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if keyOf == nil {
		keyOf = map[uint32]uint32{}
	}
	if err := lookupKeys(ctx, q, all, keyOf); err != nil {
		return err
	}
	for _, e := range evs {
		for _, pair := range e.pairs {
			if key, ok := keyOf[pair]; ok && key != 0 {
				p.add(e.off, key, pair)
			}
		}
	}
	return nil
}

// lookupKeys adds to keyOf the prop_keys id of each pair in pairs it lacks
// (0 for a pair whose key prop_keys does not list).
func lookupKeys(ctx context.Context, q queryer, pairs []uint32, keyOf map[uint32]uint32) error {
	var want []any
	for _, id := range pairs {
		if _, ok := keyOf[id]; !ok {
			keyOf[id] = 0
			want = append(want, id)
		}
	}
	for len(want) > 0 {
		batch := want[:min(len(want), 500)]
		want = want[len(batch):]
		rows, err := q.QueryContext(ctx, `SELECT p.id, k.id FROM pairs p JOIN prop_keys k ON k.key = p.key
			WHERE p.id IN (?`+strings.Repeat(", ?", len(batch)-1)+`)`, batch...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var pair, key uint32
			if err := rows.Scan(&pair, &key); err != nil {
				rows.Close()
				return err
			}
			keyOf[pair] = key
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// pairKeys reads every pair's prop_keys id (0 for a key prop_keys does not
// list), for building many chunks' postings at once.
func pairKeys(ctx context.Context, q queryer) (map[uint32]uint32, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, COALESCE(k.id, 0) FROM pairs p LEFT JOIN prop_keys k ON k.key = p.key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[uint32]uint32{}
	for rows.Next() {
		var pair, key uint32
		if err := rows.Scan(&pair, &key); err != nil {
			return nil, err
		}
		out[pair] = key
	}
	return out, rows.Err()
}
