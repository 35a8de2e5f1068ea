package simulate

import (
	"testing"
	"time"
)

// TestLiveFollowsTheBackfillModel: after a week's backfill, live traffic
// (Run's default Config, stepped by a fake clock in Run's 200 ms ticks)
// sends in each hour what the backfill sent in the same hour of day on the
// weekdays before it: events in all and timers started per hour, errors
// over the whole span (a handful an hour). A demo left running must not
// drift into an outage or a boom.
func TestLiveFollowsTheBackfillModel(t *testing.T) {
	const hours = 4
	type counts struct{ all, timers, errors int }
	add := func(c *counts, e Event) {
		c.all++
		switch e.Name {
		case "timer.started":
			c.timers++
		case "error_occurred", "$exception":
			c.errors++
		}
	}
	m := defaultModel()
	from := testNow.Add(-week)
	// The backfill, by days back and hour after testNow's time of day,
	// read from the stream that then goes live, as Run does.
	past := map[int]*[hours]counts{}
	st := m.Stream(from)
	for e := range st.Until(testNow) {
		back := int(testNow.Sub(e.Timestamp)/(24*time.Hour)) + 1
		start := testNow.Add(-time.Duration(back) * 24 * time.Hour)
		h := int(e.Timestamp.Sub(start) / time.Hour)
		if d := start.Weekday(); d == time.Saturday || d == time.Sunday || h >= hours {
			continue
		}
		if past[back] == nil {
			past[back] = &[hours]counts{}
		}
		add(&past[back][h], e)
	}
	if len(past) < 3 {
		t.Fatalf("only %d weekdays in the backfill to compare with", len(past))
	}

	goLive(st, Config{}.withDefaults())
	var live [hours]counts
	for now := testNow; now.Before(testNow.Add(hours * time.Hour)); {
		now = now.Add(liveTick)
		for e := range st.Until(now) {
			add(&live[int(e.Timestamp.Sub(testNow)/time.Hour)], e)
		}
	}

	// Live must stay within the spread the backfill itself shows, give or
	// take a third (and a few events for the small counts).
	check := func(what string, got int, past []int) {
		lo, hi := past[0], past[0]
		for _, n := range past {
			lo, hi = min(lo, n), max(hi, n)
		}
		t.Logf("%s: live %d, backfill %d to %d", what, got, lo, hi)
		if float64(got) < 0.67*float64(lo)-3 || float64(got) > 1.5*float64(hi)+3 {
			t.Errorf("%s: %d live; the backfill had %d to %d at that time on %d weekdays", what, got, lo, hi, len(past))
		}
	}
	errs, pastErrs := 0, make([]int, 0, len(past))
	for _, c := range past {
		n := 0
		for h := range hours {
			n += c[h].errors
		}
		pastErrs = append(pastErrs, n)
	}
	for h := range hours {
		var all, timers []int
		for _, c := range past {
			all, timers = append(all, c[h].all), append(timers, c[h].timers)
		}
		at := testNow.Add(time.Duration(h) * time.Hour).Format("15:04")
		check("events from "+at, live[h].all, all)
		check("timers started from "+at, live[h].timers, timers)
		errs += live[h].errors
	}
	check("errors", errs, pastErrs)
	if a := st.Activity(); a > 1 {
		t.Errorf("live users are %.1f times as busy as the model's", a)
	}
}

// TestLimitRateSlowsABusyFleet: a cap below the fleet's own pace still
// holds (the only case where live traffic leaves the model's pace).
func TestLimitRateSlowsABusyFleet(t *testing.T) {
	m := defaultModel()
	s := m.Stream(testNow.Add(-time.Hour))
	for range s.Until(testNow) {
	}
	const limit = 0.1 // the fleet sends about 0.5/s at this hour
	s.LimitRate(limit)
	for range s.Until(testNow.Add(10 * time.Minute)) {
	}
	n := 0
	for range s.Until(testNow.Add(40 * time.Minute)) {
		n++
	}
	got := float64(n) / 1800
	t.Logf("%.2f ev/s under a %.1f cap, activity %.2f", got, limit, s.Activity())
	if s.Activity() >= 1 || got > 3*limit {
		t.Errorf("%.2f ev/s at activity %.2f under a %.1f ev/s cap", got, s.Activity(), limit)
	}
}
