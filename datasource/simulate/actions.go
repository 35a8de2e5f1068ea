package simulate

import (
	"math"
	"time"
)

// login sends auth.login and the user's identify, as TimeTracker does on a
// successful login.
func (s *Stream) login(j int, t int64, yield func(Event) bool) bool {
	m, u := s.m, &s.m.users[j]
	p := s.fill(j, uLogin, pageLogin)
	p["auth_method"] = m.box.auth[u.auth]
	return s.emit(yield, Event{Name: EventLogin, DistinctID: u.id, Properties: p}, t, true) &&
		s.identifyUser(j, t, yield)
}

// identifyUser sets the user's person properties, nested like TimeTracker's
// python client sends them.
func (s *Stream) identifyUser(j int, t int64, yield func(Event) bool) bool {
	m, u := s.m, &s.m.users[j]
	s.usr[j].identified = true
	set, once := s.userSet, s.userOnce
	set["role"] = m.box.roles[roleIndex(u)]
	set["is_admin"] = u.admin
	set["auth_method"] = m.box.auth[u.auth]
	set["engagement_level"] = m.box.engagement[u.engagement]
	set["install_id"] = m.installs[u.inst].idV
	set["last_login"] = time.Unix(0, t).UTC().Format(time.RFC3339)
	once["first_login"] = set["last_login"]
	once["signup_auth_method"] = m.box.auth[u.auth]
	e := Event{Kind: KindIdentify, Name: "$identify", DistinctID: u.id, Set: set, SetOnce: once}
	return s.emit(yield, e, t, true)
}

// startTimer starts a new timer, or resumes the last entry (timer.resumed),
// and schedules its stop.
func (s *Stream) startTimer(j int, t int64, yield func(Event) bool) bool {
	u, st := &s.m.users[j], &s.usr[j]
	r := st.r
	resume := st.hasEntry && r.Float64() < resumeP
	original := st.entry
	s.chooseTimer(j, resume)
	// Timer lengths are log-normal around 85 minutes, 2 minutes to 5 hours.
	d := clamp(float64(timerMedian)*math.Exp(r.NormFloat64()*0.7), float64(2*minute), float64(5*hour))
	st.timerStart, st.timerEnd = t, t+int64(d/s.activity)+int64(time.Millisecond)
	st.phase = phaseTiming

	ev, page := uStarted, pageTimerStart
	if resume {
		ev, page = uResumed, pageTimerResume
	}
	p := s.fill(j, ev, page)
	p["project_id"] = st.project
	p["client_id"] = st.client
	p["task_id"] = taskValue(st.task)
	if resume {
		p["time_entry_id"] = st.entry
		p["original_timer_id"] = original
		p["has_notes"] = st.hasNotes
		p["has_tags"] = st.project%4 == 0
	} else {
		p["has_description"] = st.hasNotes
	}
	return s.emit(yield, Event{Name: userEventNames[ev], DistinctID: u.id, Properties: p}, t, true) &&
		s.maybeError(j, page, t, yield)
}

// chooseTimer picks what a new timer tracks (a resume keeps the last
// entry's project and task) and hands out its time entry id.
func (s *Stream) chooseTimer(j int, resume bool) {
	u, st := &s.m.users[j], &s.usr[j]
	r := st.r
	if !resume {
		projects := s.m.installs[u.inst].projects
		st.project = u.project
		if r.Float64() > 0.7 {
			st.project = 1 + r.IntN(projects)
		}
		st.client = 1 + st.project%max(projects/3, 1)
		st.task = 0
		if r.Float64() < 0.6 {
			st.task = st.project*10 + r.IntN(10)
		}
		st.hasNotes = r.Float64() < 0.6
	}
	is := &s.inst[u.inst]
	is.entries++
	st.entry, st.hasEntry = is.entries, true
}

// taskValue is what TimeTracker sends for an optional task: null or an id.
func taskValue(task int) any {
	if task == 0 {
		return nil
	}
	return task
}

// stopTimer sends timer.stopped with the time the timer actually ran.
func (s *Stream) stopTimer(j int, t int64, yield func(Event) bool) bool {
	u, st := &s.m.users[j], &s.usr[j]
	p := s.fill(j, uStopped, pageTimerStop)
	p["time_entry_id"] = st.entry
	p["project_id"] = st.project
	p["task_id"] = taskValue(st.task)
	p["duration_seconds"] = int((t - st.timerStart) / second)
	return s.emit(yield, Event{Name: EventTimerStopped, DistinctID: u.id, Properties: p}, t, true) &&
		s.maybeError(j, pageTimerStop, t, yield)
}

// export sends export.csv or export.excel, shaped like the call sites in
// TimeTracker's reports and invoices routes.
func (s *Stream) export(j int, t int64, yield func(Event) bool) bool {
	u, st := &s.m.users[j], &s.usr[j]
	r := st.r
	rows := 1 + int(r.ExpFloat64()*180)
	if r.Float64() < 0.4 {
		p := s.fill(j, uCSV, pageExportCSV)
		p["export_type"] = "time_entries"
		p["num_rows"] = rows
		p["date_range_days"] = []int{7, 14, 30, 31, 90}[r.IntN(5)]
		p["has_project_filter"] = r.Float64() < 0.5
		return s.emit(yield, Event{Name: EventExportCSV, DistinctID: u.id, Properties: p}, t, true) &&
			s.maybeError(j, pageExportCSV, t, yield)
	}
	p := s.fill(j, uExcel, pageExportExcel)
	p["export_type"] = s.m.box.excel[pick(r, excelExports)]
	p["num_rows"] = rows
	return s.emit(yield, Event{Name: EventExportExcel, DistinctID: u.id, Properties: p}, t, true) &&
		s.maybeError(j, pageExportExcel, t, yield)
}

// maybeError rolls for an error caused by the user's last action. The rate
// depends on the installation's release: bad releases fail more, mostly
// with their signature bug. Some errors also reach PostHog error tracking.
func (s *Stream) maybeError(j, page int, t int64, yield func(Event) bool) bool {
	m, u, st := s.m, &s.m.users[j], &s.usr[j]
	rel := &m.releases[s.inst[u.inst].rel]
	r := st.r
	if r.Float64() >= baseErrorP*rel.errMul {
		return true
	}
	spec := &commonErrors[r.IntN(len(commonErrors))]
	if rel.bad != nil && r.Float64() < 0.75 {
		spec = rel.bad
	}
	p := s.fill(j, uError, page)
	p["error_type"] = spec.typ
	p["error_message"] = spec.message
	p["severity"] = spec.severity
	if !s.emit(yield, Event{Name: EventError, DistinctID: u.id, Properties: p}, t, true) {
		return false
	}
	if r.Float64() >= exceptionShare {
		return true
	}
	p = s.fill(j, uException, page)
	p["$exception_type"] = spec.typ
	p["$exception_message"] = spec.message
	p["$exception_level"] = "error"
	p["$exception_list"] = m.excList[spec.typ]
	return s.emit(yield, Event{Name: EventException, DistinctID: u.id, Properties: p}, t, true)
}
