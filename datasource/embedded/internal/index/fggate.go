package index

import (
	"context"
	"sync"
	"time"
)

// fgGate gives queries the cores before the index's background work (the
// prefetch, the user pairs it derives, the panes' filters it evaluates):
// a query holds the gate while it runs, and background work waits between
// its steps until no query does, or maxYield at most, so that a server
// whose sessions keep it busy still gets its prefetch done. A monitor's
// user who switches range while the prefetch still runs otherwise shared
// two cores with it, and with it deriving the same pairs.
type fgGate struct {
	mu   sync.Mutex
	n    int           // queries running
	free chan struct{} // closed when n drops to 0; nil while it is 0
}

// maxYield bounds one wait of background work for queries.
var maxYield = time.Second

// enter marks a query running; call the func it returns when it ends.
func (g *fgGate) enter() (leave func()) {
	g.mu.Lock()
	if g.n == 0 {
		g.free = make(chan struct{})
	}
	g.n++
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		if g.n--; g.n == 0 {
			close(g.free)
			g.free = nil
		}
		g.mu.Unlock()
	}
}

// idle waits, between two steps of background work, until no query runs,
// maxYield has passed or ctx is done.
func (g *fgGate) idle(ctx context.Context) {
	g.mu.Lock()
	free := g.free
	g.mu.Unlock()
	if free == nil {
		return
	}
	t := time.NewTimer(maxYield)
	defer t.Stop()
	select {
	case <-free:
	case <-ctx.Done():
	case <-t.C:
	}
}
