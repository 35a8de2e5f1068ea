package tui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
)

// snapshotMsg carries one poll's outcome back to Update. seq says which
// fetch it answers, so a result for a query that changed meanwhile is
// dropped instead of overwriting newer intent. A poll for the dashboard
// carries snap; a poll for a drill view carries drill, for the page page.
type snapshotMsg struct {
	seq   uint64
	page  uint64
	snap  *datasource.Snapshot
	drill *panes.DrillDataMsg
	err   error
	took  time.Duration
}

// job is what one poll asks for: the Snapshot (req nil), or a drill view's
// Request, on behalf of page page.
type job struct {
	page uint64
	req  *panes.Request
}

// run asks src for what j needs. Requests are asked one after another: a
// drill view needs two at most, and PostHog allows three at a time per
// team, shared with every other viewer.
func (j job) run(ctx context.Context, src datasource.Source, q datasource.Query) (*datasource.Snapshot, *panes.DrillDataMsg, error) {
	s, d, err := j.fetch(ctx, src, q)
	return printableSnapshot(s), printableDrill(d), err
}

func (j job) fetch(ctx context.Context, src datasource.Source, q datasource.Query) (*datasource.Snapshot, *panes.DrillDataMsg, error) {
	if j.req == nil {
		s, err := src.Snapshot(ctx, q)
		return s, nil, err
	}
	q.Panes, q.PanesOnly, q.Figures = nil, false, nil // the dashboard's, not the view's
	d := &panes.DrillDataMsg{Query: q}
	if len(j.req.Panes) > 0 {
		pqs := make([]datasource.PaneQuery, 0, len(j.req.Panes))
		for _, spec := range j.req.Panes {
			pq, err := datasource.ResolvePane(spec, q.Range, q.Range.To)
			if err != nil {
				return nil, nil, err
			}
			pqs = append(pqs, pq)
		}
		pq := q
		pq.Panes, pq.PanesOnly = pqs, true
		s, err := src.Snapshot(ctx, pq)
		if err != nil {
			return nil, nil, err
		}
		if s == nil {
			return nil, nil, errNoSnapshot
		}
		d.Panes = s.Panes
	}
	for _, b := range j.req.Breakdowns {
		b.Query = q
		vs, err := src.Breakdown(ctx, b)
		if err != nil {
			return nil, nil, err
		}
		d.Breakdowns = append(d.Breakdowns, vs)
	}
	if e := j.req.Events; e != nil {
		eq := *e
		eq.Query = q
		evs, err := src.Events(ctx, eq)
		if err != nil {
			return nil, nil, err
		}
		d.Events = evs
	}
	if in := j.req.Installations; in != nil {
		iq := *in
		iq.Query = q
		rows, err := src.Installations(ctx, iq)
		if err != nil {
			return nil, nil, err
		}
		d.Installations = rows
	}
	return nil, d, nil
}

// change is when the figures on screen last changed, which the header
// shows beside the time of the last good fetch when they differ. A poll
// that brings the same figures again moves nothing in the panes: Bubble
// Tea writes only changed lines, so on an idle fleet a poll rewrites the
// header line alone, which matters over slow SSH links.
type change struct {
	last any           // the figures shown (a Snapshot without timing, or a drill answer)
	at   time.Time     // when they arrived
	took time.Duration // how long that poll took
}

// note records data that arrived at now, if it differs from the last.
func (c *change) note(data any, took time.Duration, now time.Time) {
	if c.last != nil && reflect.DeepEqual(c.last, data) {
		return
	}
	c.last, c.at, c.took = data, now, took
}

// figures is s without the fields that differ on every poll (when and
// how fast it was made), for comparing what the panes show.
func figures(s *datasource.Snapshot) datasource.Snapshot {
	c := *s
	c.Source, c.GeneratedAt, c.Took = datasource.Info{}, time.Time{}, 0
	return c
}

// pollTickMsg asks for the next scheduled poll. A tick whose gen is not the
// poller's current one was superseded (refresh, pause, interval change) and
// is ignored, so there is never more than one live timer.
type pollTickMsg struct{ gen uint64 }

// poller is the refresh state machine. Exactly one fetch is in flight at a
// time; a refresh asked for meanwhile is queued and runs when it returns;
// the next poll is scheduled only after the previous one finished, so a
// slow backend stretches the cycle instead of stacking requests.
type poller struct {
	src       datasource.Source
	ctx       context.Context
	timeout   time.Duration
	requested time.Duration                                        // the operator's interval (config, flags, + and -)
	interval  time.Duration                                        // the one polls keep: requested, or the budget's if longer
	why       string                                               // the budget, when it made interval longer or a 429 lowered it
	filling   string                                               // the source's history still arriving (datasource.Filler), "" once in
	perPoll   int                                                  // backend requests the last poll's job makes
	after     func(time.Duration, func(time.Time) tea.Msg) tea.Cmd // tea.Tick; tests swap it

	seq      uint64 // id of the latest fetch started
	accept   uint64 // results of fetches with a lower id are stale
	inFlight bool
	queued   bool
	cancel   context.CancelFunc
	gen      uint64 // generation of the one tick that may poll
	paused   bool

	lastOK time.Time     // when the last good snapshot arrived
	took   time.Duration // how long the last poll took
	okTook time.Duration // how long the last good one took
	err    error         // the last poll's error; nil after a good one
	fails  int           // polls failed in a row
}

