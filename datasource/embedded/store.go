package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/hugeheap"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// ErrClosed is returned by Ingest after Close.
var ErrClosed = errors.New("embedded store is closed")

// Store is the local event store: one SQLite file written by a single writer
// goroutine (group commit) and read through an in-memory column index that
// tails the file. It implements datasource.Source.
type Store struct {
	path  string
	opts  options
	wdb   *sql.DB // exactly one connection; only the writer goroutine uses it
	rdb   *sql.DB // readers (index tail, drill fetches)
	w     *writer
	reqs  chan *ingestReq
	idx   *index.Index
	alt   index.Engine // answers instead of idx when set (withEngine)
	mu    sync.RWMutex // guards closed against Ingest's send on reqs
	close sync.Once
	// huge is the heap range reserved for huge pages before the index's
	// first load (WithHugePages); hugeOnce reserves it.
	huge     *hugeheap.Region
	hugeOnce sync.Once

	presetWhy  string // why opts.mapping follows its preset, for Check
	closed     bool
	writerDone chan struct{}
	closeErr   error
	// lastWriteFail is when a commit last failed for want of a writable
	// disk (unix nanoseconds, 0 = never or since recovered).
	lastWriteFail atomic.Int64
}

var _ datasource.Source = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	mapping   datasource.Mapping
	logger    *slog.Logger
	now       func() time.Time
	syncFull  bool
	altEngine func(db *sql.DB, m datasource.Mapping) index.Engine
	maxBatch  int
	propCache int
	onCommit  func(events int, took time.Duration, err error)
	prefetch  bool
	digests   Digests
	huge      bool
	lean      bool
}

// WithMapping sets which events and properties mean heartbeat, error, timer
// and version; the index precomputes them, so it is fixed for the Store's
// lifetime. Default datasource.DefaultMapping().
func WithMapping(m datasource.Mapping) Option { return func(o *options) { o.mapping = m } }

// WithLogger sets where the store logs (batch failures, index loading).
// Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock replaces time.Now, so tests get stable GeneratedAt values and
// events without a timestamp get a predictable one.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithSync(true) selects synchronous=FULL: every commit is fsynced, so an
// acknowledged event also survives power loss, at a cost in ingest rate
// (see the package doc). The default NORMAL survives a crash or kill -9 of
// the process.
func WithSync(full bool) Option { return func(o *options) { o.syncFull = full } }

// WithPrefetch(true) makes the index decode, in the background once the
// first query is answered, the saved chunks no query has needed yet
// (index.Prefetch), derives their user pairs and evaluates the event
// filters of the panes it has shown over all of them, so a long-running
// monitor switches to a longer range without waiting for them. A process
// that asks once leaves it off and decodes only its range.
func WithPrefetch(on bool) Option { return func(o *options) { o.prefetch = on } }

// WithHugePages(true) has the process's Go heap take transparent huge
// pages while the index first loads (internal/hugeheap): decoding a month
// of chunks fills a few hundred megabytes of fresh memory, and its page
// faults were half the CPU of a 30-day `ttmon snapshot` on the reference
// machine. With prefetch, the advice ends once the prefetch is done, so a
// long-running process's heap is not collapsed into huge pages later.
// It affects the whole process: for the one store of a ttmon command.
func WithHugePages(on bool) Option { return func(o *options) { o.huge = on } }

// WithLean(true) is for a process that asks once (`ttmon snapshot`): a
// person filter's chunks are decoded with each event's pass or fail of
// the query's person filters (a byte) instead of its distinct id (four),
// which a later query with other filters reads again from the chunks'
// blobs. A 30-day cohort over 10M events holds ~30 MB less.
func WithLean(on bool) Option { return func(o *options) { o.lean = on } }

// Digests says how the index keeps its digests of active hours
// (internal/index/hbdigest.go), which answer a dashboard's distinct
// installations and users without visiting each event.
type Digests int

