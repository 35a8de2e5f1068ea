package embedded

import (
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2/simplelru"
)

// writer is the state the single writer goroutine owns: prepared
// statements, the seq counter and caches that spare ingest a SELECT per
// event. Every cache is bounded; a miss falls back to the database.
type writer struct {
	db      *sql.DB
	stmts   *stmts
	tx      *stmts // statements bound to the open transaction
	now     func() time.Time
	log     *slog.Logger
	seq     int64
	names   *lru.LRU[string, int64]
	dids    *lru.LRU[string, didRef]
	persons *lru.LRU[int64, *person]
	props   *lru.LRU[[32]byte, int64]
	// batchDirty holds persons changed in the open transaction; they are
	// written once at its end and cannot be evicted before that.
	batchDirty map[int64]*person
	// groups counts transactions started; tests use it to know the writer
	// is busy.
	groups atomic.Int64
}

type didRef struct{ id, person int64 }

// person is the writer's copy of one person row.
type person struct {
	id        int64
	props     map[string]any
	createdAt int64
}

type outcome int

const (
	outStored outcome = iota
	outDuplicate
	outDropped
)

func newWriter(db *sql.DB, o options) (*writer, error) {
	st, err := prepareStmts(db)
	if err != nil {
		return nil, err
	}
	w := &writer{db: db, stmts: st, now: o.now, log: o.logger}
	w.names, _ = lru.NewLRU[string, int64](4096, nil)
	w.dids, _ = lru.NewLRU[string, didRef](1<<17, nil)
	w.persons, _ = lru.NewLRU[int64, *person](1<<16, nil)
	w.props, _ = lru.NewLRU[[32]byte, int64](o.propCache, nil)
	if err := w.loadSeq(); err != nil {
		st.close()
		return nil, err
	}
	return w, nil
}

func (w *writer) loadSeq() error {
	err := w.db.QueryRow(`SELECT COALESCE((SELECT value FROM meta WHERE key = 'seq'), 0)`).Scan(&w.seq)
	if err != nil {
		return fmt.Errorf("read seq: %w", err)
	}
	return nil
}

// reset forgets everything cached after a failed transaction: the caches
// may hold ids that the rollback took back.
func (w *writer) reset() {
	w.names.Purge()
	w.dids.Purge()
	w.persons.Purge()
	w.props.Purge()
	if err := w.loadSeq(); err != nil {
		w.log.Error("embedded: reload seq", "err", err)
	}
}

func (w *writer) closeStmts() { w.stmts.close() }

func (w *writer) nextSeq() int64 {
	w.seq++
	return w.seq
}

// applyEvent stores one event and applies its person and group effects.
// Effects of a duplicate (already stored UUID) are not applied again.
func (w *writer) applyEvent(ev *Event) (outcome, error) {
	if ev.Name == "" || ev.DistinctID == "" {
		return outDropped, nil
	}
	props, upd := splitPersonUpdate(ev.Properties)
	canon, err := json.Marshal(props)
	if err != nil {
		w.log.Warn("embedded: dropping event with unencodable properties", "event", ev.Name, "err", err)
		return outDropped, nil
	}
	tsMs := ev.Timestamp.UnixMilli()
	if ev.Timestamp.IsZero() || tsMs < 0 || tsMs/1000 > math.MaxUint32 {
		// The index keeps seconds in a uint32; a time outside 1970..2106
		// is a broken client clock, so it is stored as received, like a
		// missing one.
		tsMs = w.now().UnixMilli()
	}
	nameID, err := w.nameID(ev.Name)
	if err != nil {
		return 0, err
	}
	did, err := w.distinct(ev.DistinctID, tsMs)
	if err != nil {
		return 0, err
	}
	psID, err := w.propset(canon)
	if err != nil {
		return 0, err
	}
	var uid any
	if u, err := uuid.Parse(ev.UUID); err == nil && ev.UUID != "" {
		uid = u[:]
	}
	var pu any
	if !upd.empty() {
		b, err := json.Marshal(upd.record())
		if err != nil {
			return outDropped, nil
		}
		pu = string(b)
	}
	res, err := w.tx.insEvent.Exec(tsMs, nameID, did.id, psID, uid, pu)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n == 0 {
		return outDuplicate, nil
	}
	if err := w.special(ev, props, did, tsMs); err != nil {
		return 0, err
	}
	if !upd.empty() {
		did, err = w.distinct(ev.DistinctID, tsMs) // a merge may have moved it
		if err != nil {
			return 0, err
		}
		p, err := w.person(did.person)
		if err != nil {
			return 0, err
		}
		if upd.applyTo(p.props) {
			w.batchDirty[p.id] = p
		}
	}
	return outStored, nil
}

