package index

import (
	"context"
	"database/sql"
)

// tailBatch is what changed in the small tables since the cursors.
type tailBatch struct {
	seq   int64
	names []struct {
		id   int64
		name string
	}
	keys []struct {
		id  uint32
		key string
	}
	lastKey int64
	persons []struct {
		id    int64
		props personProps
	}
	dids []struct {
		id, person int64
		str        string
	}
}

// CatchUp brings the index up to the file's current state. When nothing
// changed it costs one small query, which is what a 5 s poll pays.
func (x *Index) CatchUp(ctx context.Context) error {
	x.tailMu.Lock()
	defer x.tailMu.Unlock()
	pend, lost := x.takePending()
	var ev, seq, name, key int64
	err := x.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT max(id) FROM events), 0),
		COALESCE((SELECT value FROM meta WHERE key = 'seq'), 0), COALESCE((SELECT max(id) FROM event_names), 0),
		COALESCE((SELECT max(id) FROM prop_keys), 0)`).Scan(&ev, &seq, &name, &key)
	if err != nil {
		return err
	}
	if ev == x.lastEvent && seq == x.lastSeq && name == x.lastName && key == x.lastKey && len(pend) == 0 {
		return nil
	}
	// Rows the writer handed over were committed before the tables are
	// read below, so every name, person and distinct id they need is there.
	upto := ev
	if !lost {
		for len(pend) > 0 && pend[0].ID <= x.lastEvent {
			pend = pend[1:]
		}
		if len(pend) > 0 {
			upto = pend[0].ID - 1
		}
	}
	if err := x.tail(ctx, upto); err != nil {
		return err
	}
	if !lost && len(pend) > 0 && pend[0].ID == x.lastEvent+1 {
		x.addRows(pend)
		x.lastEvent = pend[len(pend)-1].ID
	}
	return x.settle(ctx)
}

// tail reads the small tables' changes and the events up to upto, a step
// at a time so a long absence does not read millions of rows at once.
func (x *Index) tail(ctx context.Context, upto int64) error {
	for {
		tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		b, err := x.readTables(ctx, tx)
		if err == nil {
			err = x.res.refresh(ctx, tx)
		}
		var rows []Row
		if err == nil && upto > x.lastEvent {
			if len(x.psTup) > 1<<20 {
				clear(x.psTup)
			}
			rows, err = readRowsTx(ctx, tx, x.res, x.lastEvent+1, min(upto, x.lastEvent+loadStep), x.psTup)
		}
		tx.Rollback()
		if err != nil {
			return err
		}
		x.applyTables(b)
		x.addRows(rows)
		if len(rows) > 0 {
			x.lastEvent = rows[len(rows)-1].ID
		}
		if len(rows) < loadStep || x.lastEvent >= upto {
			return nil
		}
	}
}

// loadStep bounds how many events one catch-up transaction reads.
const loadStep = 1 << 17

// readTables fetches what changed in names, prop_keys, distinct ids and,
// once a query has needed them (havePersons), persons since the cursors.
func (x *Index) readTables(ctx context.Context, tx *sql.Tx) (*tailBatch, error) {
	b := &tailBatch{lastKey: x.lastKey}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT value FROM meta WHERE key = 'seq'), 0)`).Scan(&b.seq); err != nil {
		return nil, err
	}
	err := rowsOf(ctx, tx, `SELECT id, name FROM event_names WHERE id > ? ORDER BY id`, []any{x.lastName}, func(r *sql.Rows) error {
		var v struct {
			id   int64
			name string
		}
		err := r.Scan(&v.id, &v.name)
		b.names = append(b.names, v)
		return err
	})
	if err == nil {
		err = rowsOf(ctx, tx, `SELECT id, key FROM prop_keys WHERE id > ? ORDER BY id`, []any{x.lastKey}, func(r *sql.Rows) error {
			var k struct {
				id  uint32
				key string
			}
			err := r.Scan(&k.id, &k.key)
			b.keys = append(b.keys, k)
			b.lastKey = int64(k.id)
			return err
		})
	}
	if err == nil && b.seq != x.lastSeq {
		if x.havePersons {
			err = x.readPersons(ctx, tx, b, x.lastSeq)
		}
		if err == nil {
			err = x.readDIDs(ctx, tx, b)
		}
	}
	return b, err
}

// readPersons reads the persons changed after seq; from 0, the whole
// table in its own order (the seq index would cost a row lookup each).
func (x *Index) readPersons(ctx context.Context, tx *sql.Tx, b *tailBatch, seq int64) error {
	if seq == 0 {
		return readAllPersons(ctx, tx, b)
	}
	return rowsOf(ctx, tx, `SELECT id, properties FROM persons WHERE seq > ?`, []any{seq}, func(r *sql.Rows) error {
		var v struct {
			id    int64
			props personProps
		}
		var raw sql.RawBytes
		err := r.Scan(&v.id, &raw)
		v.props = newPersonProps(raw)
		b.persons = append(b.persons, v)
		return err
	})
}

