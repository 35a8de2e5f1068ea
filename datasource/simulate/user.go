package simulate

import (
	"math"
	"math/rand/v2"
	"time"
)

// User phases: off between sessions, idle between actions within a
// session, timing while a timer runs.
const (
	phaseOff uint8 = iota
	phaseIdle
	phaseTiming
)

// The user events, indexing Stream.userProps: one reusable map each.
const (
	uLogin = iota
	uPageview
	uStarted
	uStopped
	uResumed
	uCSV
	uExcel
	uError
	uException
	uLogout
	numUserEvents
)

// userState is a user's dynamic state within one Stream.
type userState struct {
	r          *rand.Rand
	phase      uint8
	identified bool
	hasEntry   bool
	sessionEnd int64
	timerStart int64
	timerEnd   int64
	entry      int
	project    int
	task       int // 0: none
	client     int
	hasNotes   bool
}

// initUser places user j at the stream start: inside today's session if
// the stream starts during the user's working hours, otherwise before the
// next session.
func (s *Stream) initUser(j int, start int64) int64 {
	return s.planSession(j, start, 0)
}

// planSession finds the user's next working session that ends after t,
// starting minDay local days after t's, and returns its start. Sessions
// follow the working day in the installation's time zone: weekdays, start
// around 08:45, about 7.5 hours, weekends rare.
func (s *Stream) planSession(j int, t int64, minDay int) int64 {
	u, st := &s.m.users[j], &s.usr[j]
	in := &s.m.installs[u.inst]
	loc := s.m.locs[in.tz]
	local := time.Unix(0, t).In(loc)
	y, mo, d := local.Date()
	p := workdayP[u.engagement]
	for off := minDay; off < minDay+21; off++ {
		midnight := time.Date(y, mo, d+off, 0, 0, 0, 0, loc)
		wp := p
		if wd := midnight.Weekday(); wd == time.Saturday || wd == time.Sunday {
			wp *= weekendFactor
		}
		r := st.r
		works := r.Float64() < wp
		startH := clamp(8.75+r.NormFloat64()*1.1, 6, 12.5)
		lenH := clamp(7.5+r.NormFloat64()*1.3, 2, 11)
		if !works {
			continue
		}
		begin := midnight.UnixNano() + int64(startH*float64(hour))
		end := begin + int64(lenH*float64(hour))
		if end <= t {
			continue
		}
		st.phase, st.sessionEnd = phaseOff, end
		if begin < t {
			if t >= end-minute {
				continue
			}
			return s.joinSession(j, t)
		}
		return begin
	}
	return never
}

// joinSession puts a user who is at work when the stream starts into the
// middle of their session: logged in and, mostly, with a timer running,
// the way an observer arriving at a random moment finds them. Starting
// everyone idle would make them all start a timer at once.
func (s *Stream) joinSession(j int, t int64) int64 {
	st := &s.usr[j]
	r := st.r
	st.phase = phaseIdle
	if r.Float64() < 0.7 {
		s.chooseTimer(j, false)
		st.phase = phaseTiming
		st.timerStart = t - int64(r.ExpFloat64()*float64(40*minute))
		st.timerEnd = t + s.gap(r, 45*minute)
		return min(st.timerEnd, t+s.gap(r, pageviewGap))
	}
	return t + s.gap(r, gapMean)
}

func clamp(x, lo, hi float64) float64 { return math.Min(math.Max(x, lo), hi) }

// gap draws a pause of the given mean, shortened by the activity factor.
func (s *Stream) gap(r *rand.Rand, mean int64) int64 {
	return int64(r.ExpFloat64()*float64(mean)/s.activity) + int64(time.Millisecond)
}

// stepUser performs user j's action due at t.
func (s *Stream) stepUser(j int, t int64, yield func(Event) bool) (int64, bool) {
	u, st := &s.m.users[j], &s.usr[j]
	in := &s.m.installs[u.inst]
	if t < in.birth || t >= in.death || !s.inst[u.inst].born {
		// The server is not running: whatever the user meant to do waits
		// for another day.
		st.phase = phaseOff
		return s.planSession(j, t, 1), true
	}
	r := st.r
	if st.phase != phaseOff && !st.identified && !s.identifyUser(j, t, yield) {
		return 0, false
	}
	switch st.phase {
	case phaseOff:
		st.phase = phaseIdle
		if !st.identified || r.Float64() < loginP {
			if !s.login(j, t, yield) {
				return 0, false
			}
		}
		if !s.userEvent(j, uPageview, pageDashboard, t, yield) {
			return 0, false
		}
		return t + s.gap(r, gapMean), true
	case phaseTiming:
		if t >= st.timerEnd {
			st.phase = phaseIdle
			if !s.stopTimer(j, t, yield) {
				return 0, false
			}
			return t + s.gap(r, gapMean), true
		}
		if !s.userEvent(j, uPageview, s.browsePage(r), t, yield) {
			return 0, false
		}
		return min(st.timerEnd, t+s.gap(r, pageviewGap)), true
	}
	if t >= st.sessionEnd {
		if !s.logout(j, t, yield) {
			return 0, false
		}
		return s.planSession(j, t, 1), true
	}
	x, role := r.Float64(), roleIndex(u)
	var ok bool
	switch {
	case x < exportShare[role]:
		ok = s.export(j, t, yield)
	case x < exportShare[role]+featureP[role]:
		ok = s.feature(j, t, yield)
	case x < exportShare[role]+featureP[role]+pageviewP:
		ok = s.userEvent(j, uPageview, s.browsePage(r), t, yield)
	default:
		ok = s.startTimer(j, t, yield)
		if st.phase == phaseTiming {
			return min(st.timerEnd, t+s.gap(r, pageviewGap)), ok
		}
	}
	return t + s.gap(r, gapMean), ok
}

// browsePage draws the page id of a $pageview.
func (s *Stream) browsePage(r *rand.Rand) int {
	return s.m.box.browseIdx[pick(r, browsePages)]
}

// fill sets the context properties TimeTracker adds to every product event
// and returns the event's reusable map.
func (s *Stream) fill(j, ev, page int) map[string]any {
	m, u := s.m, &s.m.users[j]
	in, st := &m.installs[u.inst], &s.inst[u.inst]
	p := s.userProps[ev]
	p["install_id"] = in.idV
	p["environment"] = m.box.env[in.env]
	p["app_version"] = m.releases[st.rel].v
	p["deployment_method"] = m.box.deploy[in.deploy]
	p["$current_url"] = in.urls[page]
	p["$host"] = in.host
	p["$pathname"] = m.box.pages[page]
	p["$browser"] = m.box.browser[u.browser]
	p["$device_type"] = m.box.device[u.device]
	p["$os"] = m.box.os[u.os]
	return p
}

// userEvent sends a product event that has only context properties, then
// rolls for an error caused by the action.
func (s *Stream) userEvent(j, ev, page int, t int64, yield func(Event) bool) bool {
	p := s.fill(j, ev, page)
	return s.emit(yield, Event{Name: userEventNames[ev], DistinctID: s.m.users[j].id, Properties: p}, t, true) &&
		s.maybeError(j, page, t, yield)
}

var userEventNames = [numUserEvents]string{
	EventLogin, EventPageview, EventTimerStarted, EventTimerStopped, EventTimerResumed,
	EventExportCSV, EventExportExcel, EventError, EventException, EventLogout,
}
