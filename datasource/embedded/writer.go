package embedded

import (
	"database/sql"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// writer is the state the single writer goroutine owns: prepared
// statements, the seq counter, the caches that spare ingest a SELECT per
// event, and the open index chunk. Every cache is bounded; a miss falls
// back to the database. The caches assume this process is the file's only
// writer.
type writer struct {
	db       *sql.DB
	stmts    *stmts
	tx       *stmts  // statements bound to the open transaction
	sqlTx    *sql.Tx // the open transaction
	now      func() time.Time
	log      *slog.Logger
	attrKeys [3]string
	seq      int64
	h        hasher
	names    *lru.LRU[string, int64]
	dids     *genCache[h128, didRef]
	persons  *lru.LRU[int64, *person]
	pairs    *genCache[h128, uint32]
	props    *genCache[h128, psRef]
	keys     *genCache[h128, uint32] // prop_keys ids; 0: not listed (only null values so far)
	tuples   map[index.Tuple]uint32
	tupList  []*index.Tuple
	dd       *dedup
	warmed   bool
	// batchDirty holds persons changed in the open transaction; they are
	// written once at its end and cannot be evicted before that.
	batchDirty map[int64]*person
	// open is the chunk being filled; committed rows are also handed to
	// an in-process index through handoff.
	open    *index.OpenChunk
	handoff func([]index.Row)
	rows    []index.Row
	// scratch buffers, reused per event
	kvs     []kvh
	pairIDs []uint32
	kps     []index.KeyPair
	kv      []byte
	blob    []byte
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
	w := &writer{db: db, stmts: st, now: o.now, log: o.logger, attrKeys: index.TupleKeys(o.mapping), h: newHasher()}
	w.open = index.NewOpenChunk(w.attrKeys)
	w.names, _ = lru.NewLRU[string, int64](4096, nil)
	w.dids = newGenCache[h128, didRef](1 << 16)
	w.persons, _ = lru.NewLRU[int64, *person](1<<15, nil)
	w.pairs = newGenCache[h128, uint32](1 << 17)
	w.props = newGenCache[h128, psRef](o.propCache)
	w.keys = newGenCache[h128, uint32](4096)
	w.tuples = map[index.Tuple]uint32{}
	w.dd = newDedup()
	if err := w.loadState(); err != nil {
		st.close()
		return nil, err
	}
	return w, nil
}

// loadState reads the seq counter.
func (w *writer) loadState() error {
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
	w.dids.purge()
	w.persons.Purge()
	w.pairs.purge()
	w.props.purge()
	w.keys.purge()
	w.resetTuples()
	w.dd.purge()
	w.warmed = false
	if err := w.loadState(); err != nil {
		w.log.Error("embedded: reload writer state", "err", err)
	}
}

func (w *writer) closeStmts() { w.stmts.close() }

func (w *writer) nextSeq() int64 {
	w.seq++
	return w.seq
}

// stmts are prepared once on the writer's only connection.
type stmts struct {
	insName, insDid, insPerson, insPropset, insEvent *sql.Stmt
	selName, selDid, selPerson, selDedup             *sql.Stmt
	updPerson, moveDids, delPerson                   *sql.Stmt
	selGroup, upsGroup, addMeta, setMeta             *sql.Stmt
	insPair, insKey, selKey, insDedup                *sql.Stmt
	selBig, insBig, isBig                            *sql.Stmt
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
	"insPropset": `INSERT INTO propsets(pairs) VALUES(?)`,
	"insPair":    `INSERT INTO pairs(key, value) VALUES(?, ?)`,
	"insKey":     `INSERT OR IGNORE INTO prop_keys(key) VALUES(?)`,
	"selKey":     `SELECT id FROM prop_keys WHERE key = ?`,
	"insEvent": `INSERT INTO events(ts, name_id, did_id, propset_id, uuid, person_update)
		VALUES(?, ?, ?, ?, ?, ?)`,
	"selDedup": `SELECT uuids FROM dedup_uuids WHERE hour = ?`,
	"insDedup": `INSERT INTO dedup_uuids(hour, uuids) VALUES(?, ?)`,
	"selBig":   `SELECT 1 FROM dedup_big WHERE hour = ? AND uuid = ?`,
	"insBig":   `INSERT OR IGNORE INTO dedup_big(hour, uuid) VALUES(?, ?)`,
	"isBig":    `SELECT 1 FROM dedup_big WHERE hour = ? LIMIT 1`,
	"selGroup": `SELECT properties FROM groups WHERE type = ? AND key = ?`,
	"upsGroup": `INSERT INTO groups(type, key, properties) VALUES(?, ?, ?)
		ON CONFLICT(type, key) DO UPDATE SET properties = excluded.properties`,
	"addMeta": `INSERT INTO meta(key, value) VALUES(?1, ?2)
		ON CONFLICT(key) DO UPDATE SET value = value + ?2`,
	"setMeta": `INSERT INTO meta(key, value) VALUES(?1, ?2)
		ON CONFLICT(key) DO UPDATE SET value = ?2`,
}

func (s *stmts) fields() map[string]**sql.Stmt {
	return map[string]**sql.Stmt{
		"insName": &s.insName, "selName": &s.selName, "insDid": &s.insDid, "selDid": &s.selDid,
		"insPerson": &s.insPerson, "selPerson": &s.selPerson, "updPerson": &s.updPerson,
		"moveDids": &s.moveDids, "delPerson": &s.delPerson, "insPropset": &s.insPropset,
		"insPair": &s.insPair, "insKey": &s.insKey, "selKey": &s.selKey, "insEvent": &s.insEvent, "selDedup": &s.selDedup,
		"selGroup": &s.selGroup, "upsGroup": &s.upsGroup,
		"addMeta": &s.addMeta, "setMeta": &s.setMeta, "insDedup": &s.insDedup,
		"selBig": &s.selBig, "insBig": &s.insBig, "isBig": &s.isBig,
	}
}

func prepareStmts(db *sql.DB) (*stmts, error) {
	s := &stmts{}
	for name, target := range s.fields() {
		st, err := db.Prepare(stmtSQL[name])
		if err != nil {
			s.close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		*target = st
	}
	return s, nil
}

func (s *stmts) close() {
	for _, st := range s.fields() {
		if *st != nil {
			(*st).Close()
		}
	}
}

// newTxStmts binds every prepared statement to tx; with one connection in
// the pool database/sql reuses the prepared handles.
func newTxStmts(tx *sql.Tx, s *stmts) *stmts {
	b := &stmts{}
	dst := b.fields()
	for name, src := range s.fields() {
		*dst[name] = tx.Stmt(*src)
	}
	return b
}
