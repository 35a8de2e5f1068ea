package embedded

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"github.com/ttmon/ttmon/datasource"
)

// chunkSize events share one chunk. Chunks have a fixed capacity, so the
// columns never go through a giant append-doubling copy, and each keeps its
// time bounds so a 24h query skips most of a 30-day store.
const chunkSize = 1 << 16

// Family flags live in the top bits of chunk.msk; the low 10 bits hold the
// millisecond part of the timestamp.
const (
	kHB    uint16 = 1 << 10
	kER    uint16 = 1 << 11
	kTM    uint16 = 1 << 12
	msMask uint16 = 1<<10 - 1
)

// chunk is 14 bytes per event: the columns every figure needs and nothing
// else. Names are reduced to family flags (the Mapping is fixed per Store),
// persons are reached through the distinct id, properties through the
// interned propset.
type chunk struct {
	sec          []uint32 // unix seconds
	msk          []uint16 // ms | family flags
	did          []uint32 // distinct_ids.id
	ps           []uint32 // propsets.id
	firstID      int64
	ids          []int64 // nil while the events' ids are firstID+i
	minMs, maxMs int64
}

func (c *chunk) id(i int) int64 {
	if c.ids == nil {
		return c.firstID + int64(i)
	}
	return c.ids[i]
}

func (c *chunk) ms(i int) int64 { return int64(c.sec[i])*1000 + int64(c.msk[i]&msMask) }

// psEntry is one interned property set, with the Mapping's properties
// pre-resolved to ids in index.vals (0 = missing).
type psEntry struct {
	props          decodedProps
	ver, plat, dep uint32
}

type didEntry struct {
	person uint32
	str    string
}

// personEntry is a person's current properties. A person with no distinct
// ids left has been merged away (the row is gone in SQLite).
type personEntry struct {
	props decodedProps
	dids  int32
}

// index is the in-memory column store. It tails SQLite (events and
// propsets by id, persons and distinct ids by seq), so it serves a file
// written by another process exactly as one written in-process.
type index struct {
	db    *sql.DB
	m     datasource.Mapping
	kinds map[string]uint16
	ready atomic.Bool

	tailMu                                    sync.Mutex // one catch-up at a time; guards the last* cursors
	lastEvent, lastPropset, lastName, lastSeq int64

	mu         sync.RWMutex // guards everything below
	chunks     []*chunk
	nEvents    int
	nameKind   []uint16
	propsets   []psEntry
	dids       []didEntry
	didPerson  []uint32 // dids[i].person, dense for the hot loops
	persons    []personEntry
	vals       []string
	valID      map[string]uint32
	eventKeys  map[string]bool
	personKeys map[string]bool // nil when persons changed since computed

	psCache psFilterCache
}

func newIndex(db *sql.DB, m datasource.Mapping) *index {
	x := &index{db: db, m: m, kinds: map[string]uint16{}, vals: []string{datasource.Unknown},
		valID: map[string]uint32{}, eventKeys: map[string]bool{}}
	for _, n := range m.Heartbeat {
		x.kinds[n] |= kHB
	}
	for _, n := range m.Errors {
		x.kinds[n] |= kER
	}
	for _, n := range m.Timers {
		x.kinds[n] |= kTM
	}
	x.psCache.m = map[string][]bool{}
	return x
}

func (x *index) isReady() bool { return x.ready.Load() }

func (x *index) eventCount() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.nEvents
}

// loadStep bounds how many events one catch-up transaction reads, so the
// initial load holds neither a huge batch in memory nor the write lock long.
const loadStep = 1 << 17

// load catches up with the whole file, then marks the index ready.
func (x *index) load(ctx context.Context) error {
	if err := x.catchUp(ctx); err != nil {
		return err
	}
	x.ready.Store(true)
	return nil
}

