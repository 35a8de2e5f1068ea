package index

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"

	"github.com/ttmon/ttmon/datasource"
)

// propIndex holds every propset's pairs, for the queries that read event
// properties beyond the Mapping's (event filters, event-scope values and
// breakdowns). It is loaded on the first such query, not at open: a 10M
// store has millions of propsets and the panes rarely need them. Propsets
// stay in their compact stored form (~30 bytes each).
type propIndex struct {
	lastPropset, lastPair int64
	off                   []uint32 // propset id -> start in arena; off[id+1] is its end
	arena                 []byte
	pairKey               []uint32 // pair id -> key id (0: unknown)
	pairVal               []string
	pairSet               []bool // false for null values, which filters treat as not set
	keyID                 map[string]uint32
}

// count is the number of propset ids covered (0 included).
func (p *propIndex) count() int { return len(p.off) - 1 }

// value is the canonical value of key in propset ps.
func (p *propIndex) value(ps uint32, key string) (string, bool) {
	kid, ok := p.keyID[key]
	if !ok || int(ps) >= p.count() {
		return "", false
	}
	b := p.arena[p.off[ps]:p.off[ps+1]]
	n, k := binary.Uvarint(b)
	b = b[k:]
	id := uint64(0)
	for range n {
		d, k := binary.Uvarint(b)
		b = b[k:]
		id += d
		if id < uint64(len(p.pairKey)) && p.pairKey[id] == kid {
			return p.pairVal[id], p.pairSet[id]
		}
	}
	return "", false
}

// match reports whether propset ps passes every filter.
func (p *propIndex) match(ps uint32, fs []datasource.Filter) bool {
	for _, f := range fs {
		v, ok := p.value(ps, f.Key)
		if !f.Match(v, ok) {
			return false
		}
	}
	return true
}

// propsFor loads or follows the propIndex after a catch-up and returns it.
// The first call reads every propset and pair; it runs outside the index
// lock so other queries go on meanwhile.
func (x *Index) propsFor(ctx context.Context) (*propIndex, error) {
	x.propsMu.Lock()
	defer x.propsMu.Unlock()
	x.mu.RLock()
	cur := x.props
	x.mu.RUnlock()
	if cur == nil {
		p := &propIndex{off: []uint32{0}, pairKey: []uint32{0}, pairVal: []string{""}, pairSet: []bool{false},
			keyID: map[string]uint32{}}
		if err := p.follow(ctx, x.db); err != nil {
			return nil, err
		}
		x.mu.Lock()
		x.props = p
		x.mu.Unlock()
		return p, nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return cur, cur.follow(ctx, x.db)
}

// follow reads the pairs and propsets added since the last call.
func (p *propIndex) follow(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = rowsOf(ctx, tx, `SELECT id, key, value FROM pairs WHERE id > ? ORDER BY id`, []any{p.lastPair}, func(r *sql.Rows) error {
		var id int64
		var k string
		var raw sql.RawBytes
		if err := r.Scan(&id, &k, &raw); err != nil {
			return err
		}
		p.addPair(id, k, raw)
		return nil
	})
	if err != nil {
		return err
	}
	return rowsOf(ctx, tx, `SELECT id, pairs FROM propsets WHERE id > ? ORDER BY id`, []any{p.lastPropset}, func(r *sql.Rows) error {
		var id int64
		var pairs sql.RawBytes
		if err := r.Scan(&id, &pairs); err != nil {
			return err
		}
		for int64(p.count()) < id {
			p.off = append(p.off, uint32(len(p.arena))) // ids with no row are empty sets
		}
		p.arena = append(p.arena, pairs...)
		p.off = append(p.off, uint32(len(p.arena)))
		p.lastPropset = id
		return nil
	})
}

func (p *propIndex) addPair(id int64, k string, raw []byte) {
	kid, ok := p.keyID[k]
	if !ok {
		kid = uint32(len(p.keyID) + 1)
		p.keyID[k] = kid
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	s, set := datasource.ValueString(v)
	p.pairKey = grow(p.pairKey, id)
	p.pairVal = grow(p.pairVal, id)
	p.pairSet = grow(p.pairSet, id)
	p.pairKey[id], p.pairVal[id], p.pairSet[id] = kid, s, set
	p.lastPair = id
}
