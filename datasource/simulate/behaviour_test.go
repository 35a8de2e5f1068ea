package simulate

import (
	"testing"
	"time"
)

func TestHealthIsHourlyAndHeartbeatDaily(t *testing.T) {
	from := testNow.Add(-3 * 24 * time.Hour)
	health := map[string][]time.Time{}
	daily := map[string]int{}
	for e := range defaultModel().Backfill(from, testNow) {
		switch e.Name {
		case EventHealth:
			health[e.DistinctID] = append(health[e.DistinctID], e.Timestamp)
		case EventHeartbeat:
			daily[e.DistinctID]++
		}
	}
	full := 0
	for fp, ts := range health {
		for i := 1; i < len(ts); i++ {
			if d := ts[i].Sub(ts[i-1]); d < time.Hour-5*time.Second || d > time.Hour+5*time.Second {
				t.Fatalf("install %s: health pings %v apart at %v", fp[:8], d, ts[i])
			}
		}
		if len(ts) >= 71 {
			full++
		}
	}
	// Most installations live through the whole window: 72 pings each.
	if full < 400 {
		t.Errorf("only %d of 500 installations pinged all 72 hours", full)
	}
	for id, n := range daily {
		if n > 4 {
			t.Fatalf("install %s sent %d daily heartbeats in 3 days", id, n)
		}
	}
	if len(daily) < 400 {
		t.Errorf("only %d installations sent a daily heartbeat", len(daily))
	}
}

func TestTimersFollowLocalWorkingHours(t *testing.T) {
	zone := map[string]*time.Location{}
	inHours, weekend, total := 0, 0, 0
	for e := range defaultModel().Backfill(testNow.Add(-week), testNow) {
		switch e.Name {
		case EventHealth:
			id := e.Properties["install_id"].(string)
			if zone[id] == nil {
				loc, err := time.LoadLocation(e.Properties["timezone"].(string))
				if err != nil {
					t.Fatal(err)
				}
				zone[id] = loc
			}
		case EventTimerStarted:
			loc := zone[e.Properties["install_id"].(string)]
			if loc == nil {
				continue // its install has not pinged yet
			}
			local := e.Timestamp.In(loc)
			if h := local.Hour(); h >= 7 && h < 19 {
				inHours++
			}
			if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekend++
			}
			total++
		}
	}
	if total < 5000 {
		t.Fatalf("only %d timer.started events", total)
	}
	t.Logf("%d timers: %.3f in local working hours, %.3f on weekends", total, float64(inHours)/float64(total), float64(weekend)/float64(total))
	if got := float64(inHours) / float64(total); got < 0.85 {
		t.Errorf("%.2f of timers start between 07:00 and 19:00 local time, want >= 0.85", got)
	}
	// Two of seven days are weekend days; they get far less than 2/7.
	if got := float64(weekend) / float64(total); got > 0.08 {
		t.Errorf("%.2f of timers start on weekends, want <= 0.08", got)
	}
}

func TestBadReleasesFailMore(t *testing.T) {
	m := defaultModel()
	bad := map[string]bool{}
	for _, r := range m.Releases() {
		bad[r.Version] = r.Bad
	}
	var errs, actions [2]int // index 1: bad releases
	for e := range m.Backfill(testNow.Add(-week), testNow) {
		v, _ := e.Properties["app_version"].(string)
		if e.Kind != KindCapture || v == "" || e.Name == EventHealth || e.Name == EventHeartbeat ||
			e.Name == EventInstall || e.Name == EventUpdate {
			continue
		}
		i := 0
		if bad[v] {
			i = 1
		}
		switch e.Name {
		case EventError:
			errs[i]++
		case EventException:
		default:
			actions[i]++
		}
	}
	if actions[1] < 2000 {
		t.Fatalf("only %d actions on bad releases; the fleet should still run them", actions[1])
	}
	good, worse := float64(errs[0])/float64(actions[0]), float64(errs[1])/float64(actions[1])
	t.Logf("errors per action: good releases %.4f (%d), bad releases %.4f (%d)", good, errs[0], worse, errs[1])
	if worse < 3*good {
		t.Errorf("error rate on bad releases %.4f, on good ones %.4f: want at least 3x", worse, good)
	}
}

