package simulate

import (
	"iter"
	"math"
	"math/rand/v2"
	"time"
)

// Stream is one pass through a Model's timeline, from a start time onwards.
// It is a discrete-event simulation: every installation and user is a small
// state machine with a next-action time, kept in a min-heap, so events come
// out in timestamp order at O(log n) each, however long the window.
//
// A Stream is not safe for concurrent use. Once a consumer stops an Until
// iteration early the Stream is spent, because the event it was given may
// have been one of several emitted together.
type Stream struct {
	m     *Model
	salt  uint64
	seq   uint64
	pos   int64 // everything before pos has been produced
	start int64
	h     []item
	inst  []instState
	usr   []userState

	userProps                   []map[string]any // user events, then features
	instSet, instOnce           map[string]any
	userSet, userOnce           map[string]any
	seenRel                     []bool
	seenPlatform                []bool
	installEvents, userEvents   int64
	spent                       bool
	activity, rate              float64
	maxActivity                 float64 // 1 under LimitRate: never busier than the model
	winEnd, winCount, winLength int64
}

// item is a heap entry: entity id (installs first, then users) and the time
// of its next action. Ties go to the lower id, so the order is total.
type item struct {
	t  int64
	id int32
}

const never = math.MaxInt64

// Backfill yields every event of the window [from, to) in timestamp order.
func (m *Model) Backfill(from, to time.Time) iter.Seq[Event] {
	return m.Stream(from).Until(to)
}

// Stream starts a pass through the timeline at from. Installations that
// already exist at from introduce themselves (alias, identify) with their
// first event, the way a restarted TimeTracker does.
func (m *Model) Stream(from time.Time) *Stream {
	start := from.UnixNano()
	s := &Stream{
		m: m, pos: start, start: start, activity: 1, maxActivity: maxActivity,
		salt:     mix64(m.cfg.Seed) ^ mix64(uint64(from.UnixMilli())),
		inst:     make([]instState, len(m.installs)),
		usr:      make([]userState, len(m.users)),
		h:        make([]item, 0, len(m.installs)+len(m.users)),
		instSet:  map[string]any{},
		instOnce: map[string]any{},
		userSet:  map[string]any{},
		userOnce: map[string]any{},
	}
	s.userProps = make([]map[string]any, numUserEvents+len(features))
	for i := range s.userProps {
		s.userProps[i] = make(map[string]any, 16)
	}
	s.seenRel = make([]bool, len(m.releases))
	s.seenPlatform = make([]bool, len(platforms))
	for i := range m.installs {
		s.h = append(s.h, item{t: s.initInstall(i, start), id: int32(i)})
	}
	for j := range m.users {
		s.usr[j].r = rand.New(rand.NewPCG(m.cfg.Seed^0x75736572, uint64(j)))
		t := s.initUser(j, start)
		s.h = append(s.h, item{t: t, id: int32(len(m.installs) + j)})
	}
	s.heapify()
	return s
}

// Until yields the stream's events with timestamps before t, in order, and
// leaves the stream positioned at t for the next call.
func (s *Stream) Until(t time.Time) iter.Seq[Event] {
	end := t.UnixNano()
	return func(yield func(Event) bool) {
		if s.spent {
			return
		}
		for len(s.h) > 0 && s.h[0].t < end {
			if s.rate > 0 && s.h[0].t >= s.winEnd {
				s.control()
				continue
			}
			it := s.h[0]
			var next int64
			var ok bool
			if int(it.id) < len(s.inst) {
				next, ok = s.stepInstall(int(it.id), it.t, yield)
			} else {
				next, ok = s.stepUser(int(it.id)-len(s.inst), it.t, yield)
			}
			if !ok {
				s.spent = true
				return
			}
			s.h[0].t = next
			s.down(0)
		}
		s.pos = max(s.pos, end)
	}
}

// emit stamps e with its id and time and hands it to yield.
func (s *Stream) emit(yield func(Event) bool, e Event, t int64, user bool) bool {
	e.Timestamp = time.UnixMilli(t / int64(time.Millisecond)).UTC()
	e.UUID = makeUUID(s.salt, s.seq)
	s.seq++
	if user {
		s.userEvents++
	} else {
		s.installEvents++
	}
	s.winCount++
	return yield(e)
}

