package collector

import (
	"context"
	"sync"
	"time"
)

// budget counts the bytes that request bodies may hold, all requests
// together. A request reserves room before it allocates it and gives it
// back when it is done, so body memory stays within the budget however many
// clients are sending. Waiters are not queued in order: whoever fits when
// bytes come back goes first, so one large reservation cannot hold up the
// small ones behind it.
type budget struct {
	mu    sync.Mutex
	free  int
	freed chan struct{} // closed, and replaced, whenever bytes come back
}

func newBudget(n int) *budget {
	return &budget{free: n, freed: make(chan struct{})}
}

// take reserves n bytes, waiting up to wait (or until ctx ends) for other
// requests to give some back. It reports whether it got them.
func (b *budget) take(ctx context.Context, n int, wait time.Duration) bool {
	ok, freed := b.try(n)
	if ok {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-freed:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
		if ok, freed = b.try(n); ok {
			return true
		}
	}
}

// try reserves n bytes if they are free; otherwise it returns a channel
// that is closed when some come back.
func (b *budget) try(n int) (bool, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.free >= n {
		b.free -= n
		return true, nil
	}
	return false, b.freed
}

// give returns n reserved bytes and wakes the waiters.
func (b *budget) give(n int) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}
