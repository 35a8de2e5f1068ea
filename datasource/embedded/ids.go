package embedded

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

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
func (w *writer) distinct(d string, h h128, tsMs int64) (didRef, error) {
	if r, ok := w.dids.get(h); ok {
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
	w.dids.put(h, r)
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
	w.dids.put(w.h.str(d), r)
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