const (
	// DigestsInline: the query that first reads a chunk folds it (the
	// default; every answer is computed the same way).
	DigestsInline Digests = iota
	// DigestsBackground: a query reads what is folded and scans the rest,
	// which is folded after it in the background (a long-running monitor:
	// the first query on a range does not wait for the fold).
	DigestsBackground
	// DigestsOff: never (a process that asks once: folding a month of
	// 10M events, 0.1 s for the heartbeats and 0.4 s for every event,
	// costs more than the 20-40 ms a query saves).
	DigestsOff
)

// WithDigests sets how the index keeps its digests; default DigestsInline.
func WithDigests(d Digests) Option { return func(o *options) { o.digests = d } }

// withEngine answers every query with the engine mk builds instead of the
// index. Tests pass the SQL reference engine (internal/sqlref), which only
// test binaries link.
func withEngine(mk func(db *sql.DB, m datasource.Mapping) index.Engine) Option {
	return func(o *options) { o.altEngine = mk }
}

// Open opens (creating directories and the file if needed) the store at
// path, migrates its schema and starts the writer. The in-memory index is
// built on the first query, so a process that only ingests (`ttmon
// collect`) never holds it; queries wait for it.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{
		mapping:   datasource.DefaultMapping(),
		logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		now:       time.Now,
		maxBatch:  10000,
		propCache: 1 << 18,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, errors.New("embedded store: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
	}
	registerFuncs()
	wdb, err := openDB(path, true, o.syncFull)
	if err != nil {
		return nil, err
	}
	if err := migrate(wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("embedded store %s: migrate: %w", path, err)
	}
	rdb, err := openDB(path, false, o.syncFull)
	if err != nil {
		wdb.Close()
		return nil, err
	}
	var presetWhy string
	if o.mapping, presetWhy, err = resolvePreset(context.Background(), rdb, o.mapping); err != nil {
		wdb.Close()
		rdb.Close()
		return nil, err
	}
	w, err := newWriter(wdb, o)
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("embedded store %s: %w", path, err)
	}
	s := &Store{
		path: path, opts: o, wdb: wdb, rdb: rdb, w: w, presetWhy: presetWhy,
		reqs:       make(chan *ingestReq, 256),
		writerDone: make(chan struct{}),
	}
	if o.altEngine != nil {
		s.alt = o.altEngine(rdb, o.mapping)
	}
	s.idx = index.New(rdb, o.mapping, o.logger.Info)
	s.idx.SetLean(o.lean)
	s.idx.SetDigests(map[Digests]int{DigestsInline: index.DigestsInline, DigestsBackground: index.DigestsBackground,
		DigestsOff: index.DigestsOff}[o.digests])
	// Rows committed here reach an index in this process directly, once it
	// exists; before that nothing is kept.
	w.handoff = s.idx.Offer
	go s.runWriter()
	return s, nil
}

// openDB opens one of the two pools. The writer's pool has a single
// connection and BEGIN IMMEDIATE, so a transaction never fails halfway
// upgrading to a write lock; readers use deferred transactions and never
// block the writer under WAL.
func openDB(path string, writer, syncFull bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	if syncFull {
		q.Add("_pragma", "synchronous(FULL)")
	} else {
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	if writer {
		q.Set("_txlock", "immediate")
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("embedded store %s: %w", path, err)
	}
	if writer {
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(4)
		db.SetMaxIdleConns(4)
	}
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded store %s: %w", path, err)
	}
	return db, nil
}

// Path is the store's file name as given to Open.
func (s *Store) Path() string { return s.path }

// Info names the source for the header: kind "embedded" at the db path.
func (s *Store) Info() datasource.Info {
	return datasource.Info{Kind: "embedded", Location: s.path}
}

