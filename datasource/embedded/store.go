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
	"time"

	"github.com/ttmon/ttmon/datasource"
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
	rdb   *sql.DB // readers (SQL engine, index tail, drill fetches)
	w     *writer
	reqs  chan *ingestReq
	idx   *index
	sqlE  *sqlEngine
	mu    sync.RWMutex // guards closed against Ingest's send on reqs
	close sync.Once

	presetWhy  string // why opts.mapping follows its preset, for Check
	closed     bool
	writerDone chan struct{}
	closeErr   error
}

var _ datasource.Source = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	mapping   datasource.Mapping
	logger    *slog.Logger
	now       func() time.Time
	syncFull  bool
	noIndex   bool
	maxBatch  int
	propCache int
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

// withoutIndex keeps every query on the SQL engine; tests use it.
func withoutIndex() Option { return func(o *options) { o.noIndex = true } }

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
	s.sqlE = &sqlEngine{db: rdb, m: o.mapping}
	s.idx = newIndex(rdb, o.mapping, o.logger.Info)
	// Rows committed here reach an index in this process directly, once it
	// exists; before that nothing is kept.
	w.handoff = s.idx.offer
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
		s.idx.stop()
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
	st.IndexReady = s.idx.isReady()
	return st, nil
}
