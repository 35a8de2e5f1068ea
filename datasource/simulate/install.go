package simulate

import "time"

// Event names the simulated fleet sends (TimeTracker's own, ARCHITECTURE.md, TimeTracker's data).
const (
	EventHealth       = "telemetry.health"
	EventInstall      = "telemetry.install"
	EventUpdate       = "telemetry.update"
	EventHeartbeat    = "base_telemetry.heartbeat"
	EventLogin        = "auth.login"
	EventLogout       = "auth.logout"
	EventPageview     = "$pageview"
	EventTimerStarted = "timer.started"
	EventTimerStopped = "timer.stopped"
	EventTimerResumed = "timer.resumed"
	EventExportCSV    = "export.csv"
	EventExportExcel  = "export.excel"
	EventError        = "error_occurred"
	EventException    = "$exception"
)

// instState is an installation's dynamic state within one Stream.
type instState struct {
	rel        uint8 // index of the running release
	up         int   // next entry of install.ups
	introduced bool  // alias + identify sent in this stream
	born       bool
	healthGrid int64 // schedule of the hourly health ping, before jitter
	healthAt   int64
	dailyAt    int64
	entries    int             // time entry ids handed out so far
	made       [numIDKinds]int // objects users created, per kind
	props      map[string]any
	groups     map[string]any
}

// initInstall positions installation i at the stream start and returns the
// time of its first action.
func (s *Stream) initInstall(i int, start int64) int64 {
	in, st := &s.m.installs[i], &s.inst[i]
	st.entries = in.projects*20 + int(max(start-in.birth, 0)/day)*6
	if in.death <= start {
		return never
	}
	if in.birth >= start {
		st.rel = in.birthRel
		st.healthAt, st.dailyAt = never, never
		s.rebuildProps(i)
		return in.birth
	}
	st.born = true
	st.rel = in.releaseAt(start)
	for st.up < len(in.ups) && in.ups[st.up].at <= start {
		st.up++
	}
	// The health ping runs on the hour since start-up, the daily heartbeat
	// once a day; place both on their grid after start.
	base := in.birth + minute + in.phase%minute
	st.healthGrid = base + (start-base+hour-1)/hour*hour
	st.healthAt = st.healthGrid
	dbase := in.birth + 2*minute
	st.dailyAt = dbase + (start-dbase+day-1)/day*day
	s.rebuildProps(i)
	return s.nextInstallAction(i)
}

func (s *Stream) nextInstallAction(i int) int64 {
	in, st := &s.m.installs[i], &s.inst[i]
	next := min(st.healthAt, st.dailyAt)
	if st.up < len(in.ups) {
		next = min(next, in.ups[st.up].at)
	}
	if next >= in.death {
		return never
	}
	return next
}

// rebuildProps makes the property map the installation's telemetry carries.
// A fresh map per release (never an in-place edit) keeps maps handed out
// earlier unchanged.
func (s *Stream) rebuildProps(i int) {
	m, in, st := s.m, &s.m.installs[i], &s.inst[i]
	rel := &m.releases[st.rel]
	python := in.python
	if python == nil {
		python = rel.python
	}
	st.props = map[string]any{
		"app_version":       rel.v,
		"platform":          m.box.platform[in.platform],
		"python_version":    python,
		"environment":       m.box.env[in.env],
		"deployment_method": m.box.deploy[in.deploy],
		"install_id":        in.idV,
		"timezone":          m.box.tz[in.tz],
	}
	st.groups = map[string]any{"version": rel.v, "platform": m.box.platform[in.platform]}
}

// stepInstall performs installation i's action due at t.
func (s *Stream) stepInstall(i int, t int64, yield func(Event) bool) (int64, bool) {
	in, st := &s.m.installs[i], &s.inst[i]
	if !st.introduced && !s.introduce(i, t, yield) {
		return 0, false
	}
	switch {
	case !st.born:
		st.born = true
		st.healthGrid = t + minute + in.phase%minute
		st.healthAt = st.healthGrid
		st.dailyAt = t + 2*minute
		e := Event{Name: EventInstall, DistinctID: in.fp, Properties: st.props, Groups: st.groups}
		if !s.emit(yield, e, t, false) {
			return 0, false
		}
	case st.up < len(in.ups) && in.ups[st.up].at == t:
		if !s.upgrade(i, t, yield) {
			return 0, false
		}
	case st.dailyAt == t:
		st.dailyAt += day
		e := Event{Name: EventHeartbeat, DistinctID: in.id, Properties: st.props, Groups: st.groups}
		if !s.emit(yield, e, t, false) || !s.identifyInstall(i, t, yield) {
			return 0, false
		}
	default: // the hourly health ping
		st.healthGrid += hour
		// A few seconds of scheduler jitter, drawn from the install's
		// phase and the hour so it needs no random state.
		st.healthAt = st.healthGrid + int64(mix64(uint64(st.healthGrid)^uint64(in.phase))%3000)*int64(time.Millisecond)
		e := Event{Name: EventHealth, DistinctID: in.fp, Properties: st.props, Groups: st.groups}
		if !s.emit(yield, e, t, false) {
			return 0, false
		}
	}
	return s.nextInstallAction(i), true
}

