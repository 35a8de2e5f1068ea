package index

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"github.com/ttmon/ttmon/datasource"
)

// tupEntry is an attribute tuple as ids into index.vals (0 = missing).
type tupEntry struct{ ver, plat, dep uint32 }

type didEntry struct {
	person uint32
	str    string
}

// personEntry is a person's current properties. A person with no distinct
// ids left has been merged away (the row is gone in SQLite).
type personEntry struct {
	props personProps
	dids  int32
}

// index is the in-memory column store. It is built on the first read (a
// process that only writes, like `ttmon collect`, never holds it) from the
// saved chunks plus the rows after them, then follows the file: events
// come from the writer directly when it lives in the same process, and
// from SQLite (by id) when another process writes; names, persons and
// distinct ids are followed by a store-wide change counter.
type Index struct {
	db    *sql.DB
	m     datasource.Mapping
	keys  [3]string
	kinds map[string]uint16
	log   func(msg string, args ...any)

	startOnce    sync.Once
	started      atomic.Bool
	loaded       chan struct{} // closed when the first load ends
	loadErr      error
	ctx          context.Context // cancelled by stop
	cancel       context.CancelFunc
	coverMu      sync.Mutex // one chunk loader at a time (cover)
	prefetchOnce sync.Once
	// afterPrefetch is the func() the prefetch calls when it is over.
	afterPrefetch atomic.Value
	bg            sync.WaitGroup // the prefetcher
	warm          listWarmer     // pane filter lists evaluated in the background (warmlists.go)
	fg            fgGate         // queries first, background work between them

	tailMu                                sync.Mutex // one catch-up at a time; guards the cursors
	lastEvent, lastName, lastSeq, lastKey int64
	havePersons                           bool // persons' properties are loaded and followed
	haveDIDStrs                           bool // distinct ids' strings are loaded and followed
	res                                   *attrResolver
	psTup                                 map[uint32]*Tuple
	pendMu                                sync.Mutex
	pending                               []Row // handed over by the in-process writer
	pendLost                              bool

	mu         sync.RWMutex // guards everything below
	chunks     []*chunk
	nEvents    int                  // events in chunks
	saved      map[int64]savedEntry // saved chunks not decoded yet
	nSaved     int                  // events in them
	nameKind   []uint16
	names      []string // event_names.name by id
	dids       []didEntry
	didPerson  []uint32 // dids[i].person, dense for the hot loops
	persons    []personEntry
	vals       []string
	valID      map[string]uint32
	tups       []tupEntry
	tupID      map[Tuple]uint32
	tupPtr     map[*Tuple]uint32
	eventKeys  map[string]uint32 // event property keys (prop_keys) and their ids
	personKeys map[string]bool   // nil when persons changed since computed

	personLog   []uint32 // persons changed, for personCache
	logBase     uint64   // entries dropped from the front of personLog
	personCache personFilterCache

	ev evProps // event properties beyond the Mapping's, read as queries need them

	der         *derived       // what the dashboard panes derive from event properties
	hbd, evd    *hbDigest      // heartbeats, and all events, by key and hour (hbdigest.go)
	digestMode  atomic.Int32   // SetDigests
	lean        bool           // SetLean
	cls         *classes       // the classes of the last lean query (lean.go); x.mu
	leanScans   atomic.Int64   // snapshots that read classes (LeanScans)
	bitsRead    atomic.Int64   // chunks whose event-filter bits were evaluated (BitsEvaluated)
	blobsRead   atomic.Int64   // chunk blobs read to decode or complete a chunk (BlobReads)
	folds       sync.WaitGroup // background folds (digestfold.go)
	touched     touchLog       // when the events added since each query fell
	paneCache   paneCache      // panes' finished buckets
	personCols  personColCache // person properties panes break down by
	firstsCache firstsCache    // new-installations panes' earliest events
}

