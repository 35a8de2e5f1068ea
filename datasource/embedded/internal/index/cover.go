package index

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/ttmon/ttmon/datasource"
)

// cover decodes the saved chunks with events in [from, to) that are not
// loaded yet, keeping k (every event's distinct id, the offsets by name;
// chunks decoded earlier without get them too), on up to two cores,
// reading runs of consecutive chunks with one statement each. Loading is
// serialised (coverMu), so two queries never decode one chunk twice;
// queries that need nothing new pass through on a read lock.
func (x *Index) cover(ctx context.Context, from, to int64, k keep) error {
	if len(x.missing(from, to)) == 0 && (k == 0 || len(x.lacking(from, to, k)) == 0) {
		return nil
	}
	x.coverMu.Lock()
	defer x.coverMu.Unlock()
	x.mu.RLock()
	nameKind := slices.Clone(x.nameKind)
	x.mu.RUnlock()
	err := inRuns(ctx, x.missing(from, to), func(run []savedEntry) error {
		return x.loadRun(ctx, run, nameKind, k)
	})
	if err != nil || k == 0 {
		return err
	}
	return inRuns(ctx, x.lacking(from, to, k), func(run []savedEntry) error { return x.complete(ctx, run, k) })
}

// inRuns calls work for runs of consecutive chunks of todo, at most
// runMax each, on up to two cores.
func inRuns(ctx context.Context, todo []savedEntry, work func(run []savedEntry) error) error {
	slices.SortFunc(todo, func(a, b savedEntry) int { return int(a.num - b.num) })
	var runs [][]savedEntry
	for len(todo) > 0 {
		k := 1
		for k < len(todo) && k < runMax && todo[k].num == todo[k-1].num+1 {
			k++
		}
		runs = append(runs, todo[:k])
		todo = todo[k:]
	}
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0), 2, len(runs))
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(runs) {
					errs <- nil
					return
				}
				if err := ctx.Err(); err != nil {
					errs <- err
					return
				}
				if err := work(runs[k]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
	for range workers {
		err = errors.Join(err, <-errs)
	}
	return err
}

// Prefetch decodes, in the background on one core, every saved chunk no
// query has needed yet, newest first, a run at a time: a long-running
// monitor then switches to a longer range without decoding it on the
// spot, while a query that needs other chunks waits for one run at most.
// A process that asks once (`ttmon snapshot`) does not call it; the store
// calls it once its first query is answered. It starts once, after the
// first load; Stop ends it.
func (x *Index) Prefetch() {
	x.prefetchOnce.Do(func() {
		x.bg.Add(1)
		go func() {
			defer x.bg.Done()
			defer func() {
				if f, ok := x.afterPrefetch.Load().(func()); ok {
					f()
				}
			}()
			select {
			case <-x.loaded:
			case <-x.ctx.Done():
				return
			}
			for x.ctx.Err() == nil && x.loadErr == nil {
				if x.fg.idle(x.ctx); !x.prefetchRun() {
					break
				}
			}
			if x.ctx.Err() == nil && x.loadErr == nil {
				x.warmPanes()
				x.warmAfterPrefetch()
			}
		}()
	})
}

// AfterPrefetch has f called once the prefetch is over (done, failed or
// stopped); set it before Prefetch.
func (x *Index) AfterPrefetch(f func()) { x.afterPrefetch.Store(f) }

// warmPanes readies, after the prefetch, what a dashboard pane counting
// installations or users reads first over a range it has not shown:
// every event's distinct id, the install ids and the user pairs, so that
// switching the monitor to a longer range does not derive them on the
// spot (engagement, 24h to 30d at 10M events: about 0.3 s of the switch).
// It derives the pairs a few chunks at a time, so catching up waits
// little.
func (x *Index) warmPanes() {
	x.fg.idle(x.ctx)
	if x.cover(x.ctx, math.MinInt64, math.MaxInt64, keepDIDs|keepNames) != nil {
		return
	}
	x.fg.idle(x.ctx)
	setKey := x.warm.isSet(datasource.InstallKeyProperty) // as preparePanes does
	if sets, err := x.derivePairs(x.ctx, math.MinInt64, math.MaxInt64, setKey != "", true); err == nil {
		x.seedBits(setKey, sets)
	}
}

