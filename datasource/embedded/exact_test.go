package embedded

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// at is a time on the test day (2026-03-10 UTC).
func at(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, time.UTC) }

type M = map[string]any

// fixture is a small fleet whose every figure is counted by hand in the
// comments of TestExact*.
func fixture() []Event {
	prevDay := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	return []Event{
		/* 1 */ {UUID: "6f1a0c9e-4a8b-4a39-9d36-0d4d6f3b9a01", Name: "telemetry.health", DistinctID: "fpA", Timestamp: at(1, 0),
			Properties: M{"app_version": "1.0.0", "platform": "Linux", "deployment_method": "docker",
				"$set": M{"$set": M{"current_version": "1.0.0", "deployment_method": "docker"},
					"$set_once": M{"first_seen_version": "1.0.0"}}}},
		/* 2 */ {Name: "telemetry.health", DistinctID: "fpA", Timestamp: at(5, 30),
			Properties: M{"app_version": "1.1.0", "platform": "Linux", "deployment_method": "docker",
				"$set": M{"current_version": "1.1.0"}, "$set_once": M{"first_seen_version": "1.1.0"}}},
		/* 3 */ {Name: "base_telemetry.heartbeat", DistinctID: "fpB", Timestamp: at(2, 0),
			Properties: M{"platform": "Windows", "deployment_method": "native", "$set": M{"deployment_method": "native"}}},
		/* 4 */ {Name: "telemetry.health", DistinctID: "fpB", Timestamp: prevDay,
			Properties: M{"app_version": "1.0.0", "platform": "Windows"}},
		/* 5 */ {Name: "telemetry.health", DistinctID: "fpC", Timestamp: at(0, 0).Add(-time.Millisecond),
			Properties: M{"app_version": "0.9.0"}},
		/* 6 */ {Name: "telemetry.health", DistinctID: "fpC", Timestamp: clock0, Properties: M{"app_version": "0.9.0"}},
		/* 7 */ {Name: "error_occurred", DistinctID: "fpA", Timestamp: at(6, 0), Properties: M{"app_version": "1.1.0", "error_type": "DB"}},
		/* 8 */ {Name: "$exception", DistinctID: "fpB", Timestamp: at(7, 0), Properties: M{"error_type": "Crash"}},
		/* 9 */ {Name: "timer.started", DistinctID: "anon1", Timestamp: at(10, 15), Properties: M{"project_id": 1.0}},
		/* 10 */ {Name: "$identify", DistinctID: "user1", Timestamp: at(10, 20),
			Properties: M{"$anon_distinct_id": "anon1", "$set": M{"is_admin": true, "auth_method": "oidc", "role": "admin"}}},
		/* 11 */ {Name: "timer.started", DistinctID: "user1", Timestamp: at(20, 45), Properties: M{"project_id": 2.0}},
		/* 12 */ {Name: "error_occurred", DistinctID: "user1", Timestamp: at(11, 0), Properties: M{"app_version": "1.0.0", "error_type": "DB"}},
		/* 13 */ {Name: "timer.started", DistinctID: "user2-alt", Timestamp: at(18, 29), Properties: M{"project_id": 1.0}},
		/* 14 */ {Name: "$create_alias", DistinctID: "user2", Timestamp: at(18, 30),
			Properties: M{"alias": "user2-alt", "$set": M{"auth_method": "ldap", "is_admin": false, "role": "member"}}},
		/* 15 */ {UUID: "6f1a0c9e-4a8b-4a39-9d36-0d4d6f3b9a02", Name: "timer.started", DistinctID: "user2", Timestamp: at(18, 30),
			Properties: M{"project_id": 3.0}},
		/* 16 */ {UUID: "6F1A0C9E-4A8B-4A39-9D36-0D4D6F3B9A02", Name: "timer.started", DistinctID: "user2", Timestamp: at(18, 30),
			Properties: M{"project_id": 3.0}},
		/* 17 */ {Name: "", DistinctID: "x", Timestamp: at(3, 0)},
		/* 17b */ {Name: "auth.login", DistinctID: "", Timestamp: at(3, 0)},
		/* 18 */ {Name: "$groupidentify", DistinctID: "fpA", Timestamp: at(1, 0),
			Properties: M{"$group_type": "version", "$group_key": "1.1.0", "$group_set": M{"released": true}}},
		/* 19 */ {Name: "telemetry.health", DistinctID: "fpA", Timestamp: at(5, 30),
			Properties: M{"app_version": "1.2.0-rc1", "platform": "Linux", "deployment_method": "docker"}},
		/* 20 */ {Name: "auth.login", DistinctID: "user2", Timestamp: at(19, 0),
			Properties: M{"auth_method": "ldap", "$unset": []any{"role"}, "$set_once": M{"auth_method": "local"}}},
	}
}

func fixtureStore(t *testing.T) *Store {
	s := openTest(t)
	evs := fixture()
	// Two calls, so the merge of anon1 happens in a later transaction than
	// anon1's first event.
	r1 := mustIngest(t, s, evs[:9]...)
	r2 := mustIngest(t, s, evs[9:]...)
	got := IngestResult{Stored: r1.Stored + r2.Stored, Duplicates: r1.Duplicates + r2.Duplicates, Dropped: r1.Dropped + r2.Dropped}
	if want := (IngestResult{Stored: 18, Duplicates: 1, Dropped: 2}); got != want {
		t.Fatalf("ingest: got %+v, want %+v", got, want)
	}
	return s
}

func day(tz string, fs ...string) datasource.Query {
	r, err := datasource.ParseRange("24h", clock0)
	if err != nil {
		panic(err)
	}
	q := datasource.Query{Range: r, TZ: tz}
	for _, f := range fs {
		pf, err := datasource.ParseFilter(f)
		if err != nil {
			panic(err)
		}
		q.Filters = append(q.Filters, pf)
	}
	return q
}