// readDIDs reads the distinct ids changed since the cursor, in id order;
// their strings only once a query has needed them (haveDIDStrs).
func (x *Index) readDIDs(ctx context.Context, tx *sql.Tx, b *tailBatch) error {
	if x.lastSeq == 0 && !x.haveDIDStrs {
		return readAllDIDs(ctx, tx, b)
	}
	cols := `id, person_id, ''`
	if x.haveDIDStrs {
		cols = `id, person_id, distinct_id`
	}
	return rowsOf(ctx, tx, `SELECT `+cols+` FROM distinct_ids WHERE seq > ? ORDER BY id`, []any{x.lastSeq}, func(r *sql.Rows) error {
		var v struct {
			id, person int64
			str        string
		}
		err := r.Scan(&v.id, &v.person, &v.str)
		b.dids = append(b.dids, v)
		return err
	})
}

// needDIDStrs reads every distinct id's string the first time a query
// shows them (Installations); catch-ups read them from then on.
func (x *Index) needDIDStrs(ctx context.Context) error {
	x.tailMu.Lock()
	defer x.tailMu.Unlock()
	if x.haveDIDStrs {
		return nil
	}
	type entry struct {
		id  int64
		str string
	}
	tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var all []entry
	err = rowsOf(ctx, tx, `SELECT id, distinct_id FROM distinct_ids`, nil, func(r *sql.Rows) error {
		var e entry
		err := r.Scan(&e.id, &e.str)
		all = append(all, e)
		return err
	})
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range all {
		if e.id < int64(len(x.dids)) { // newer ones come with the next catch-up
			x.dids[e.id].str = e.str
		}
	}
	x.haveDIDStrs = true
	return nil
}

// needPersons loads every person's properties the first time a query
// needs them (a person filter, a person-scope key, the property list);
// catch-ups follow them from then on. A process that never filters on a
// person (`ttmon snapshot` without a cohort) does not read them.
func (x *Index) needPersons(ctx context.Context) error {
	x.tailMu.Lock()
	defer x.tailMu.Unlock()
	if x.havePersons {
		return nil
	}
	tx, err := x.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Persons newer than the distinct ids are harmless: the next catch-up
	// reads both from the older cursor again.
	b := &tailBatch{seq: x.lastSeq, lastKey: x.lastKey}
	if err := x.readPersons(ctx, tx, b, 0); err != nil {
		return err
	}
	x.applyTables(b)
	x.havePersons = true
	return nil
}

// applyTables adds one batch of table changes under the write lock.
// Persons come before distinct ids (a new id points at a new person).
func (x *Index) applyTables(b *tailBatch) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, n := range b.names {
		x.nameKind = grow(x.nameKind, n.id)
		x.nameKind[n.id] = x.kinds[n.name]
		x.names = grow(x.names, n.id)
		x.names[n.id] = n.name
		x.lastName = n.id
	}
	for _, k := range b.keys {
		x.eventKeys[k.key] = k.id
	}
	x.lastKey = b.lastKey
	x.growFor(b)
	if len(x.personLog) > 1<<16 {
		x.logBase += uint64(len(x.personLog))
		x.personLog = x.personLog[:0]
	}
	for _, p := range b.persons {
		x.persons = grow(x.persons, p.id)
		x.persons[p.id].props = p.props
		x.personKeys = nil
		x.personLog = append(x.personLog, uint32(p.id))
	}
	for _, d := range b.dids {
		x.dids = grow(x.dids, d.id)
		x.persons = grow(x.persons, d.person)
		if old := x.dids[d.id].person; old != 0 {
			x.persons[old].dids--
			if x.persons[old].dids == 0 {
				x.persons[old].props = nil // merged away; SQLite deleted the row
			}
			x.personLog = append(x.personLog, old)
		}
		x.personLog = append(x.personLog, uint32(d.person))
		x.dids[d.id] = didEntry{person: uint32(d.person), str: d.str}
		x.didPerson = grow(x.didPerson, d.id)
		x.didPerson[d.id] = uint32(d.person)
		x.persons[d.person].dids++
		x.personKeys = nil
	}
	x.lastSeq = b.seq
}

// growFor sizes the person and distinct id tables for b's highest ids at
// once: a first load hands them over in no particular order.
func (x *Index) growFor(b *tailBatch) {
	var maxDID, maxPerson int64
	for _, d := range b.dids {
		maxDID, maxPerson = max(maxDID, d.id), max(maxPerson, d.person)
	}
	for _, p := range b.persons {
		maxPerson = max(maxPerson, p.id)
	}
	if maxDID > 0 {
		x.dids = grow(x.dids, maxDID)
		x.didPerson = grow(x.didPerson, maxDID)
	}
	if maxPerson > 0 {
		x.persons = grow(x.persons, maxPerson)
	}
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// rowsOf runs q on db and calls fn on each row.
func rowsOf(ctx context.Context, db querier, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
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