// Close stops accepting events, waits until every queued Ingest has been
// committed or failed, stops the index loader and closes the file.
func (s *Store) Close() error {
	s.close.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.reqs)
		s.mu.Unlock()
		<-s.writerDone
		s.idx.Stop()
		s.hugeOnce.Do(func() {}) // no reserving after Close
		s.huge.Release()
		s.w.closeStmts()
		s.closeErr = errors.Join(s.wdb.Close(), s.rdb.Close())
	})
	return s.closeErr
}

// Stats describes the store for `ttmon collect` status lines and logs.
type Stats struct {
	// Events is how many events are stored.
	Events int64
	// Dropped counts events rejected for lacking a name or distinct id.
	Dropped int64
	// Duplicates counts events not stored again because their UUID was known.
	Duplicates int64
	// Persons is how many persons exist after merges.
	Persons int64
	// Bytes is the size on disk: the database plus its WAL.
	Bytes int64
	// IndexReady says whether the in-memory index is loaded (it is built
	// on the first query).
	IndexReady bool
}

// Stats reads the persisted counters and the file sizes.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.rdb.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT value FROM meta WHERE key='events'), 0),
		COALESCE((SELECT value FROM meta WHERE key='dropped'), 0),
		COALESCE((SELECT value FROM meta WHERE key='duplicates'), 0),
		(SELECT count(*) FROM persons)`).Scan(&st.Events, &st.Dropped, &st.Duplicates, &st.Persons)
	if err != nil {
		return st, fmt.Errorf("embedded stats: %w", err)
	}
	for _, p := range []string{s.path, s.path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			st.Bytes += fi.Size()
		}
	}
	st.IndexReady = s.idx.Ready()
	return st, nil
}

// WithCommitHook sets f to be called after every group commit, failed or
// not, with the events in the group and how long the transaction took, so
// `ttmon collect` can export commit latency. It runs on the writer
// goroutine between commits: it must return quickly.
func WithCommitHook(f func(events int, took time.Duration, err error)) Option {
	return func(o *options) { o.onCommit = f }
}

// observeCommit feeds WithCommitHook and remembers whether the disk took
// the last commit, for Writable.
func (s *Store) observeCommit(batch []*ingestReq, start time.Time, err error) {
	switch {
	case err == nil:
		s.lastWriteFail.Store(0)
	case cannotWrite(err):
		s.lastWriteFail.Store(s.opts.now().UnixNano())
	}
	if s.opts.onCommit == nil {
		return
	}
	n := 0
	for _, r := range batch {
		n += len(r.evs)
	}
	s.opts.onCommit(n, time.Since(start), err)
}

// QueueDepth is how many Ingest calls are queued for the writer, waiting
// for the group commit in progress to end.
func (s *Store) QueueDepth() int { return len(s.reqs) }

// writeFailGrace is how long after a commit that could not write Writable
// keeps reporting it. Past that it reports the file as writable again if
// it opens for writing, so a readiness probe lets a retry through to find
// out: a store that is never sent anything cannot otherwise recover.
const writeFailGrace = 30 * time.Second

// Writable reports why the store cannot take events now, or nil: the file
// does not open for writing (read-only file system, permissions), or a
// commit failed for want of space or a working disk in the last 30 s.
func (s *Store) Writable() error {
	f, err := os.OpenFile(s.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("cannot open %s for writing: %w", s.path, err)
	}
	f.Close()
	if t := s.lastWriteFail.Load(); t != 0 && s.opts.now().Sub(time.Unix(0, t)) < writeFailGrace {
		return fmt.Errorf("the last commit could not write to %s (disk full, read-only or failing?)", filepath.Dir(s.path))
	}
	return nil
}

// IndexLag is how many committed events the in-memory index has been
// handed and not yet applied; held is false when this process has not
// built an index (`ttmon collect` never does: readers build their own).
// Lost rows (a queue that overflowed and is re-read from the file) count
// as the queue's whole bound.
func (s *Store) IndexLag() (rows int, held bool) { return s.idx.Lag() }
