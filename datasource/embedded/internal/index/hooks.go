package index

// Lag is how many committed rows the writer has handed over (Offer) that
// the next catch-up has yet to apply; held is false until the first query
// starts the index. A queue that overflowed (its rows are re-read from the
// file) counts as its whole bound.
func (x *Index) Lag() (rows int, held bool) {
	if !x.started.Load() {
		return 0, false
	}
	x.pendMu.Lock()
	defer x.pendMu.Unlock()
	if x.pendLost {
		return maxPending, true
	}
	return len(x.pending), true
}

// PropsLoaded reports whether the property index (event properties other
// than the Mapping's) has been loaded; tests check that a query did not
// need it.
func (x *Index) PropsLoaded() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.props != nil
}

// maxPending bounds the rows queued for the index (about 40 MB).
var maxPending = 1 << 20

// The setters below let the embedded package's tests reach edge cases
// with few events. Each returns a function restoring the old value. None is
// safe while a store is open.

// SetChunkSize sets how many event ids a chunk holds (default 16,384), so a
// test fills many chunks with few events.
func SetChunkSize(n int64) (restore func()) {
	old := chunkSize
	chunkSize = n
	return func() { chunkSize = old }
}

// SetMaxPending bounds the rows queued for the index, so a test can
// overflow the queue.
func SetMaxPending(n int) (restore func()) {
	old := maxPending
	maxPending = n
	return func() { maxPending = old }
}

// SetParallelMin sets how many events a Snapshot must cover before it
// scans on two cores, so a test can run both paths on a small store.
func SetParallelMin(n int) (restore func()) {
	old := parallelMin
	parallelMin = n
	return func() { parallelMin = old }
}
