package embedded

import (
	"context"
	"database/sql"
	"fmt"
)

// ingestReq is one Ingest call waiting for its group's commit.
type ingestReq struct {
	evs   []Event
	reply chan ingestReply
}

type ingestReply struct {
	res IngestResult
	err error
}

// Ingest stores events and returns only after the transaction holding them
// has committed. Concurrent calls are grouped into one transaction (group
// commit); if that commit fails, every call in the group gets the error and
// none of their events is stored. If ctx ends while waiting, Ingest returns
// ctx.Err() and the events may or may not be stored; retrying with the same
// UUIDs is safe.
func (s *Store) Ingest(ctx context.Context, evs []Event) (IngestResult, error) {
	if len(evs) == 0 {
		return IngestResult{}, nil
	}
	req := &ingestReq{evs: evs, reply: make(chan ingestReply, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return IngestResult{}, ErrClosed
	}
	select {
	case s.reqs <- req:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return IngestResult{}, ctx.Err()
	}
	select {
	case r := <-req.reply:
		return r.res, r.err
	case <-ctx.Done():
		return IngestResult{}, ctx.Err()
	}
}

// runWriter is the single goroutine that writes. It takes whatever is
// queued (up to maxBatch events) and commits it as one transaction: under
// load, one fsync/WAL append serves many callers.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	for req := range s.reqs {
		batch := []*ingestReq{req}
		n := len(req.evs)
	drain:
		for n < s.opts.maxBatch {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
				n += len(r.evs)
			default:
				break drain
			}
		}
		s.commitGroup(batch)
	}
}

func (s *Store) commitGroup(batch []*ingestReq) {
	results := make([]IngestResult, len(batch))
	err := s.w.apply(batch, results)
	if err != nil {
		s.opts.logger.Error("embedded: ingest batch failed, rolled back", "requests", len(batch), "err", err)
		s.w.reset()
		err = fmt.Errorf("embedded store: ingest: %w", err)
	}
	for i, r := range batch {
		if err != nil {
			r.reply <- ingestReply{err: err}
		} else {
			r.reply <- ingestReply{res: results[i]}
		}
	}
}

// apply writes one group in one transaction. Caches may be updated by a
// transaction that then fails; reset() clears them in that case.
func (w *writer) apply(batch []*ingestReq, results []IngestResult) (err error) {
	ctx := context.Background()
	w.groups.Add(1)
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	w.tx = newTxStmts(tx, w.stmts)
	defer func() { w.tx = nil }()
	w.batchDirty = map[int64]*person{}
	var dropped, dups, stored int64
	for i, req := range batch {
		for j := range req.evs {
			out, err := w.applyEvent(&req.evs[j])
			if err != nil {
				return err
			}
			switch out {
			case outStored:
				results[i].Stored++
				stored++
			case outDuplicate:
				results[i].Duplicates++
				dups++
			case outDropped:
				results[i].Dropped++
				dropped++
			}
		}
	}
	if err := w.flushPersons(); err != nil {
		return err
	}
	for _, c := range []struct {
		key string
		add int64
	}{{"events", stored}, {"duplicates", dups}, {"dropped", dropped}} {
		if c.add == 0 {
			continue
		}
		if _, err := w.tx.addMeta.Exec(c.key, c.add); err != nil {
			return err
		}
	}
	if _, err := w.tx.setMeta.Exec("seq", w.seq); err != nil {
		return err
	}
	return tx.Commit()
}

// stmts are prepared once on the writer's only connection.
type stmts struct {
	insName, insDid, insPerson, insPropset, insEvent *sql.Stmt
	selName, selDid, selPerson, selPropset           *sql.Stmt
	updPerson, moveDids, delPerson                   *sql.Stmt
	selGroup, upsGroup, addMeta, setMeta             *sql.Stmt
}