// catchUp brings the index up to the file's current state. When nothing
// changed it costs one small query, which is what a 5 s poll pays.
func (x *index) catchUp(ctx context.Context) error {
	x.tailMu.Lock()
	defer x.tailMu.Unlock()
	var ev, ps, seq, name int64
	err := x.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT max(id) FROM events), 0),
		COALESCE((SELECT max(id) FROM propsets), 0), COALESCE((SELECT value FROM meta WHERE key = 'seq'), 0),
		COALESCE((SELECT max(id) FROM event_names), 0)`).Scan(&ev, &ps, &seq, &name)
	if err != nil {
		return err
	}
	if ev == x.lastEvent && ps == x.lastPropset && seq == x.lastSeq && name == x.lastName {
		return nil
	}
	for {
		b, err := x.read(ctx)
		if err != nil {
			return err
		}
		x.apply(b)
		if len(b.events) < loadStep {
			return nil
		}
	}
}

type tailBatch struct {
	seq   int64
	names []struct {
		id   int64
		name string
	}
	propsets []struct {
		id    int64
		props decodedProps
	}
	persons []struct {
		id    int64
		props decodedProps
	}
	dids []struct {
		id, person int64
		str        string
	}
	events []struct{ id, ts, name, did, ps int64 }
}

// read fetches everything new since the cursors in one read transaction,
// so every event it returns finds its name, propset and person loaded.
func (x *index) read(ctx context.Context) (*tailBatch, error) {
	tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	b := &tailBatch{}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT value FROM meta WHERE key = 'seq'), 0)`).Scan(&b.seq); err != nil {
		return nil, err
	}
	err = rowsOf(ctx, tx, `SELECT id, name FROM event_names WHERE id > ? ORDER BY id`, []any{x.lastName}, func(r *sql.Rows) error {
		var v struct {
			id   int64
			name string
		}
		err := r.Scan(&v.id, &v.name)
		b.names = append(b.names, v)
		return err
	})
	if err == nil {
		err = rowsOf(ctx, tx, `SELECT id, properties FROM propsets WHERE id > ? ORDER BY id`, []any{x.lastPropset}, func(r *sql.Rows) error {
			var v struct {
				id    int64
				props decodedProps
			}
			var raw string
			err := r.Scan(&v.id, &raw)
			v.props = decodeProps(raw)
			b.propsets = append(b.propsets, v)
			return err
		})
	}
	if err == nil && b.seq != x.lastSeq {
		err = x.readPersons(ctx, tx, b)
	}
	if err == nil {
		err = rowsOf(ctx, tx, `SELECT id, ts, name_id, did_id, propset_id FROM events WHERE id > ? ORDER BY id LIMIT ?`,
			[]any{x.lastEvent, loadStep}, func(r *sql.Rows) error {
				var v struct{ id, ts, name, did, ps int64 }
				err := r.Scan(&v.id, &v.ts, &v.name, &v.did, &v.ps)
				b.events = append(b.events, v)
				return err
			})
	}
	return b, err
}

func (x *index) readPersons(ctx context.Context, tx *sql.Tx, b *tailBatch) error {
	err := rowsOf(ctx, tx, `SELECT id, properties FROM persons WHERE seq > ?`, []any{x.lastSeq}, func(r *sql.Rows) error {
		var v struct {
			id    int64
			props decodedProps
		}
		var raw string
		err := r.Scan(&v.id, &raw)
		v.props = decodeProps(raw)
		b.persons = append(b.persons, v)
		return err
	})
	if err != nil {
		return err
	}
	return rowsOf(ctx, tx, `SELECT id, person_id, distinct_id FROM distinct_ids WHERE seq > ? ORDER BY id`, []any{x.lastSeq}, func(r *sql.Rows) error {
		var v struct {
			id, person int64
			str        string
		}
		err := r.Scan(&v.id, &v.person, &v.str)
		b.dids = append(b.dids, v)
		return err
	})
}

func rowsOf(ctx context.Context, tx *sql.Tx, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
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

// grow extends s so that s[i] exists.
func grow[T any](s []T, i int64) []T {
	if int64(len(s)) > i {
		return s
	}
	return append(s, make([]T, int(i)+1-len(s))...)
}