func series(r datasource.Range, vals map[int]float64) []datasource.Point {
	s := r.EmptySeries()
	for b, v := range vals {
		s[b].V = v
	}
	return s
}

func TestExactSnapshot(t *testing.T) {
	s := fixtureStore(t)
	q := day("Asia/Kolkata")
	got := sameOnBoth(t, s, "snapshot", snapOn(s, q))
	r := q.Range
	want := &datasource.Snapshot{
		Source: datasource.Info{Kind: "embedded", Location: s.Path()}, Query: q, GeneratedAt: clock0,
		// In range: events 1,2,3,7..15,18,19,20 (4,5 are the previous day, 6 is at To).
		Totals: datasource.Totals{Events: 15},
		// fpA (1,2,19) and fpB (3); previous: fpB (4) and fpC (5, 1 ms before From).
		Installs: datasource.Installs{Active: 2, Previous: 2, Series: series(r, map[int]float64{1: 1, 2: 1, 5: 1})},
		// fpA's latest heartbeats 2 and 19 tie at 05:30: 19 has the higher id.
		Versions: []datasource.VersionShare{
			{Version: "1.2.0-rc1", Installs: 1, Share: 0.5, Latest: true},
			{Version: datasource.Unknown, Installs: 1, Share: 0.5},
		},
		Errors: datasource.Errors{Total: 3, PerInstall: 1.5, Series: series(r, map[int]float64{6: 1, 7: 1, 11: 1}),
			ByVersion: []datasource.VersionCount{{Version: "1.1.0", Errors: 1}, {Version: "1.0.0", Errors: 1}, {Version: datasource.Unknown, Errors: 1}}},
		// IST = UTC+5:30: 10:15->15, 20:45->2, 18:29->23, 18:30->0.
		Timers: datasource.Timers{Total: 4, Series: series(r, map[int]float64{10: 1, 18: 2, 20: 1})},
		// No filters, so nothing to leave out.
		NotNarrowed: datasource.NotNarrowed{},
	}
	want.Timers.ByHour[15], want.Timers.ByHour[2], want.Timers.ByHour[23], want.Timers.ByHour[0] = 1, 1, 1, 1
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("snapshot\n got %+v\nwant %+v", got, want)
	}
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 18 || st.Dropped != 2 || st.Duplicates != 1 || st.Persons != 5 || st.Bytes == 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestExactFilters checks the figures that move with each operator, on
// person and event scope. Persons: A{docker}, B{native}, C{}, U1(user1,
// anon1){is_admin true, oidc, role admin}, U2(user2, user2-alt){is_admin
// false, ldap, role unset by event 20}. Person filters read per family
// (datasource.Mapping.FiltersFor): is_admin and role are user properties,
// which heartbeats do not honour (active and previous stay 2 and 2);
// deployment_method is read from the error and timer events themselves.
func TestExactFilters(t *testing.T) {
	s := fixtureStore(t)
	type fig struct{ events, active, prev, errs, timers int64 }
	cases := []struct {
		filter string
		want   fig
	}{
		{"person.is_admin = true", fig{4, 2, 2, 1, 2}},   // U1: 9,10,11,12
		{"is_admin = false", fig{4, 2, 2, 0, 2}},         // U2: 13,14,15,20
		{"person.is_admin != true", fig{11, 2, 2, 2, 2}}, // all but U1
		{"person.auth_method in (oidc, ldap)", fig{8, 0, 0, 1, 4}},
		{"person.auth_method not in (oidc)", fig{11, 2, 2, 2, 2}},
		{"person.role is set", fig{4, 2, 2, 1, 2}},
		{"person.role is not set", fig{11, 2, 2, 2, 2}},
		{"deployment_method = docker", fig{5, 1, 0, 0, 0}},       // auto -> person: A: 1,2,7,18,19; error 7 carries no deployment_method
		{"event.deployment_method = docker", fig{3, 1, 0, 0, 0}}, // 1,2,19
		{"event.app_version = 1.1.0", fig{2, 1, 0, 1, 0}},        // 2,7
		{"event.platform != Linux", fig{12, 1, 2, 3, 4}},         // B now; B and C before
		{"event.error_type = DB", fig{2, 0, 0, 2, 0}},
		{"event.error_type in (DB, Crash)", fig{3, 0, 0, 3, 0}},
		{"event.error_type not in (DB)", fig{13, 2, 2, 1, 4}},
		{"event.error_type is set", fig{3, 0, 0, 3, 0}},
		{"event.error_type is not set", fig{12, 2, 2, 0, 4}},
		{"event.project_id = 1", fig{2, 0, 0, 0, 2}}, // numbers compare as "1"
		{"project_id in (2, 3)", fig{2, 0, 0, 0, 2}}, // auto -> event
		{"person.nope = x", fig{0, 0, 0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			q := day("", c.filter)
			snap := sameOnBoth(t, s, c.filter, snapOn(s, q))
			got := fig{snap.Totals.Events, snap.Installs.Active, snap.Installs.Previous, snap.Errors.Total, snap.Timers.Total}
			if got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestExactTwoConditions(t *testing.T) {
	s := fixtureStore(t)
	q := day("", "person.auth_method in (oidc, ldap)", "event.project_id = 1")
	snap := sameOnBoth(t, s, "two", snapOn(s, q))
	// 9 (U1) and 13 (U2).
	if snap.Totals.Events != 2 || snap.Timers.Total != 2 || snap.Timers.Series[10].V != 1 || snap.Timers.Series[18].V != 1 {
		t.Fatalf("got %+v", snap)
	}
}