// fetch starts a poll of q for j unless one is in flight, in which case it
// queues one. The command captures everything it needs by value.
func (p *poller) fetch(q datasource.Query, j job) tea.Cmd {
	if p.inFlight {
		p.queued = true
		return nil
	}
	p.seq++
	p.inFlight = true
	p.perPoll = j.requests()
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	p.cancel = cancel
	src, seq, timeout := p.src, p.seq, p.timeout
	return func() (msg tea.Msg) {
		defer cancel()
		start := time.Now()
		defer func() {
			// A panicking adapter must not take the terminal down with it:
			// it becomes a failed poll like any other.
			if r := recover(); r != nil {
				msg = snapshotMsg{seq: seq, page: j.page, err: fmt.Errorf("the source failed: %v", r), took: time.Since(start)}
			}
		}()
		snap, drill, err := j.run(ctx, src, q)
		err = timedOut(ctx, err, timeout)
		return snapshotMsg{seq: seq, page: j.page, snap: snap, drill: drill, err: err, took: time.Since(start)}
	}
}

// timedOut words a bare deadline error from a source that does not
// classify its errors: the poll's own time limit ran out.
func timedOut(ctx context.Context, err error, timeout time.Duration) error {
	var de *datasource.Error
	if err == nil || errors.As(err, &de) || !errors.Is(err, context.DeadlineExceeded) || ctx.Err() == nil {
		return err
	}
	return &datasource.Error{Kind: datasource.ErrUnavailable, Short: "timed out",
		Message: "timed out: the source did not answer within " + timeout.String(), Err: err}
}

// finish records a result. ours is false for a result that is not the
// one awaited (it changes nothing); fresh says whether to show its data.
func (p *poller) finish(msg snapshotMsg, now time.Time) (ours, fresh bool) {
	if msg.seq != p.seq || !p.inFlight {
		return false, false
	}
	p.inFlight, p.cancel = false, nil
	if msg.seq < p.accept {
		return true, false // the query changed while it ran
	}
	p.took = msg.took
	if msg.err == nil && msg.snap == nil && msg.drill == nil {
		msg.err = errNoSnapshot
	}
	if msg.err != nil {
		p.err = msg.err
		p.fails++
		return true, false
	}
	p.err, p.fails, p.lastOK, p.okTook = nil, 0, now, msg.took
	return true, true
}

// invalidate makes the running fetch's result stale (its query changed),
// cancels it, and queues a fetch of the new query.
func (p *poller) invalidate() {
	p.accept = p.seq + 1
	if p.inFlight {
		p.cancel()
		p.queued = true
	}
}

// schedule arms the one timer for the next poll; nil while paused.
func (p *poller) schedule() tea.Cmd {
	p.gen++
	if p.paused {
		return nil
	}
	p.pace()
	gen := p.gen
	return p.after(p.wait(), func(time.Time) tea.Msg { return pollTickMsg{gen: gen} })
}

// wait is how long until the next poll: the interval; after a throttle
// or a failure, the wait the source asked for if longer (a poll before it
// would be refused without reaching the backend, and only count another
// failure); or, after a failure that asking again will not mend (a wrong
// key, a missing project, a rejected query), a minute doubling per
// failure up to ten, so a bad key does not hit the backend every few
// seconds for as long as the monitor runs. r, a new range or a new
// filter still poll at once.
func (p *poller) wait() time.Duration {
	switch datasource.KindOf(p.err) {
	case datasource.ErrThrottled, datasource.ErrUnavailable:
		if d, ok := datasource.RetryAfter(p.err); ok {
			return max(p.interval, d)
		}
	case datasource.ErrAuth, datasource.ErrNotFound, datasource.ErrQuery:
		d := max(p.interval, permanentRetry)
		for i := 1; i < p.fails && d < permanentRetryMax; i++ {
			d *= 2
		}
		return min(d, permanentRetryMax)
	}
	return p.interval
}

const permanentRetry, permanentRetryMax = time.Minute, 10 * time.Minute

// next runs after a result: the queued refresh if any, else the timer.
func (p *poller) next(q datasource.Query, j job) tea.Cmd {
	if p.queued {
		p.queued = false
		return p.fetch(q, j)
	}
	return p.schedule()
}

// stop cancels a running fetch; used on quit so no goroutine outlives the UI.
func (p *poller) stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.gen++
}

// stale reports whether the data shown is older than three intervals while
// polling is on: the backend has failed (or hung) for a while.
func (p *poller) stale(now time.Time) bool {
	return !p.paused && !p.lastOK.IsZero() && now.Sub(p.lastOK) > 3*p.interval
}

// intervals are the steps + and - move through.
var intervals = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second,
	30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
}

// stepInterval returns the next step above (up) or below d, staying within
// the ladder; a configured value between steps moves to the neighbour.
func stepInterval(d time.Duration, up bool) time.Duration {
	if up {
		for _, s := range intervals {
			if s > d {
				return s
			}
		}
		return max(d, intervals[len(intervals)-1])
	}
	for i := len(intervals) - 1; i >= 0; i-- {
		if intervals[i] < d {
			return intervals[i]
		}
	}
	return min(d, intervals[0])
}
