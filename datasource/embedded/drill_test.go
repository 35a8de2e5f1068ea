package embedded

import (
	"context"
	"reflect"
	"testing"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

type vc = datasource.ValueCount

func v(value string, n int64) vc { return vc{Value: value, Count: n} }

func prop(key string, sc datasource.Scope) datasource.Property {
	return datasource.Property{Key: key, Scope: sc}
}

func TestExactValues(t *testing.T) {
	s := fixtureStore(t)
	ctx := context.Background()
	cases := []struct {
		name string
		q    datasource.ValuesQuery
		want []vc
	}{
		// Persons with any event in range: A docker, B native, U1, U2 unset.
		{"person", datasource.ValuesQuery{Query: day(""), Scope: datasource.ScopePerson, Key: "deployment_method"},
			[]vc{v("docker", 1), v("native", 1)}},
		// Events 1 and 12 carry 1.0.0, 2 and 7 carry 1.1.0, 19 carries 1.2.0-rc1.
		{"event", datasource.ValuesQuery{Query: day(""), Scope: datasource.ScopeEvent, Key: "app_version"},
			[]vc{v("1.0.0", 2), v("1.1.0", 2), v("1.2.0-rc1", 1)}},
		{"limit", datasource.ValuesQuery{Query: day(""), Scope: datasource.ScopeEvent, Key: "app_version", Limit: 1},
			[]vc{v("1.0.0", 2)}},
		// Persons carry auth_method, so auto means person.
		{"auto", datasource.ValuesQuery{Query: day(""), Key: "auth_method"}, []vc{v("ldap", 1), v("oidc", 1)}},
		{"filtered", datasource.ValuesQuery{Query: day("", "person.is_admin = true"), Scope: datasource.ScopeEvent, Key: "project_id"},
			[]vc{v("1", 1), v("2", 1)}},
	}
	for _, c := range cases {
		got := sameOnBoth(t, s, c.name, func(e index.Engine) ([]vc, error) { return s.valuesOn(ctx, e, c.q) })
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestExactBreakdown(t *testing.T) {
	s := fixtureStore(t)
	ctx := context.Background()
	bq := func(q datasource.Query, k datasource.EventKind, sc datasource.Scope, key string, hour int) datasource.BreakdownQuery {
		return datasource.BreakdownQuery{Query: q, Kind: k, Scope: sc, Key: key, Hour: hour}
	}
	ist := day("Asia/Kolkata")
	cases := []struct {
		name string
		q    datasource.BreakdownQuery
		want []vc
	}{
		{"hb event", bq(day(""), datasource.KindHeartbeat, datasource.ScopeEvent, "platform", -1), []vc{v("Linux", 1), v("Windows", 1)}},
		// fpA's latest heartbeat (19) has a version; fpB's has none.
		{"hb latest", bq(day(""), datasource.KindHeartbeat, datasource.ScopeEvent, "app_version", -1),
			[]vc{v("1.2.0-rc1", 1), v(datasource.Unknown, 1)}},
		// In hour 1 only heartbeat 1 remains.
		{"hb hour", bq(day(""), datasource.KindHeartbeat, datasource.ScopeEvent, "app_version", 1), []vc{v("1.0.0", 1)}},
		{"hb person", bq(day(""), datasource.KindHeartbeat, datasource.ScopePerson, "deployment_method", -1),
			[]vc{v("docker", 1), v("native", 1)}},
		{"timer event", bq(ist, datasource.KindTimer, datasource.ScopeEvent, "project_id", -1), []vc{v("1", 2), v("2", 1), v("3", 1)}},
		{"timer person", bq(ist, datasource.KindTimer, datasource.ScopePerson, "auth_method", -1), []vc{v("ldap", 2), v("oidc", 2)}},
		// 18:29 UTC is 23:59 IST.
		{"timer hour", bq(ist, datasource.KindTimer, datasource.ScopeEvent, "project_id", 23), []vc{v("1", 1)}},
		{"errors", bq(day(""), datasource.KindError, datasource.ScopeEvent, "app_version", -1),
			[]vc{v("1.0.0", 1), v("1.1.0", 1), v(datasource.Unknown, 1)}},
		{"any", bq(day(""), datasource.KindAny, datasource.ScopePerson, "is_admin", -1),
			[]vc{v(datasource.Unknown, 7), v("false", 4), v("true", 4)}},
		{"auto", bq(day(""), datasource.KindError, datasource.ScopeAuto, "error_type", -1), []vc{v("DB", 2), v("Crash", 1)}},
	}
	for _, c := range cases {
		got := sameOnBoth(t, s, c.name, func(e index.Engine) ([]vc, error) { return s.breakdownOn(ctx, e, c.q) })
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestExactInstallations(t *testing.T) {
	s := fixtureStore(t)
	got := sameOnBoth(t, s, "installations", func(e index.Engine) ([]datasource.Installation, error) {
		return s.installationsOn(context.Background(), e, datasource.InstallationsQuery{Query: day("")})
	})
	want := []datasource.Installation{
		{ID: "fpA", Version: "1.2.0-rc1", Platform: "Linux", Deployment: "docker", LastSeen: at(5, 30), Heartbeats: 3},
		{ID: "fpB", Version: datasource.Unknown, Platform: "Windows", Deployment: "native", LastSeen: at(2, 0), Heartbeats: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestExactEvents(t *testing.T) {
	s := fixtureStore(t)
	ctx := context.Background()
	timers := sameOnBoth(t, s, "timers", func(e index.Engine) ([]datasource.Event, error) {
		return s.eventsOn(ctx, e, datasource.EventsQuery{Query: day(""), Kind: datasource.KindTimer})
	})
	var got []string
	for _, ev := range timers {
		got = append(got, ev.DistinctID+"@"+ev.Time.Format("15:04"))
	}
	if want := []string{"user1@20:45", "user2@18:30", "user2-alt@18:29", "anon1@10:15"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("timers: got %v, want %v", got, want)
	}
	if timers[1].UUID != "6f1a0c9e-4a8b-4a39-9d36-0d4d6f3b9a02" || timers[1].Properties["project_id"] != 3.0 {
		t.Fatalf("timer 15: %+v", timers[1])
	}
	// 14 and 15 share 18:30; 15 has the higher id and comes first.
	any3 := sameOnBoth(t, s, "any", func(e index.Engine) ([]datasource.Event, error) {
		return s.eventsOn(ctx, e, datasource.EventsQuery{Query: day(""), Limit: 3})
	})
	var names []string
	for _, ev := range any3 {
		names = append(names, ev.Name)
	}
	if want := []string{"timer.started", "auth.login", "timer.started"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("any: got %v, want %v", names, want)
	}
	// Event 1 shows its flattened person update under $set / $set_once.
	hb := sameOnBoth(t, s, "heartbeats", func(e index.Engine) ([]datasource.Event, error) {
		return s.eventsOn(ctx, e, datasource.EventsQuery{Query: day("", "event.app_version = 1.0.0"), Kind: datasource.KindHeartbeat})
	})
	want := map[string]any{"app_version": "1.0.0", "platform": "Linux", "deployment_method": "docker",
		"$set":      map[string]any{"current_version": "1.0.0", "deployment_method": "docker"},
		"$set_once": map[string]any{"first_seen_version": "1.0.0"}}
	if len(hb) != 1 || !reflect.DeepEqual(hb[0].Properties, want) || hb[0].UUID != "6f1a0c9e-4a8b-4a39-9d36-0d4d6f3b9a01" {
		t.Fatalf("heartbeat 1: %+v", hb)
	}
}

func TestExactPropertiesAndPersons(t *testing.T) {
	s := fixtureStore(t)
	ctx := context.Background()
	got := sameOnBoth(t, s, "properties", func(e index.Engine) ([]datasource.Property, error) { return e.Properties(ctx) })
	P, E := datasource.ScopePerson, datasource.ScopeEvent
	want := []datasource.Property{
		prop("$anon_distinct_id", E), prop("$group_key", E), prop("$group_set", E), prop("$group_type", E),
		prop("alias", E), prop("app_version", E), prop("auth_method", P), prop("auth_method", E),
		prop("current_version", P), prop("deployment_method", P), prop("deployment_method", E), prop("error_type", E),
		prop("first_seen_version", P), prop("is_admin", P), prop("platform", E), prop("project_id", E), prop("role", P),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("properties\n got %v\nwant %v", got, want)
	}
	var props, group string
	if err := s.rdb.QueryRow(`SELECT p.properties FROM persons p JOIN distinct_ids d ON d.person_id = p.id
		WHERE d.distinct_id = 'fpA'`).Scan(&props); err != nil {
		t.Fatal(err)
	}
	if want := `{"current_version":"1.1.0","deployment_method":"docker","first_seen_version":"1.0.0"}`; props != want {
		t.Errorf("fpA person: %s, want %s", props, want)
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT count(DISTINCT person_id) FROM distinct_ids WHERE distinct_id IN ('anon1', 'user1')`).Scan(&n); err != nil || n != 1 {
		t.Errorf("anon1 and user1 not merged: %d persons, %v", n, err)
	}
	if err := s.rdb.QueryRow(`SELECT properties FROM groups WHERE type = 'version' AND key = '1.1.0'`).Scan(&group); err != nil || group != `{"released":true}` {
		t.Errorf("group: %q, %v", group, err)
	}
}