// introduce links the installation's two ids and sets its person and group
// properties, as TimeTracker does when it starts.
func (s *Stream) introduce(i int, t int64, yield func(Event) bool) bool {
	in, st := &s.m.installs[i], &s.inst[i]
	st.introduced = true
	alias := Event{Kind: KindAlias, Name: "$create_alias", DistinctID: in.fp, Alias: in.id}
	return s.emit(yield, alias, t, false) && s.identifyInstall(i, t, yield) && s.groupIdentify(i, t, yield)
}

// identifyInstall sends the installation's person properties in the shape
// TimeTracker's identify call produces: "$set" and "$set_once" nested.
func (s *Stream) identifyInstall(i int, t int64, yield func(Event) bool) bool {
	m, in, st := s.m, &s.m.installs[i], &s.inst[i]
	set, once := s.instSet, s.instOnce
	set["current_version"] = m.releases[st.rel].v
	set["current_platform"] = m.box.platform[in.platform]
	set["environment"] = m.box.env[in.env]
	set["deployment_method"] = m.box.deploy[in.deploy]
	set["auth_method"] = m.box.auth[in.auth]
	set["timezone"] = m.box.tz[in.tz]
	set["python_version"] = st.props["python_version"]
	set["install_id"] = in.idV
	set["last_seen"] = time.Unix(0, t).UTC().Format(time.RFC3339)
	once["first_seen_version"] = m.releases[in.birthRel].v
	once["first_seen_platform"] = m.box.platform[in.platform]
	once["first_seen"] = time.Unix(0, in.birth).UTC().Format(time.RFC3339)
	e := Event{Kind: KindIdentify, Name: "$identify", DistinctID: in.fp, Set: set, SetOnce: once}
	return s.emit(yield, e, t, false)
}

// groupIdentify describes the installation's version and platform groups the
// first time the stream meets them.
func (s *Stream) groupIdentify(i int, t int64, yield func(Event) bool) bool {
	m, in, st := s.m, &s.m.installs[i], &s.inst[i]
	if !s.seenRel[st.rel] {
		s.seenRel[st.rel] = true
		v := m.releases[st.rel].version
		e := Event{Kind: KindGroupIdentify, Name: "$groupidentify", DistinctID: "$version_" + v,
			GroupType: "version", GroupKey: v, Properties: m.releases[st.rel].groupProps}
		if !s.emit(yield, e, t, false) {
			return false
		}
	}
	if !s.seenPlatform[in.platform] {
		s.seenPlatform[in.platform] = true
		p := platforms[in.platform]
		e := Event{Kind: KindGroupIdentify, Name: "$groupidentify", DistinctID: "$platform_" + p,
			GroupType: "platform", GroupKey: p, Properties: m.box.platformGroups[in.platform]}
		if !s.emit(yield, e, t, false) {
			return false
		}
	}
	return true
}

// upgrade moves the installation to its next release: TimeTracker reports
// telemetry.update on the first start of the new version and updates the
// person's current_version.
func (s *Stream) upgrade(i int, t int64, yield func(Event) bool) bool {
	m, in, st := s.m, &s.m.installs[i], &s.inst[i]
	old := m.releases[st.rel].v
	st.rel = in.ups[st.up].rel
	st.up++
	s.rebuildProps(i)
	props := make(map[string]any, len(st.props)+2)
	for k, v := range st.props {
		props[k] = v
	}
	props["old_version"] = old
	props["new_version"] = m.releases[st.rel].v
	e := Event{Name: EventUpdate, DistinctID: in.fp, Properties: props, Groups: st.groups,
		Set: map[string]any{"current_version": m.releases[st.rel].v}}
	return s.emit(yield, e, t, false) && s.identifyInstall(i, t, yield) && s.groupIdentify(i, t, yield)
}