// special applies the person/group semantics of PostHog's own events.
func (w *writer) special(ev *Event, props map[string]any, did didRef, tsMs int64) error {
	switch ev.Name {
	case "$identify":
		if anon, ok := props["$anon_distinct_id"].(string); ok && anon != "" && anon != ev.DistinctID {
			return w.merge(did, anon, tsMs)
		}
	case "$create_alias":
		if alias, ok := props["alias"].(string); ok && alias != "" && alias != ev.DistinctID {
			return w.merge(did, alias, tsMs)
		}
	case "$groupidentify":
		return w.groupIdentify(props)
	}
	return nil
}

func (w *writer) nameID(name string) (int64, error) {
	if id, ok := w.names.Get(name); ok {
		return id, nil
	}
	var id int64
	err := w.tx.selName.QueryRow(name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		res, err := w.tx.insName.Exec(name)
		if err != nil {
			return 0, err
		}
		id, err = res.LastInsertId()
		if err != nil {
			return 0, err
		}
	} else if err != nil {
		return 0, err
	}
	w.names.Add(name, id)
	return id, nil
}

// distinct resolves a distinct id, creating it and a new person on first
// sight.
func (w *writer) distinct(d string, tsMs int64) (didRef, error) {
	if r, ok := w.dids.Get(d); ok {
		return r, nil
	}
	var r didRef
	err := w.tx.selDid.QueryRow(d).Scan(&r.id, &r.person)
	if errors.Is(err, sql.ErrNoRows) {
		p, err := w.newPerson(tsMs)
		if err != nil {
			return r, err
		}
		return w.addDistinct(d, p.id)
	} else if err != nil {
		return r, err
	}
	w.dids.Add(d, r)
	return r, nil
}

func (w *writer) addDistinct(d string, personID int64) (didRef, error) {
	res, err := w.tx.insDid.Exec(d, personID, w.nextSeq())
	if err != nil {
		return didRef{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return didRef{}, err
	}
	r := didRef{id: id, person: personID}
	w.dids.Add(d, r)
	return r, nil
}

func (w *writer) newPerson(tsMs int64) (*person, error) {
	res, err := w.tx.insPerson.Exec(tsMs, w.nextSeq())
	if err != nil {
		return nil, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	p := &person{id: id, props: map[string]any{}, createdAt: tsMs}
	w.persons.Add(id, p)
	return p, nil
}

func (w *writer) person(id int64) (*person, error) {
	if p, ok := w.batchDirty[id]; ok {
		return p, nil
	}
	if p, ok := w.persons.Get(id); ok {
		return p, nil
	}
	var raw string
	p := &person{id: id}
	if err := w.tx.selPerson.QueryRow(id).Scan(&raw, &p.createdAt); err != nil {
		return nil, fmt.Errorf("person %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(raw), &p.props); err != nil || p.props == nil {
		p.props = map[string]any{}
	}
	w.persons.Add(id, p)
	return p, nil
}

// flushPersons writes every person changed in this transaction once.
func (w *writer) flushPersons() error {
	for id, p := range w.batchDirty {
		b, err := json.Marshal(p.props)
		if err != nil {
			return fmt.Errorf("person %d: %w", id, err)
		}
		if _, err := w.tx.updPerson.Exec(string(b), p.createdAt, w.nextSeq(), id); err != nil {
			return err
		}
	}
	w.batchDirty = nil
	return nil
}

// propset interns a canonical property set and returns its id. Rows are
// keyed by 16 bytes of sha256; if a stored row with that key holds
// different JSON (a collision), a salted key names a fresh row, so two
// different sets never share an id. The cache is keyed by the full 32-byte
// digest, so a hit needs no comparison.
func (w *writer) propset(canon []byte) (int64, error) {
	full := sha256.Sum256(canon)
	if id, ok := w.props.Get(full); ok {
		return id, nil
	}
	for salt := 0; ; salt++ {
		key := full[:16]
		if salt > 0 {
			s := sha256.Sum256(append([]byte(fmt.Sprintf("salt:%d:", salt)), canon...))
			key = s[:16]
		}
		var id int64
		var stored string
		err := w.tx.selPropset.QueryRow(key).Scan(&id, &stored)
		if errors.Is(err, sql.ErrNoRows) {
			res, err := w.tx.insPropset.Exec(key, string(canon))
			if err != nil {
				return 0, err
			}
			if id, err = res.LastInsertId(); err != nil {
				return 0, err
			}
		} else if err != nil {
			return 0, err
		} else if stored != string(canon) {
			continue
		}
		w.props.Add(full, id)
		return id, nil
	}
}
