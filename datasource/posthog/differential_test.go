package posthog

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
)

// diffNow is the differential test's clock: Europe/Berlin changed to
// summer time at 01:00 UTC that day, and it is not on a whole minute.
var diffNow = time.Date(2026, 3, 29, 12, 30, 20, 0, time.UTC)

// diffPerson is a person as PostHog holds it: its distinct ids (merges
// applied) and current properties.
type diffPerson struct {
	id    string // UUID
	dids  []string
	props map[string]any
}

// diffFleet is a TimeTracker-like data set over the 60 days before
// diffNow: installations (heartbeats, with and without a version) and users
// (errors, timers, logins) as different persons, users merged from an
// anonymous id, and events a millisecond either side of the edges of every
// range the test reads. It returns the events in ingest order and the
// persons they make.
func diffFleet(custom datasource.Range) ([]embedded.Event, []diffPerson) {
	rng := rand.New(rand.NewPCG(3, 5))
	var evs []embedded.Event
	var persons []diffPerson
	add := func(name, did string, ts time.Time, props map[string]any) {
		u := fmt.Sprintf("0190a6c4-0000-7000-8000-%012x", len(evs)+1) // ingest order
		evs = append(evs, embedded.Event{UUID: u, Name: name, DistinctID: did, Timestamp: ts, Properties: props})
	}
	ago := func(maxDays float64) time.Time {
		d := time.Duration(rng.Float64() * maxDays * float64(24*time.Hour))
		return diffNow.Add(-d).Truncate(time.Millisecond)
	}
	versions := []string{"4.9.0", "4.9.1", "4.10.0", ""}
	type install struct{ did, dep, ver, plat string }
	var installs []install
	for i := range 24 {
		in := install{did: fmt.Sprintf("inst-%02d", i), dep: []string{"docker", "native"}[i%2],
			ver: versions[i%3], plat: []string{"Linux", "Windows", "Darwin"}[i%3]}
		installs = append(installs, in)
		props := map[string]any{"deployment_method": in.dep, "current_version": in.ver, "current_platform": in.plat,
			"seats": []any{3.0, 5.0, "3", 1e21, 1e-7}[i%5]}
		persons = append(persons, diffPerson{id: fmt.Sprintf("00000000-0000-4000-a000-%012d", i), dids: []string{in.did}, props: props})
		add("telemetry.install", in.did, diffNow.Add(-60*24*time.Hour), map[string]any{"$set": props})
		for range 4 + rng.IntN(30) {
			p := map[string]any{"platform": in.plat, "deployment_method": in.dep}
			if v := versions[rng.IntN(len(versions))]; v != "" {
				p["app_version"] = v
			}
			add([]string{"telemetry.health", "base_telemetry.heartbeat"}[rng.IntN(2)], in.did, ago(59), p)
		}
	}
	for i := range 20 {
		in := installs[i%len(installs)]
		anon, user := fmt.Sprintf("anon-%02d", i), fmt.Sprintf("user-%02d", i)
		props := map[string]any{"is_admin": i%4 == 0, "role": []string{"admin", "member"}[min(i%4, 1)],
			"auth_method": []string{"local", "oidc", "ldap"}[i%3]}
		p := diffPerson{id: fmt.Sprintf("00000000-0000-4000-b000-%012d", i), dids: []string{user}, props: props}
		first := diffNow.Add(-59 * 24 * time.Hour)
		if i%2 == 0 { // an anonymous id first, merged by $identify
			add("timer.started", anon, first, map[string]any{"project_id": 1.0, "install_id": in.did, "app_version": in.ver, "deployment_method": in.dep})
			p.dids = append(p.dids, anon)
		}
		ident := map[string]any{"$set": props}
		if i%2 == 0 {
			ident["$anon_distinct_id"] = anon
		}
		add("$identify", user, first.Add(time.Hour), ident)
		persons = append(persons, p)
		for range 10 + rng.IntN(40) {
			pr := map[string]any{"install_id": in.did, "deployment_method": in.dep}
			if in.ver != "" && rng.IntN(5) > 0 {
				pr["app_version"] = in.ver
			}
			switch k := rng.IntN(10); {
			case k < 3:
				pr["error_type"] = []string{"DatabaseError", "Timeout"}[rng.IntN(2)]
				add([]string{"error_occurred", "$exception"}[rng.IntN(2)], user, ago(59), pr)
			case k < 8:
				pr["project_id"] = float64(rng.IntN(4))
				add("timer.started", user, ago(59), pr)
			default:
				pr["auth_method"] = props["auth_method"]
				add("auth.login", user, ago(59), pr)
			}
		}
	}
	// A heartbeat a millisecond before, at, and a millisecond before the
	// end of each window (and of its previous window), from an
	// installation that sends nothing else near them.
	edges := []time.Time{}
	for _, name := range []string{"1h", "24h", "7d", "30d"} {
		r, _ := datasource.ParseRange(name, diffNow)
		edges = append(edges, r.From, r.Previous().From, r.To)
	}
	edges = append(edges, custom.From, custom.Previous().From, custom.To)
	for i, e := range edges {
		did := fmt.Sprintf("edge-%02d", i)
		persons = append(persons, diffPerson{id: fmt.Sprintf("00000000-0000-4000-c000-%012d", i), dids: []string{did},
			props: map[string]any{"deployment_method": "docker"}})
		add("telemetry.install", did, diffNow.Add(-60*24*time.Hour), map[string]any{"$set": map[string]any{"deployment_method": "docker"}})
		for j, ts := range []time.Time{e.Add(-time.Millisecond), e, e.Add(time.Millisecond)} {
			add("telemetry.health", did, ts, map[string]any{"app_version": versions[j], "deployment_method": "docker"})
		}
		add("error_occurred", did, e.Add(-time.Millisecond), map[string]any{"app_version": "4.9.0", "deployment_method": "docker"})
	}
	return evs, persons
}

