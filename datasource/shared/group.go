package shared

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// group coalesces identical calls and remembers their outcome. It is the
// whole of the sharing: the methods of Source only build keys and copies.
//
// A call runs in its own goroutine on a context detached from every
// caller, so the session that happened to ask first can leave (disconnect,
// change its filters) without failing the others waiting for the same
// answer. Callers are counted: when the last one leaves, the call is
// cancelled, since nobody wants its answer and a remote backend should not
// spend a concurrent-query slot on it.
type group struct {
	ttl     func() time.Duration // asked at each store: it follows a pacer
	errTTL  time.Duration
	timeout time.Duration
	max     int
	now     func() time.Time

	mu       sync.Mutex
	inflight map[string]*call
	entries  map[string]*list.Element // of *entry
	lru      list.List                // front = most recently used
}

// call is one backend request that any number of callers wait for.
type call struct {
	done    chan struct{} // closed when val and err are set
	val     any
	err     error
	waiters int
	cancel  context.CancelFunc
}

// entry is a remembered outcome; err answers are kept for errTTL only.
type entry struct {
	key     string
	val     any
	err     error
	expires time.Time
}

func newGroup(ttl func() time.Duration, errTTL, timeout time.Duration, max int, now func() time.Time) *group {
	return &group{
		ttl: ttl, errTTL: errTTL, timeout: timeout, max: max, now: now,
		inflight: map[string]*call{},
		entries:  map[string]*list.Element{},
	}
}

// do returns the remembered outcome for key while it is fresh, joins the
// call in flight for key if there is one, and otherwise starts fn. The
// value returned is the one every caller gets: callers copy it. started
// says whether this caller started the call.
func (g *group) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (v any, started bool, err error) {
	g.mu.Lock()
	if e, ok := g.lookup(key); ok {
		g.mu.Unlock()
		return e.val, false, e.err
	}
	c, ok := g.inflight[key]
	if !ok {
		// Values (none are used by sources) are kept; cancellation is not.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.timeout)
		c = &call{done: make(chan struct{}), cancel: cancel}
		g.inflight[key] = c
		started = true
		go g.run(cctx, key, c, fn)
	}
	c.waiters++
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.val, started, c.err
	case <-ctx.Done():
		g.leave(key, c)
		return nil, started, ctx.Err()
	}
}

// leave drops one waiter; the last one out cancels the call.
func (g *group) leave(key string, c *call) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c.waiters--
	if c.waiters == 0 && g.inflight[key] == c {
		delete(g.inflight, key) // the next caller starts afresh
		c.cancel()
	}
}

// run makes the backend call and publishes its outcome. A panicking
// source becomes an error: this goroutine belongs to no session, and a
// panic here would take every session down with the process.
func (g *group) run(ctx context.Context, key string, c *call, fn func(context.Context) (any, error)) {
	defer c.cancel()
	var v any
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				v, err = nil, fmt.Errorf("the source failed: %v", r)
			}
		}()
		v, err = fn(ctx)
	}()
	g.mu.Lock()
	c.val, c.err = v, err
	if g.inflight[key] == c {
		delete(g.inflight, key)
		g.store(key, v, err)
	}
	// Otherwise every waiter left and the call was cancelled: its outcome
	// (most likely context.Canceled) says nothing about the backend.
	g.mu.Unlock()
	close(c.done)
}

// lookup returns a fresh remembered outcome (g.mu held).
func (g *group) lookup(key string) (*entry, bool) {
	el, ok := g.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if !g.now().Before(e.expires) {
		g.lru.Remove(el)
		delete(g.entries, key)
		return nil, false
	}
	g.lru.MoveToFront(el)
	return e, true
}

// store remembers an outcome and evicts the least recently used entries
// beyond max (g.mu held). Expired entries are not swept: they are the
// least recently used ones, so they go first.
func (g *group) store(key string, v any, err error) {
	var ttl time.Duration
	if err == nil {
		ttl = g.ttl()
	} else {
		ttl = g.errTTL
	}
	if ttl <= 0 {
		return
	}
	e := &entry{key: key, val: v, err: err, expires: g.now().Add(ttl)}
	if el, ok := g.entries[key]; ok {
		el.Value = e
		g.lru.MoveToFront(el)
		return
	}
	g.entries[key] = g.lru.PushFront(e)
	for g.lru.Len() > g.max {
		old := g.lru.Back()
		g.lru.Remove(old)
		delete(g.entries, old.Value.(*entry).key)
	}
}