// SetRate makes the stream aim for about perSecond events per second from
// its current position on, by scaling how busy users are while they work
// (pauses and timer lengths shrink; sessions, users and installations stay
// the same, so active installations and DAU do not jump). A feedback loop
// re-tunes the factor every ten seconds of stream time, following the
// working-hours curve across time zones. perSecond <= 0 restores the
// natural pace. It lifts the cap of LimitRate.
func (s *Stream) SetRate(perSecond float64) {
	s.maxActivity = maxActivity
	s.setRate(perSecond)
}

func (s *Stream) setRate(perSecond float64) {
	s.rate = perSecond
	if perSecond <= 0 {
		s.setActivity(1, s.pos)
		return
	}
	s.winLength = 10 * second
	s.winEnd, s.winCount = s.pos+s.winLength, 0
	s.setActivity(s.m.calibrate(s.pos, perSecond), s.pos)
}

// LimitRate caps the stream at about perSecond events per second from its
// current position on, without ever making users busier than the model
// makes them: live traffic that follows it is the backfill's traffic for
// the same hours, so figures per installation (errors, timers) keep their
// level when a demo goes live. Only a fleet whose natural pace exceeds the
// cap is slowed down. perSecond <= 0 removes the cap.
func (s *Stream) LimitRate(perSecond float64) {
	s.maxActivity = 1
	if perSecond <= 0 {
		s.maxActivity = maxActivity
	}
	s.setRate(perSecond)
}

// maxActivity bounds the activity factor SetRate may choose.
const maxActivity = 5000

// calibrate estimates the activity factor for a target rate at time pos:
// it simulates the day before pos at the natural pace and scales the user
// traffic of its last two hours (same time of day, same time zones awake)
// up or down to what the installations leave of the target.
func (m *Model) calibrate(pos int64, perSecond float64) float64 {
	probe := m.Stream(time.Unix(0, pos-26*hour))
	for range probe.Until(time.Unix(0, pos-2*hour)) {
	}
	inst0, users0 := probe.Counts()
	for range probe.Until(time.Unix(0, pos)) {
	}
	inst1, users1 := probe.Counts()
	inst, users := float64(inst1-inst0), float64(users1-users0)
	window := 2 * 3600.0
	want := max(perSecond-inst/window, perSecond/10)
	return want / max(users/window, 1/window)
}

// control runs at the end of each rate window: it compares the events of
// the window with the target and nudges the activity factor, by at most a
// factor of two per window so that noise does not make it oscillate.
func (s *Stream) control() {
	measured := float64(s.winCount) / (float64(s.winLength) / float64(second))
	f := min(max(s.rate/max(measured, 0.05), 0.5), 2)
	now := s.winEnd
	s.winEnd += s.winLength
	s.winCount = 0
	if k := min(s.activity*f, s.maxActivity); k < 0.9*s.activity || k > 1.1*s.activity {
		s.setActivity(k, now)
	}
}

// setActivity changes the factor and rescales what users have already
// scheduled. Gaps and timer lengths are exponential-ish, so scaling the
// remaining time is a fair stand-in for having drawn them at the new pace,
// and the new pace takes effect at once instead of after the old gaps end.
func (s *Stream) setActivity(k float64, now int64) {
	k = min(max(k, 0.02), s.maxActivity)
	ratio := s.activity / k
	s.activity = k
	for i := range s.h {
		it := &s.h[i]
		if int(it.id) < len(s.inst) {
			continue
		}
		st := &s.usr[int(it.id)-len(s.inst)]
		if st.phase == phaseOff || it.t <= now {
			continue
		}
		it.t = now + int64(float64(it.t-now)*ratio)
		if st.phase == phaseTiming && st.timerEnd > now {
			st.timerEnd = now + int64(float64(st.timerEnd-now)*ratio)
		}
	}
	s.heapify()
}

// Activity reports the current user activity factor (1 = natural pace).
func (s *Stream) Activity() float64 { return s.activity }

// Counts reports how many installation-sent and user-sent events the stream
// has produced so far.
func (s *Stream) Counts() (installs, users int64) { return s.installEvents, s.userEvents }

func (s *Stream) less(a, b item) bool {
	return a.t < b.t || a.t == b.t && a.id < b.id
}

func (s *Stream) heapify() {
	for i := len(s.h)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
}

func (s *Stream) down(i int) {
	h, n := s.h, len(s.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && s.less(h[r], h[l]) {
			c = r
		}
		if !s.less(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
