package index

import (
	"context"
	"sync"
)

// fgGate gives queries the cores before the index's background work (the
// prefetch, the user pairs it derives, the panes' filters it evaluates):
// a query holds the gate while it runs, and background work waits between
// its steps until no query does. A monitor's user who switches range
// while the prefetch still runs otherwise shared two cores with it, and
// with it deriving the same pairs.
type fgGate struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int // queries running
}

// enter marks a query running; call the func it returns when it ends.
func (g *fgGate) enter() (leave func()) {
	g.mu.Lock()
	g.n++
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		g.n--
		if g.n == 0 && g.cond != nil {
			g.cond.Broadcast()
		}
		g.mu.Unlock()
	}
}

// idle waits, between two steps of background work, until no query runs
// or ctx is done (wake, which Stop calls, ends the wait then).
func (g *fgGate) idle(ctx context.Context) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	for g.n > 0 && ctx.Err() == nil {
		g.cond.Wait()
	}
}

// wake ends every wait in idle (ctx is done).
func (g *fgGate) wake() {
	g.mu.Lock()
	if g.cond != nil {
		g.cond.Broadcast()
	}
	g.mu.Unlock()
}
