package index

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/propset"
)

// attrResolver derives attribute tuples from stored propsets: it knows
// every pair of the Mapping's three properties (pairs_key finds them) and
// follows the pairs table by id.
type attrResolver struct {
	keys     [3]string
	pairs    map[uint32]slotValue
	lastPair int64
	tuples   map[Tuple]*Tuple
}

type slotValue struct {
	slot int
	v    string
	ok   bool
}

func newAttrResolver(keys [3]string) *attrResolver {
	return &attrResolver{keys: keys, pairs: map[uint32]slotValue{}, tuples: map[Tuple]*Tuple{}}
}

// refresh reads the Mapping pairs added since the last call.
func (a *attrResolver) refresh(ctx context.Context, q queryer) error {
	rows, err := q.QueryContext(ctx, `SELECT id, key, value FROM pairs WHERE key IN (?, ?, ?) AND id > ? ORDER BY id`,
		a.keys[0], a.keys[1], a.keys[2], a.lastPair)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k, raw string
		if err := rows.Scan(&id, &k, &raw); err != nil {
			return err
		}
		var v any
		_ = json.Unmarshal([]byte(raw), &v)
		s, ok := datasource.ValueString(v)
		for i, ak := range a.keys {
			if k == ak {
				a.pairs[uint32(id)] = slotValue{slot: i, v: s, ok: ok}
			}
		}
		a.lastPair = max(a.lastPair, id)
	}
	return rows.Err()
}

// tuple returns the interned tuple of a propset's encoded pairs.
func (a *attrResolver) tuple(pairs []byte, scratch []uint32) (*Tuple, []uint32) {
	ids, _ := propset.Decode(scratch[:0], pairs)
	var t Tuple
	for _, id := range ids {
		if sv, ok := a.pairs[id]; ok {
			t.v[sv.slot], t.ok[sv.slot] = sv.v, sv.ok
		}
	}
	if p, ok := a.tuples[t]; ok {
		return p, ids
	}
	p := &t
	a.tuples[t] = p
	return p, ids
}

// readRowsTx reads the events with ids first..last (inclusive) with their
// attribute tuples, in id order, using a's view of the Mapping's pairs
// (refreshed by the caller in the same transaction). Tuples of propsets
// already seen are memoised in psTup. SQLite hands the rows over as one
// string ("id,ts,name,did,propset,hex(pairs);..."): through database/sql
// a row at a time costs a microsecond or more each, and an opening index
// reads up to a chunk of them.
func readRowsTx(ctx context.Context, tx *sql.Tx, a *attrResolver, first, last int64,
	psTup map[uint32]*Tuple) ([]Row, error) {
	if psTup == nil {
		psTup = map[uint32]*Tuple{}
	}
	var all string
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(e.id || ',' || e.ts || ',' || e.name_id || ',' ||
		e.did_id || ',' || e.propset_id || ',' || hex(ps.pairs), ';'), '')
		FROM events e JOIN propsets ps ON ps.id = e.propset_id WHERE e.id BETWEEN ? AND ?`, first, last).Scan(&all)
	if err != nil {
		return nil, err
	}
	var out []Row
	var scratch []uint32
	var pairs []byte
	for all != "" {
		var line string
		line, all, _ = strings.Cut(all, ";")
		var r Row
		var ph string
		if r, ph, err = parseRow(line); err != nil {
			return nil, err
		}
		t, ok := psTup[r.PS]
		if !ok {
			if pairs, err = hex.AppendDecode(pairs[:0], []byte(ph)); err != nil {
				return nil, fmt.Errorf("embedded: events: %w", err)
			}
			t, scratch = a.tuple(pairs, scratch)
			psTup[r.PS] = t
		}
		r.Tup = t
		out = append(out, r)
	}
	if !slices.IsSortedFunc(out, func(a, b Row) int { return cmp.Compare(a.ID, b.ID) }) {
		slices.SortFunc(out, func(a, b Row) int { return cmp.Compare(a.ID, b.ID) })
	}
	return out, nil
}

// parseRow reads one "id,ts,name,did,propset,hexpairs" line.
func parseRow(line string) (Row, string, error) {
	var r Row
	var f [6]string
	rest := line
	for i := range 5 {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, ","); !ok {
			return r, "", fmt.Errorf("embedded: events: unexpected %.60q", line)
		}
	}
	f[5] = rest
	var n [5]int64
	for i := range n {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil || (i >= 2 && (v < 0 || v > math.MaxUint32)) {
			return r, "", fmt.Errorf("embedded: events: unexpected %.60q", line)
		}
		n[i] = v
	}
	r.ID, r.TS, r.Name, r.DID, r.PS = n[0], n[1], uint32(n[2]), uint32(n[3]), uint32(n[4])
	return r, f[5], nil
}

// queryer is what reads need of a *sql.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
