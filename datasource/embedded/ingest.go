package embedded

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// ingestReq is one Ingest call waiting for its group's commit.
type ingestReq struct {
	evs   []Event
	prep  []prepped // evs made ready by prepare
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
	req := &ingestReq{evs: evs, prep: s.w.prepare(evs), reply: make(chan ingestReply, 1)}
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
	start := time.Now()
	err := s.w.apply(batch, results)
	s.observeCommit(batch, start, err)
	if err != nil {
		s.w.reset()
		if cannotWrite(err) {
			err = fmt.Errorf("embedded store: cannot write to %s (disk full, read-only or failing?); nothing was stored, clients will retry: %w", filepath.Dir(s.path), err)
		} else {
			err = fmt.Errorf("embedded store: ingest: %w", err)
		}
		s.opts.logger.Error("embedded: ingest batch failed, rolled back", "requests", len(batch), "err", err)
	}
	for i, r := range batch {
		if err != nil {
			r.reply <- ingestReply{err: err}
		} else {
			r.reply <- ingestReply{res: results[i]}
		}
	}
}

// cannotWrite reports whether err is SQLite failing to write the file
// (SQLITE_FULL, SQLITE_IOERR_*, SQLITE_READONLY_*, SQLITE_CANTOPEN) rather
// than a problem with the data.
func cannotWrite(err error) bool {
	var se interface{ Code() int }
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case 13, 10, 8, 14: // FULL, IOERR, READONLY, CANTOPEN
		return true
	}
	return false
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
	w.tx, w.sqlTx = newTxStmts(tx, w.stmts), tx
	defer func() { w.tx, w.sqlTx = nil, nil }()
	if !w.warmed {
		// Only a process that writes pays for these, on its first write.
		if err := w.warm(tx); err != nil {
			return err
		}
		if err := w.open.Load(context.Background(), tx); err != nil {
			return err
		}
		w.warmed = true
	}
	w.batchDirty = map[int64]*person{}
	w.rows = w.rows[:0]
	w.dd.begin()
	var counts [3]int64
	for i, req := range batch {
		for j := range req.evs {
			out, err := w.applyEvent(&req.evs[j], &req.prep[j])
			if err != nil {
				return err
			}
			counts[out]++
			switch out {
			case outStored:
				results[i].Stored++
			case outDuplicate:
				results[i].Duplicates++
			case outDropped:
				results[i].Dropped++
			}
		}
	}
	if err := w.flushPersons(); err != nil {
		return err
	}
	if err := w.addCounts(counts); err != nil {
		return err
	}
	if err := w.dd.flush(w); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	w.dd.trim()
	if w.handoff != nil && len(w.rows) > 0 {
		w.handoff(w.rows)
	}
	return nil
}

func (w *writer) addCounts(counts [3]int64) error {
	for out, key := range [3]string{outStored: "events", outDuplicate: "duplicates", outDropped: "dropped"} {
		if counts[out] == 0 {
			continue
		}
		if _, err := w.tx.addMeta.Exec(key, counts[out]); err != nil {
			return err
		}
	}
	_, err := w.tx.setMeta.Exec("seq", w.seq)
	return err
}

// applyEvent stores one event and applies its person and group effects.
// Effects of a duplicate are not applied again.
func (w *writer) applyEvent(ev *Event, pp *prepped) (outcome, error) {
	if pp.skip != outStored {
		if pp.why != nil {
			w.log.Warn("embedded: dropping event with unencodable properties", "event", ev.Name, "err", pp.why)
		}
		return pp.skip, nil
	}
	ps, err := w.propset(pp)
	if errors.Is(err, errUnencodable) {
		w.log.Warn("embedded: dropping event with unencodable properties", "event", ev.Name, "err", err)
		return outDropped, nil
	} else if err != nil {
		return 0, err
	}
	nameID, err := w.nameID(ev.Name)
	if err != nil {
		return 0, err
	}
	did, err := w.distinct(ev.DistinctID, pp.didH, pp.ts)
	if err != nil {
		return 0, err
	}
	id, out, err := w.insert(pp, nameID, did.id, ps.id)
	if err != nil || out != outStored {
		return out, err
	}
	row := index.Row{ID: id, TS: pp.ts, Name: uint32(nameID), DID: uint32(did.id), PS: ps.id, Tup: w.tupList[ps.tup]}
	if err := w.addRow(row, ps.kps); err != nil {
		return 0, err
	}
	if err := w.special(ev, did, pp.ts); err != nil {
		return 0, err
	}
	if !pp.upd.empty() {
		if err := w.updatePerson(ev.DistinctID, pp.didH, pp.ts, &pp.upd); err != nil {
			return 0, err
		}
	}
	return outStored, nil
}

// insert adds the events row unless its UUID is already stored in the
// same hour (or, within a minute of the hour's edge, the neighbouring one).
func (w *writer) insert(pp *prepped, nameID, didID int64, ps uint32) (int64, outcome, error) {
	var hour int64
	if pp.uid != nil {
		if dup, err := w.dup(pp); err != nil || dup {
			return 0, outDuplicate, err
		}
		hour = pp.ts / 3_600_000
	}
	res, err := w.tx.insEvent.Exec(pp.ts, nameID, didID, ps, pp.uid, pp.pu)
	if err != nil {
		return 0, 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, 0, err
	}
	if pp.uid != nil {
		if err := w.dd.add(w, hour, &pp.uuid); err != nil {
			return 0, 0, err
		}
	}
	return id, outStored, nil
}

// dedupEdge is how close to an hour's edge an event must be for the
// neighbouring hour to be checked for its UUID: a client's retry carries
// the same timestamp, give or take the clock-skew correction.
const dedupEdge = 60_000

// dup reports whether the event's UUID is stored in its hour or, near the
// hour's edge, in the neighbouring one.
func (w *writer) dup(pp *prepped) (bool, error) {
	h, m := pp.ts/3_600_000, pp.ts%3_600_000
	if dup, err := w.dd.seen(w, h, &pp.uuid); err != nil || dup {
		return dup, err
	}
	switch {
	case m < dedupEdge && h > 0:
		h--
	case m >= 3_600_000-dedupEdge:
		h++
	default:
		return false, nil
	}
	return w.dd.seen(w, h, &pp.uuid)
}

// addRow appends a stored event with its propset's properties (kps) to
// the open chunk and saves the chunk with its postings once its last id
// is stored.
func (w *writer) addRow(r index.Row, kps string) error {
	if w.handoff != nil {
		w.rows = append(w.rows, r)
	}
	b, full := w.open.Add(r, kps)
	if !full {
		return nil
	}
	return index.SaveBlob(context.Background(), w.sqlTx, b)
}

// updatePerson applies an event's $set/$set_once/$unset to its person,
// resolved again because the event itself may have merged it.
func (w *writer) updatePerson(distinctID string, didH h128, tsMs int64, upd *personUpdate) error {
	did, err := w.distinct(distinctID, didH, tsMs)
	if err != nil {
		return err
	}
	p, err := w.person(did.person)
	if err != nil {
		return err
	}
	if upd.applyTo(p.props) {
		w.batchDirty[p.id] = p
	}
	return nil
}

// special applies the person/group semantics of PostHog's own events.
func (w *writer) special(ev *Event, did didRef, tsMs int64) error {
	props := ev.Properties
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
