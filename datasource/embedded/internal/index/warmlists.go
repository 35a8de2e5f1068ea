package index

import (
	"math"
	"sync"

	"github.com/ttmon/ttmon/datasource"
)

// A pane's own event filters (Where, such as Active users' `event.
// install_id is set`) are evaluated from the postings over the range it
// shows, and kept per chunk (x.ev.bits). Switched to a longer range, the
// pane would read the rest of the postings on the spot: a month of
// install ids at 10M events is ~0.2 s. A monitor's index therefore
// evaluates every list of pane filters it has seen over all history in
// the background: those seen before its prefetch ends when the prefetch
// ends, later ones as they come.

// listWarmer remembers the lists of pane event filters seen.
type listWarmer struct {
	mu     sync.Mutex
	seen   map[string][]datasource.Filter // by filterListKey
	warmed map[string]bool
	on     bool // the prefetch is over: new lists are warmed as they come
	wg     sync.WaitGroup
}

// maxWarmLists bounds the lists kept warm: x.ev.bits keeps eight (a list
// it drops is evaluated again by the next query that needs it, not here).
const maxWarmLists = 8

// notePaneLists records the lists of pane filters a query evaluated and,
// once the prefetch is over, warms the new ones in the background.
func (x *Index) notePaneLists(lists evLists) {
	w := &x.warm
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil {
		w.seen, w.warmed = map[string][]datasource.Filter{}, map[string]bool{}
	}
	for key, l := range lists {
		if _, ok := w.seen[key]; !ok && len(w.seen) < maxWarmLists {
			w.seen[key] = l.fs
		}
	}
	if !w.on || x.ctx.Err() != nil {
		return
	}
	if todo := w.take(); len(todo) > 0 {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			x.warmLists(todo)
		}()
	}
}

// take returns the seen lists not warmed yet and marks them; w.mu is held.
func (w *listWarmer) take() evLists {
	todo := evLists{}
	for key, fs := range w.seen {
		if !w.warmed[key] {
			w.warmed[key] = true
			todo[key] = &evList{fs: fs, from: math.MinInt64, to: math.MaxInt64}
		}
	}
	return todo
}

// isSet is the key of the seen list that is "key is set" alone, or "".
func (w *listWarmer) isSet(key string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, fs := range w.seen {
		if isSetOnly(fs, key) {
			return k
		}
	}
	return ""
}

// warmAfterPrefetch warms the lists seen so far and has later ones warmed
// as they come; the prefetch calls it when it is over.
func (x *Index) warmAfterPrefetch() {
	w := &x.warm
	w.mu.Lock()
	w.on = true
	if w.seen == nil {
		w.seen, w.warmed = map[string][]datasource.Filter{}, map[string]bool{}
	}
	todo := w.take()
	w.mu.Unlock()
	x.warmLists(todo)
}

// warmLists evaluates lists over every chunk into x.ev.bits.
func (x *Index) warmLists(lists evLists) {
	if len(lists) == 0 || x.ctx.Err() != nil {
		return
	}
	x.fg.idle(x.ctx)
	if err := x.evalLists(x.ctx, &Plan{}, lists); err != nil && x.ctx.Err() == nil {
		x.log("embedded: evaluating pane filters in the background failed", "err", err)
	}
}