// New returns an index over the store's reader pool db for Mapping m,
// logging load failures through log. Nothing is read until the first
// Wait; until then Offer drops what the writer hands over.
func New(db *sql.DB, m datasource.Mapping, log func(string, ...any)) *Index {
	x := &Index{db: db, m: m, keys: TupleKeys(m), kinds: map[string]uint16{}, log: log,
		loaded: make(chan struct{}), vals: []string{datasource.Unknown}, valID: map[string]uint32{},
		tups: []tupEntry{{}}, tupID: map[Tuple]uint32{}, tupPtr: map[*Tuple]uint32{},
		eventKeys: map[string]uint32{}, psTup: map[uint32]*Tuple{}}
	x.res = newAttrResolver(x.keys)
	x.der = newDerived()
	x.hbd, x.evd = newHBDigest(false), newHBDigest(true)
	x.ctx, x.cancel = context.WithCancel(context.Background())
	for _, n := range m.Heartbeat {
		x.kinds[n] |= kHB
	}
	for _, n := range m.Errors {
		x.kinds[n] |= kER
	}
	for _, n := range m.Timers {
		x.kinds[n] |= kTM
	}
	x.ev = evProps{flips: map[string]*flipSet{}, vals: map[string]*keyValues{}, sets: map[uint32][]uint32{},
		bits: map[string]*bitsResult{}}
	x.personCache.m = map[string]*personResult{}
	return x
}

// start begins the first load in the background, once. From then on the
// writer hands its committed rows over (Offer).
func (x *Index) start() {
	x.startOnce.Do(func() {
		x.started.Store(true)
		go func() {
			defer close(x.loaded)
			x.loadErr = x.load(x.ctx)
			if x.loadErr != nil && x.ctx.Err() == nil {
				x.log("embedded: index load failed", "err", x.loadErr)
			}
		}()
	})
}

// Stop cancels a load in progress and waits for it.
func (x *Index) Stop() {
	x.cancel()
	if x.started.Load() {
		<-x.loaded
	}
	x.bg.Wait()
	x.warm.mu.Lock() // no warmer starts after this (x.ctx is done)
	x.warm.mu.Unlock()
	x.warm.wg.Wait()
	x.folds.Wait()
}

// Wait starts the index if needed and waits for its first load.
func (x *Index) Wait(ctx context.Context) error {
	x.start()
	select {
	case <-x.loaded:
		return x.loadErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Ready reports whether the first load is done, so queries are answered
// (each decodes the saved chunks its range needs on its way).
func (x *Index) Ready() bool {
	select {
	case <-x.loaded:
		return x.loadErr == nil
	default:
		return false
	}
}

// Cover loads every saved chunk with events in [from, to) as a monitor
// holds it (with the offsets by name its panes read), and every event's
// distinct id when full; queries do this themselves, for their own range.
func (x *Index) Cover(ctx context.Context, from, to int64, full bool) error {
	k := keepNames
	if full {
		k |= keepDIDs
	}
	return x.cover(ctx, from, to, k)
}

// EventCount is how many events the index covers, in decoded chunks or in
// saved ones it has not needed yet.
func (x *Index) EventCount() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.nEvents + x.nSaved
}

// Offer receives rows the in-process writer has just committed. It runs on
// the writer goroutine, so it only queues them; the next catch-up applies
// them. If nobody reads for a long time the queue is dropped and the rows
// are read back from SQLite instead, so a quiet TUI cannot grow it forever.
func (x *Index) Offer(rows []Row) {
	if !x.started.Load() {
		return
	}
	x.pendMu.Lock()
	defer x.pendMu.Unlock()
	if x.pendLost {
		return
	}
	if len(x.pending)+len(rows) > maxPending {
		x.pending, x.pendLost = nil, true
		return
	}
	x.pending = append(x.pending, rows...)
}

// takePending returns the queued rows; lost reports that some were dropped.
func (x *Index) takePending() (rows []Row, lost bool) {
	x.pendMu.Lock()
	defer x.pendMu.Unlock()
	rows, lost = x.pending, x.pendLost
	x.pending, x.pendLost = nil, false
	return rows, lost
}

// grow extends s so that s[i] exists.
func grow[T any](s []T, i int64) []T {
	if int64(len(s)) > i {
		return s
	}
	return append(s, make([]T, int(i)+1-len(s))...)
}