// loadBoth ingests evs into a new embedded store and loads the same events
// and persons into ClickHouse.
func loadBoth(t *testing.T, ch *clickhouse, evs []embedded.Event, persons []diffPerson) *embedded.Store {
	t.Helper()
	st := loadEmbedded(t, evs)
	for _, s := range schemaSQL {
		ch.must(t, s)
	}
	dir := t.TempDir()
	write := func(name string, rows []map[string]any) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		for _, r := range rows {
			enc.Encode(r)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var evRows, pdiRows, pRows []map[string]any
	for _, e := range evs {
		props, _ := json.Marshal(e.Properties)
		evRows = append(evRows, map[string]any{"uuid": e.UUID, "event": e.Name, "distinct_id": e.DistinctID,
			"properties": string(props), "timestamp": e.Timestamp.UTC().Format("2006-01-02 15:04:05.000000")})
	}
	for _, p := range persons {
		props, _ := json.Marshal(p.props)
		pRows = append(pRows, map[string]any{"id": p.id, "properties": string(props)})
		for _, d := range p.dids {
			pdiRows = append(pdiRows, map[string]any{"distinct_id": d, "person_id": p.id})
		}
	}
	for table, rows := range map[string][]map[string]any{"raw_events": evRows, "person_distinct_ids": pdiRows, "persons": pRows} {
		ch.must(t, "INSERT INTO "+table+" SELECT * FROM file('"+write(table+".jsonl", rows)+"', JSONEachRow)")
	}
	return st
}

// loadEmbedded ingests evs into a new embedded store.
func loadEmbedded(t *testing.T, evs []embedded.Event) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "events.db"), embedded.WithClock(func() time.Time { return diffNow }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if res, err := st.Ingest(context.Background(), evs); err != nil || res.Stored != len(evs) {
		t.Fatalf("embedded ingest: %+v %v", res, err)
	}
	return st
}

// perFamily is what the embedded store answers when each event family
// reads the filters as datasource.Mapping.FiltersFor says: each pane taken
// from a snapshot of its own family's filters. It is the same figure
// whether or not the store applies FiltersFor itself (FiltersFor of its
// own output changes nothing).
func perFamily(t *testing.T, st *embedded.Store, m datasource.Mapping, q datasource.Query) *datasource.Snapshot {
	t.Helper()
	of := func(k datasource.EventKind) *datasource.Snapshot {
		fq := q
		fq.Filters = m.FiltersFor(k, q.Filters).Apply
		s, err := st.Snapshot(context.Background(), fq)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	out := of(datasource.KindAny)
	hb, er, tm := of(datasource.KindHeartbeat), of(datasource.KindError), of(datasource.KindTimer)
	out.Installs, out.Versions, out.Errors, out.Timers = hb.Installs, hb.Versions, er.Errors, tm.Timers
	out.Errors.PerInstall = 0
	if out.Installs.Active > 0 {
		out.Errors.PerInstall = float64(out.Errors.Total) / float64(out.Installs.Active)
	}
	out.NotNarrowed = m.NotNarrowed(q.Filters)
	return out
}

// sameFigures reports each pane that differs.
func sameFigures(t *testing.T, got, want *datasource.Snapshot) {
	t.Helper()
	for _, p := range []struct {
		name      string
		got, want any
	}{
		{"totals", got.Totals, want.Totals}, {"installs", got.Installs, want.Installs},
		{"versions", got.Versions, want.Versions}, {"errors", got.Errors, want.Errors},
		{"timers", got.Timers, want.Timers}, {"not narrowed", got.NotNarrowed, want.NotNarrowed},
	} {
		if !reflect.DeepEqual(p.got, p.want) {
			t.Errorf("%s:\nClickHouse %+v\nembedded   %+v", p.name, p.got, p.want)
		}
	}
}
