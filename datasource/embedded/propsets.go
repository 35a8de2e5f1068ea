package embedded

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"

	"github.com/ttmon/ttmon/datasource/embedded/internal/propset"
)

// psRef is an interned propset: its row id, its attribute tuple (an index
// into writer.tupList) and its properties as the chunk postings list them
// (index.EncodeKeyPairs), so a set found again by its hash needs no pair
// lookups to be posted.
type psRef struct {
	id  uint32
	tup uint32
	kps string
}

// errUnencodable marks properties that cannot be written as JSON
// (NaN, infinities); such events are dropped, as before.
var errUnencodable = errors.New("unencodable properties")

// kvh is one property with its pair hash.
type kvh struct {
	k string
	v any
	h h128
}

// propset interns the event's own properties (everything but $set,
// $set_once and $unset, hashed by prepare) and returns the set's id and
// attribute tuple. A set seen recently is found by the sum of its pairs'
// hashes alone (an installation's hourly heartbeat); otherwise each pair
// is interned.
func (w *writer) propset(pp *prepped) (psRef, error) {
	if r, ok := w.props.get(pp.set); ok {
		return r, nil
	}
	ids, kps := w.pairIDs[:0], w.kps[:0]
	var t index.Tuple
	for _, p := range pp.pairs {
		id, err := w.pair(p)
		if err != nil {
			return psRef{}, err
		}
		ids = append(ids, id)
		key, err := w.keyID(p.k)
		if err != nil {
			return psRef{}, err
		}
		if key != 0 {
			kps = append(kps, index.KeyPair{Key: key, Pair: id})
		}
		for i, ak := range w.attrKeys {
			if p.k == ak {
				v, ok := datasource.ValueString(p.v)
				t.Set(i, v, ok)
			}
		}
	}
	w.pairIDs, w.kps = ids, kps
	w.blob = propset.Append(w.blob[:0], ids)
	res, err := w.tx.insPropset.Exec(w.blob)
	if err != nil {
		return psRef{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return psRef{}, err
	}
	w.kv = index.AppendKeyPairs(w.kv[:0], kps)
	r := psRef{id: uint32(id), tup: w.tupleID(t), kps: string(w.kv)}
	w.props.put(pp.set, r)
	return r, nil
}

// pairHash hashes a key with its value: strings as they are, anything
// else as canonical JSON.
func (w *writer) pairHash(k string, v any) (h128, error) {
	h, b, err := w.pairHashBuf(k, v, w.kv)
	w.kv = b
	return h, err
}

// pair interns one key/value pair.
func (w *writer) pair(p kvh) (uint32, error) {
	if id, ok := w.pairs.get(p.h); ok {
		return id, nil
	}
	b, err := appendValueJSON(w.kv[:0], p.v)
	w.kv = b
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", errUnencodable, p.k, err)
	}
	val := string(b)
	res, err := w.tx.insPair.Exec(p.k, val)
	if err != nil {
		return 0, err
	}
	n, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if val != "null" {
		if err := w.noteKey(p.k); err != nil {
			return 0, err
		}
	}
	w.pairs.put(p.h, uint32(n))
	return uint32(n), nil
}

// noteKey records that key has a non-null value somewhere.
func (w *writer) noteKey(k string) error {
	h := w.h.str(k)
	if id, ok := w.keys.get(h); ok && id != 0 {
		return nil
	}
	if _, err := w.tx.insKey.Exec(k); err != nil {
		return err
	}
	var id uint32
	if err := w.tx.selKey.QueryRow(k).Scan(&id); err != nil {
		return err
	}
	w.keys.put(h, id)
	return nil
}

// keyID is key's prop_keys id, 0 while it has only had null values (such
// pairs are not posted: nothing tells them from a missing property).
func (w *writer) keyID(k string) (uint32, error) {
	h := w.h.str(k)
	if id, ok := w.keys.get(h); ok {
		return id, nil
	}
	var id uint32
	err := w.tx.selKey.QueryRow(k).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	w.keys.put(h, id)
	return id, nil
}