func TestUpgradesMoveCurrentVersion(t *testing.T) {
	m := defaultModel()
	rels := m.Releases()
	newest := rels[len(rels)-1].Version
	version := map[string]string{} // fingerprint -> version of its last health
	pending := map[string]string{} // fingerprint -> version an update announced
	updates := 0
	var dockerNewestFirstDay, dockerFirstDay, dockerNewestLastDay, dockerLastDay int
	for e := range m.Backfill(testNow.Add(-week), testNow) {
		fp := e.DistinctID
		switch {
		case e.Name == EventUpdate:
			updates++
			nv := e.Properties["new_version"]
			if e.Set["current_version"] != nv || e.Properties["app_version"] != nv {
				t.Fatalf("update to %v sets current_version %v and app_version %v", nv, e.Set["current_version"], e.Properties["app_version"])
			}
			if old := version[fp]; old != "" && e.Properties["old_version"] != old {
				t.Fatalf("update says old_version %v, last health said %v", e.Properties["old_version"], old)
			}
			pending[fp] = nv.(string)
		case e.Kind == KindIdentify && pending[fp] != "":
			if e.Set["current_version"] != pending[fp] {
				t.Fatalf("identify after update sets current_version %v, want %v", e.Set["current_version"], pending[fp])
			}
		case e.Name == EventHealth:
			v := e.Properties["app_version"].(string)
			if p := pending[fp]; p != "" && v != p {
				t.Fatalf("health after update to %s reports %s", p, v)
			}
			delete(pending, fp)
			version[fp] = v
			if e.Properties["deployment_method"] == "docker" {
				switch age := testNow.Sub(e.Timestamp); {
				case age > week-time.Hour:
					dockerFirstDay++
					if v == newest {
						dockerNewestFirstDay++
					}
				case age < time.Hour:
					dockerLastDay++
					if v == newest {
						dockerNewestLastDay++
					}
				}
			}
		}
	}
	t.Logf("%d updates; docker on %s: %d/%d first day, %d/%d last hour", updates, newest,
		dockerNewestFirstDay, dockerFirstDay, dockerNewestLastDay, dockerLastDay)
	if updates < 100 {
		t.Errorf("only %d upgrades in a week after a release", updates)
	}
	if dockerFirstDay == 0 || dockerNewestFirstDay != 0 {
		t.Errorf("%d of %d docker installs on %s before it was released", dockerNewestFirstDay, dockerFirstDay, newest)
	}
	if got := float64(dockerNewestLastDay) / float64(dockerLastDay); got < 0.6 {
		t.Errorf("%.2f of docker installs run the newest release %s at the end, want most", got, newest)
	}
}

func TestInstallationsComeAndGo(t *testing.T) {
	first, last := map[string]bool{}, map[string]bool{}
	installs := 0
	for e := range defaultModel().Backfill(testNow.Add(-week), testNow) {
		switch {
		case e.Name == EventInstall:
			installs++
		case e.Name == EventHealth && testNow.Sub(e.Timestamp) > week-time.Hour:
			first[e.DistinctID] = true
		case e.Name == EventHealth && testNow.Sub(e.Timestamp) < time.Hour:
			last[e.DistinctID] = true
		}
	}
	gone, arrived := 0, 0
	for fp := range first {
		if !last[fp] {
			gone++
		}
	}
	for fp := range last {
		if !first[fp] {
			arrived++
		}
	}
	t.Logf("%d gone, %d arrived, %d telemetry.install", gone, arrived, installs)
	if gone < 5 || arrived < 5 || installs < 5 {
		t.Errorf("over a week %d installations went silent, %d appeared (%d telemetry.install): the active count should move",
			gone, arrived, installs)
	}
}

func TestSetRateHoldsTarget(t *testing.T) {
	m := defaultModel()
	s := m.Stream(testNow.Add(-time.Hour))
	for range s.Until(testNow) {
	}
	const target = 40.0
	s.SetRate(target)
	// Let the feedback loop settle for five minutes, then measure ten.
	for range s.Until(testNow.Add(5 * time.Minute)) {
	}
	n := 0
	for range s.Until(testNow.Add(15 * time.Minute)) {
		n++
	}
	t.Logf("live rate %.1f ev/s at activity %.1f", float64(n)/600, s.Activity())
	if got := float64(n) / 600; got < 0.7*target || got > 1.4*target {
		t.Errorf("live rate %.1f ev/s, target %.0f (activity %.1f)", got, target, s.Activity())
	}
}