// prefetchRun decodes the newest run of missing chunks; it reports
// whether there was one.
func (x *Index) prefetchRun() bool {
	todo := x.missing(math.MinInt64, math.MaxInt64)
	if len(todo) == 0 {
		return false
	}
	slices.SortFunc(todo, func(a, b savedEntry) int { return int(b.num - a.num) })
	k := 1
	for k < len(todo) && k < runMax && todo[k].num == todo[k-1].num-1 {
		k++
	}
	run := slices.Clone(todo[:k])
	slices.Reverse(run)
	x.coverMu.Lock()
	defer x.coverMu.Unlock()
	x.mu.RLock()
	nameKind := slices.Clone(x.nameKind)
	still := run[:0]
	for _, e := range run {
		if _, ok := x.saved[e.num]; ok {
			still = append(still, e)
		}
	}
	x.mu.RUnlock()
	if len(still) == 0 {
		return true
	}
	// Kept as warmPanes and the monitor's panes then read them.
	if err := x.loadRun(x.ctx, still, nameKind, keepDIDs|keepNames); err != nil {
		if x.ctx.Err() == nil {
			x.log("embedded: prefetching index chunks failed", "err", err)
		}
		return false
	}
	return true
}

// runMax bounds the chunks one statement reads, so both workers get a
// share of a month.
const runMax = 16

// missing lists the saved chunks with events in [from, to) not loaded yet.
func (x *Index) missing(from, to int64) []savedEntry {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []savedEntry
	for _, e := range x.saved {
		if e.maxMs >= from && e.minMs < to {
			out = append(out, e)
		}
	}
	return out
}

// loadRun decodes run, chunks with consecutive numbers, from one
// statement's rows, without copying the blobs out of SQLite. A chunk that
// is not in the current format, or does not decode, takes loadSaved's way
// afterwards.
func (x *Index) loadRun(ctx context.Context, run []savedEntry, nameKind []uint16, k keep) error {
	x.mu.RLock()
	cls := x.cls
	x.mu.RUnlock()
	rows, err := x.db.QueryContext(ctx, `SELECT id, format, data FROM index_chunks WHERE id BETWEEN ? AND ?`,
		run[0].num, run[len(run)-1].num)
	if err != nil {
		return err
	}
	done := map[int64]bool{}
	for rows.Next() {
		var num int64
		var format int
		var blob sql.RawBytes
		if err := rows.Scan(&num, &format, &blob); err != nil {
			rows.Close()
			return err
		}
		x.blobsRead.Add(1)
		j := int(num - run[0].num)
		if format != chunkFormat || j < 0 || j >= len(run) {
			continue
		}
		if c, err := decodeChunk(blob, num, x.keys, nameKind, k, cls, x.internTuples); err == nil {
			x.addChunk(run[j], c)
			done[num] = true
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, e := range run {
		if done[e.num] || ctx.Err() != nil {
			continue
		}
		c, err := x.loadSaved(ctx, e.num, nameKind)
		if err != nil {
			return err
		}
		x.addChunk(e, c)
	}
	return ctx.Err()
}

// addChunk installs the chunk decoded for saved entry e.
func (x *Index) addChunk(e savedEntry, c *chunk) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.chunks = grow(x.chunks, e.num)
	x.chunks[e.num] = c
	x.nEvents += c.len()
	delete(x.saved, e.num)
	x.nSaved -= e.n
	x.touched.begin() // a pane's kept cells of its span are counted again
	x.touched.span(c.minMs, c.maxMs)
}

// settle replaces the full chunks built from rows by their saved blobs,
// once the writer (or the load) has saved them, so their propsets are no
// longer needed: the postings answer for them. A chunk whose blob does
// not decode (made for other Mapping properties) stays as it is and is
// not tried again. x.tailMu is held.
func (x *Index) settle(ctx context.Context) error {
	var full []int64
	x.mu.RLock()
	for _, c := range x.chunks {
		if c != nil && !c.posted() && !c.rowsOnly && int64(c.len()) == chunkSize && c.ids == nil {
			full = append(full, c.num())
		}
	}
	nameKind := slices.Clone(x.nameKind)
	x.mu.RUnlock()
	settled := false
	for _, num := range full {
		var blob []byte
		err := x.db.QueryRowContext(ctx, `SELECT data FROM index_chunks WHERE id = ? AND format = ?`, num, chunkFormat).Scan(&blob)
		if errors.Is(err, sql.ErrNoRows) {
			continue // not saved (yet, or by a process that cannot write)
		}
		if err != nil {
			return err
		}
		c, err := decodeChunk(blob, num, x.keys, nameKind, keepDIDs|keepNames, nil, x.internTuples)
		x.mu.Lock()
		if err != nil {
			x.chunks[num].rowsOnly = true
		} else {
			x.chunks[num] = c
			settled = true
		}
		x.mu.Unlock()
	}
	if settled {
		x.dropSets()
	}
	return nil
}