// tupleID interns t. The table is reset when it grows large (clients may
// send any number of versions); the propset cache, which holds tuple ids,
// is reset with it, and chunks keep pointers, so that is safe.
func (w *writer) tupleID(t index.Tuple) uint32 {
	if id, ok := w.tuples[t]; ok {
		return id
	}
	if len(w.tupList) >= 1<<16 {
		w.resetTuples()
	}
	id := uint32(len(w.tupList))
	w.tupList = append(w.tupList, &t)
	w.tuples[t] = id
	return id
}

func (w *writer) resetTuples() {
	w.tuples = map[index.Tuple]uint32{}
	w.tupList = nil
	w.props.purge()
}

// warm fills the caches with every known key, the newest pairs and
// propsets, so a restarted collector does not store each recent pair and
// set again. It runs before the first write, not at Open: a process that
// only reads never pays for it.
func (w *writer) warm(tx *sql.Tx) error {
	keyIDs := map[string]uint32{}
	err := eachRowTx(tx, `SELECT id, key FROM prop_keys`, nil, func(r *sql.Rows) error {
		var id uint32
		var k string
		err := r.Scan(&id, &k)
		keyIDs[k] = id
		w.keys.put(w.h.str(k), id)
		return err
	})
	if err != nil {
		return err
	}
	pairs, err := w.warmPairs(tx, keyIDs)
	if err != nil {
		return err
	}
	var ids []uint32
	var kps []index.KeyPair
	return eachRowTx(tx, `SELECT id, pairs FROM propsets ORDER BY id DESC LIMIT ?`, []any{w.props.size}, func(r *sql.Rows) error {
		var id uint32
		var blob []byte
		if err := r.Scan(&id, &blob); err != nil {
			return err
		}
		ids, _ = propset.Decode(ids[:0], blob)
		kps = kps[:0]
		var set h128
		var t index.Tuple
		for _, pid := range ids {
			kn, ok := pairs[pid]
			if !ok {
				return nil
			}
			set.add(kn.h)
			if kn.slot >= 0 {
				t.Set(kn.slot, kn.v, kn.ok)
			}
			if kn.key != 0 {
				kps = append(kps, index.KeyPair{Key: kn.key, Pair: pid})
			}
		}
		set.add(h128{uint64(len(ids)), 1})
		if _, ok := w.props.get(set); !ok {
			w.props.put(set, psRef{id: id, tup: w.tupleID(t), kps: index.EncodeKeyPairs(kps)})
		}
		return nil
	})
}

// knownPair is a pair warm read: its hash, its key's prop_keys id, and its
// value when its key is one of the Mapping's (slot >= 0).
type knownPair struct {
	h    h128
	key  uint32
	slot int
	v    string
	ok   bool
}

// warmPairs fills the pair cache with the newest pairs and returns them.
func (w *writer) warmPairs(tx *sql.Tx, keyIDs map[string]uint32) (map[uint32]knownPair, error) {
	pairs := map[uint32]knownPair{}
	err := eachRowTx(tx, `SELECT id, key, value FROM pairs ORDER BY id DESC LIMIT ?`, []any{w.pairs.size}, func(r *sql.Rows) error {
		var id uint32
		var k string
		var raw []byte
		if err := r.Scan(&id, &k, &raw); err != nil {
			return err
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return nil
		}
		h, err := w.pairHash(k, v)
		if err != nil {
			return nil
		}
		kn := knownPair{h: h, key: keyIDs[k], slot: -1}
		for i, ak := range w.attrKeys {
			if k == ak {
				kn.slot = i
				kn.v, kn.ok = datasource.ValueString(v)
			}
		}
		pairs[id] = kn
		w.pairs.put(h, id)
		return nil
	})
	return pairs, err
}

func eachRowTx(tx *sql.Tx, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