var stmtSQL = map[string]string{
	"insName":    `INSERT INTO event_names(name) VALUES(?)`,
	"selName":    `SELECT id FROM event_names WHERE name = ?`,
	"insDid":     `INSERT INTO distinct_ids(distinct_id, person_id, seq) VALUES(?, ?, ?)`,
	"selDid":     `SELECT id, person_id FROM distinct_ids WHERE distinct_id = ?`,
	"insPerson":  `INSERT INTO persons(properties, created_at, seq) VALUES('{}', ?, ?)`,
	"selPerson":  `SELECT properties, created_at FROM persons WHERE id = ?`,
	"updPerson":  `UPDATE persons SET properties = ?, created_at = ?, seq = ? WHERE id = ?`,
	"moveDids":   `UPDATE distinct_ids SET person_id = ?, seq = ? WHERE person_id = ? RETURNING distinct_id`,
	"delPerson":  `DELETE FROM persons WHERE id = ?`,
	"insPropset": `INSERT INTO propsets(hash, properties) VALUES(?, ?)`,
	"selPropset": `SELECT id, properties FROM propsets WHERE hash = ?`,
	"insEvent": `INSERT OR IGNORE INTO events(ts, name_id, did_id, propset_id, uuid, person_update)
		VALUES(?, ?, ?, ?, ?, ?)`,
	"selGroup": `SELECT properties FROM groups WHERE type = ? AND key = ?`,
	"upsGroup": `INSERT INTO groups(type, key, properties) VALUES(?, ?, ?)
		ON CONFLICT(type, key) DO UPDATE SET properties = excluded.properties`,
	"addMeta": `INSERT INTO meta(key, value) VALUES(?1, ?2)
		ON CONFLICT(key) DO UPDATE SET value = value + ?2`,
	"setMeta": `INSERT INTO meta(key, value) VALUES(?1, ?2)
		ON CONFLICT(key) DO UPDATE SET value = ?2`,
}

func prepareStmts(db *sql.DB) (*stmts, error) {
	s := &stmts{}
	targets := map[string]**sql.Stmt{
		"insName": &s.insName, "selName": &s.selName, "insDid": &s.insDid, "selDid": &s.selDid,
		"insPerson": &s.insPerson, "selPerson": &s.selPerson, "updPerson": &s.updPerson,
		"moveDids": &s.moveDids, "delPerson": &s.delPerson, "insPropset": &s.insPropset,
		"selPropset": &s.selPropset, "insEvent": &s.insEvent, "selGroup": &s.selGroup,
		"upsGroup": &s.upsGroup, "addMeta": &s.addMeta, "setMeta": &s.setMeta,
	}
	for name, q := range stmtSQL {
		st, err := db.Prepare(q)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		*targets[name] = st
	}
	return s, nil
}

func (s *stmts) all() []*sql.Stmt {
	return []*sql.Stmt{s.insName, s.selName, s.insDid, s.selDid, s.insPerson, s.selPerson,
		s.updPerson, s.moveDids, s.delPerson, s.insPropset, s.selPropset, s.insEvent,
		s.selGroup, s.upsGroup, s.addMeta, s.setMeta}
}

func (s *stmts) close() {
	for _, st := range s.all() {
		if st != nil {
			st.Close()
		}
	}
}

// newTxStmts binds every prepared statement to tx; with one connection in
// the pool database/sql reuses the prepared handles.
func newTxStmts(tx *sql.Tx, s *stmts) *stmts {
	b := func(st *sql.Stmt) *sql.Stmt { return tx.Stmt(st) }
	return &stmts{
		insName: b(s.insName), selName: b(s.selName), insDid: b(s.insDid), selDid: b(s.selDid),
		insPerson: b(s.insPerson), selPerson: b(s.selPerson), updPerson: b(s.updPerson),
		moveDids: b(s.moveDids), delPerson: b(s.delPerson), insPropset: b(s.insPropset),
		selPropset: b(s.selPropset), insEvent: b(s.insEvent), selGroup: b(s.selGroup),
		upsGroup: b(s.upsGroup), addMeta: b(s.addMeta), setMeta: b(s.setMeta),
	}
}
