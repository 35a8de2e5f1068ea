package index

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"github.com/ttmon/ttmon/datasource"
)

// Family flags live in the top bits of chunk.msk; the low 10 bits hold the
// millisecond part of the timestamp.
const (
	kHB    uint16 = 1 << 10
	kER    uint16 = 1 << 11
	kTM    uint16 = 1 << 12
	msMask uint16 = 1<<10 - 1
)

// chunk is 18 bytes per event: the columns every figure needs and nothing
// else. Names are reduced to family flags (the Mapping is fixed per Store),
// persons are reached through the distinct id, the Mapping's properties
// through the interned attribute tuple, everything else through the
// propset. Chunks cover fixed id ranges (chunkSize), so each keeps its time
// bounds and a 24h query skips most of a 30-day store.
type chunk struct {
	sec          []uint32 // unix seconds
	msk          []uint16 // ms | family flags
	did          []uint32 // distinct_ids.id
	ps           []uint32 // propsets.id
	tup          []uint32 // index.tups id
	firstID      int64
	ids          []int64 // nil while the events' ids are firstID+i
	minMs, maxMs int64
	// hb, er and tm list the offsets of the heartbeats, errors and timers
	// (about 1.5 bytes per event), so a scan of a chunk inside the range
	// visits each family in a tight loop instead of testing every event.
	hb, er, tm []uint16
	// nmTab lists the chunk's event names (event_names ids) and nmOff[l]
	// the offsets of the events named nmTab[l], in order (2 bytes per
	// event): a dashboard pane visits only the events of its names, and
	// reads an event's name from the list it is on.
	nmTab []uint32
	nmOff [][]uint16
	nmLoc map[uint32]uint16 // nmTab's inverse while add fills the chunk
}

func (c *chunk) id(i int) int64 {
	if c.ids == nil {
		return c.firstID + int64(i)
	}
	return c.ids[i]
}

func (c *chunk) ms(i int) int64 { return int64(c.sec[i])*1000 + int64(c.msk[i]&msMask) }

// tupEntry is an attribute tuple as ids into index.vals (0 = missing).
type tupEntry struct{ ver, plat, dep uint32 }

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

	startOnce sync.Once
	started   atomic.Bool
	loaded    chan struct{} // closed when the first load ends
	loadErr   error
	ctx       context.Context // cancelled by stop
	cancel    context.CancelFunc
	cov       coverage       // saved chunks still loading in the background
	bg        sync.WaitGroup // the background loaders

	tailMu                                sync.Mutex // one catch-up at a time; guards the cursors
	lastEvent, lastName, lastSeq, lastKey int64
	res                                   *attrResolver
	psTup                                 map[uint32]*Tuple
	pendMu                                sync.Mutex
	pending                               []Row // handed over by the in-process writer
	pendLost                              bool

	mu         sync.RWMutex // guards everything below
	chunks     []*chunk
	nEvents    int
	maxPS      uint32 // the highest propset id of an event
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
	eventKeys  map[string]bool
	personKeys map[string]bool // nil when persons changed since computed

	personLog   []uint32 // persons changed, for personCache
	logBase     uint64   // entries dropped from the front of personLog
	personCache personFilterCache

	props   *propIndex // loaded on the first query that needs event properties
	propsMu sync.Mutex // serialises loading and following props
	psCache psFilterCache
	der     *derived // columns the dashboard panes derive from props

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
		eventKeys: map[string]bool{}, psTup: map[uint32]*Tuple{}}
	x.res = newAttrResolver(x.keys)
	x.der = newDerived()
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
	x.psCache.m = map[string][]bool{}
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

// Ready reports whether everything is loaded, saved chunks included.
func (x *Index) Ready() bool {
	select {
	case <-x.loaded:
		return x.loadErr == nil && x.cov.complete()
	default:
		return false
	}
}

// coverage tracks the saved chunks loading in the background, newest
// first. A query starting at from needs every chunk whose newest event is
// at or after from; those are loaded once floor < from.
type coverage struct {
	mu      sync.Mutex
	order   []savedEntry // by maxMs, newest first
	done    []bool
	next    int           // order[:next] are loaded
	changed chan struct{} // closed and replaced whenever next moves
	err     error
}

func (c *coverage) start(order []savedEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order, c.done, c.changed = order, make([]bool, len(order)), make(chan struct{})
}

func (c *coverage) finish(k int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done[k] = true
	moved := false
	for c.next < len(c.order) && c.done[c.next] {
		c.next++
		moved = true
	}
	if moved {
		close(c.changed)
		c.changed = make(chan struct{})
	}
}

func (c *coverage) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.changed)
		c.changed = make(chan struct{})
	}
}

func (c *coverage) complete() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.next == len(c.order)
}

// WaitCover waits until every chunk a query starting at from needs is
// loaded.
func (x *Index) WaitCover(ctx context.Context, from int64) error {
	for {
		c := &x.cov
		c.mu.Lock()
		err, ch := c.err, c.changed
		ready := c.next == len(c.order) || c.order[c.next].maxMs < from
		c.mu.Unlock()
		if err != nil {
			return err
		}
		if ready {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-x.ctx.Done():
			return x.ctx.Err()
		}
	}
}

// EventCount is how many events the index holds.
func (x *Index) EventCount() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.nEvents
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
