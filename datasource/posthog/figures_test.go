package posthog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
)

// TestSameFiguresAsEmbedded is the adapter's "same figures" promise: one
// fixed data set is ingested into the embedded store and held by the fake
// PostHog; the adapter's Snapshot must equal the store's, for each filter.
//
// The fake does not run HogQL. It computes the rows each tagged result set
// of the snapshot statement would return, in Go, following that
// statement's semantics (rowsFor), and it checks that the request carried
// the range, the event names, the version key and the filter values. What
// this proves: the request is shaped right, and the adapter decodes and
// assembles PostHog's answer into the embedded store's figures (buckets,
// hours across a DST change, versions with missing values, errors by
// version, totals, previous window, each family reading the filters in
// its own sense). That ClickHouse evaluates the SQL text as rowsFor does
// is TestSameFiguresOnClickHouse's part; the grammar test parses the text
// with PostHog's parser.
func TestSameFiguresAsEmbedded(t *testing.T) {
	now := time.Date(2026, 3, 29, 12, 30, 0, 0, time.UTC) // Europe/Berlin changed to summer time at 01:00 UTC
	evs := fleet(now)
	st, err := embedded.Open(filepath.Join(t.TempDir(), "events.db"), embedded.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Ingest(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	fake := newFakePostHog(t)
	data := newFakeData(evs)
	r, _ := datasource.ParseRange("24h", now)
	s := testSource(t, fake.URL)
	cases := []datasource.Filter{
		{},
		{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpEq, Values: []string{"docker"}},
		{Scope: datasource.ScopeEvent, Key: "app_version", Op: datasource.OpNeq, Values: []string{"4.9.0"}},
		{Scope: datasource.ScopePerson, Key: "is_admin", Op: datasource.OpEq, Values: []string{"true"}},
		{Scope: datasource.ScopeEvent, Key: "app_version", Op: datasource.OpIn, Values: []string{"4.9.1", "4.10.0"}},
		{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpNotIn, Values: []string{"native"}},
		{Scope: datasource.ScopeEvent, Key: "error_type", Op: datasource.OpIsNotSet},
		{Scope: datasource.ScopePerson, Key: "seats", Op: datasource.OpEq, Values: []string{"3"}},
	}
	for _, f := range cases {
		q := datasource.Query{Range: r, TZ: "Europe/Berlin"}
		if f.Key != "" {
			q = q.WithFilters(f)
		}
		t.Run(fmt.Sprint(datasource.FilterStrings(q.Filters)), func(t *testing.T) {
			fake.Answer = func(fq fakeQuery) ([]string, [][]any) {
				checkSnapshotValues(t, fq, q, s.o.mapping)
				return []string{"tag", "k", "b", "v1", "v2", "v3", "v4"}, data.rowsFor(q, s.o.mapping)
			}
			want := perFamily(t, st, s.o.mapping, q)
			before := fake.Count()
			got, err := s.Snapshot(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if n := fake.Count() - before; n != 1 {
				t.Errorf("Snapshot sent %d requests, want 1", n)
			}
			if want.Totals.Events == 0 || want.Installs.Active == 0 && f.Key == "" {
				t.Fatalf("the data set is empty in range: %+v", want.Totals)
			}
			for _, p := range []struct {
				name      string
				got, want any
			}{
				{"totals", got.Totals, want.Totals}, {"installs", got.Installs, want.Installs},
				{"versions", got.Versions, want.Versions}, {"errors", got.Errors, want.Errors},
				{"timers", got.Timers, want.Timers}, {"not narrowed", got.NotNarrowed, want.NotNarrowed},
			} {
				if !reflect.DeepEqual(p.got, p.want) {
					t.Errorf("%s:\nposthog  %+v\nembedded %+v", p.name, p.got, p.want)
				}
			}
		})
	}
}

// checkSnapshotValues: the snapshot request carried every parameter the
// figures depend on, as values.
func checkSnapshotValues(t *testing.T, fq fakeQuery, q datasource.Query, m datasource.Mapping) {
	t.Helper()
	r := q.Range
	want := []any{r.From.UnixMilli(), r.To.UnixMilli(), r.Previous().From.UnixMilli(), r.Step.Milliseconds(), m.VersionProperty}
	for _, n := range slices.Concat(m.Heartbeat, m.Errors, m.Timers) {
		want = append(want, n)
	}
	for _, f := range q.Filters {
		want = append(want, f.Key)
		for _, v := range f.Values {
			want = append(want, v)
		}
	}
	for _, v := range want {
		if !fq.HasValue(v) {
			t.Errorf("the request does not carry %v in values: %v", v, fq.Query.Values)
		}
	}
	if fq.Name != "ttmon.snapshot" || fq.Refresh != "force_blocking" {
		t.Errorf("name %q refresh %q", fq.Name, fq.Refresh)
	}
}

// fleet is a small fixed TimeTracker-like data set around now: persons
// with person properties, heartbeats with and without a version in both
// windows, errors, timers at many hours, and other events.
func fleet(now time.Time) []embedded.Event {
	rng := rand.New(rand.NewPCG(7, 11))
	var evs []embedded.Event
	sec := 0
	at := func(hoursAgo float64) time.Time {
		sec++ // distinct instants: no ties for the latest heartbeat
		return now.Add(-time.Duration(hoursAgo * float64(time.Hour))).Truncate(time.Second).Add(time.Duration(sec) * time.Millisecond)
	}
	versions := []string{"4.9.0", "4.9.1", "4.10.0", ""}
	for i := range 14 {
		did := fmt.Sprintf("inst-%02d", i)
		set := map[string]any{"deployment_method": []string{"docker", "native"}[i%2], "seats": []any{3.0, 5.0, "3"}[i%3]}
		if i%4 == 0 {
			set["is_admin"] = true
		}
		evs = append(evs, embedded.Event{Name: "$identify", DistinctID: did, Timestamp: at(47), Properties: map[string]any{"$set": set}})
		for range 1 + rng.IntN(6) {
			props := map[string]any{"platform": []string{"Linux", "Windows"}[rng.IntN(2)]}
			if v := versions[rng.IntN(len(versions))]; v != "" {
				props["app_version"] = v
			}
			evs = append(evs, embedded.Event{Name: []string{"telemetry.health", "base_telemetry.heartbeat"}[rng.IntN(2)],
				DistinctID: did, Timestamp: at(rng.Float64() * 47), Properties: props})
		}
		for range rng.IntN(4) {
			props := map[string]any{"error_type": "DatabaseError"}
			if rng.IntN(3) == 0 {
				delete(props, "error_type")
			}
			if v := versions[rng.IntN(len(versions))]; v != "" {
				props["app_version"] = v
			}
			evs = append(evs, embedded.Event{Name: "error_occurred", DistinctID: did, Timestamp: at(rng.Float64() * 30), Properties: props})
		}
		for range rng.IntN(8) {
			evs = append(evs, embedded.Event{Name: "timer.started", DistinctID: did, Timestamp: at(rng.Float64() * 24), Properties: map[string]any{"project_id": rng.IntN(3)}})
		}
		evs = append(evs, embedded.Event{Name: "auth.login", DistinctID: did, Timestamp: at(rng.Float64() * 24), Properties: map[string]any{"auth_method": "oidc"}})
	}
	return evs
}

// fakeData is the data set as PostHog would hold it: events with their
// person's (current) properties.
type fakeData struct {
	evs    []embedded.Event
	person map[string]map[string]any
}

func newFakeData(evs []embedded.Event) *fakeData {
	d := &fakeData{evs: evs, person: map[string]map[string]any{}}
	for _, e := range evs {
		if d.person[e.DistinctID] == nil {
			d.person[e.DistinctID] = map[string]any{}
		}
		if set, ok := e.Properties["$set"].(map[string]any); ok {
			for k, v := range set {
				d.person[e.DistinctID][k] = v
			}
		}
	}
	return d
}

// matches is cond() over value(): ValueString of the JSON value, Match.
func (d *fakeData) matches(e embedded.Event, fs []datasource.Filter) bool {
	for _, f := range fs {
		src := e.Properties
		if f.Scope == datasource.ScopePerson {
			src = d.person[e.DistinctID]
		}
		v, set := datasource.ValueString(src[f.Key])
		if !f.Match(v, set) {
			return false
		}
	}
	return true
}

// rowsFor computes the snapshot statement's rows the way it reads: each
// event in [prev.From, To) flagged by the filters of each family
// (datasource.Mapping.FiltersFor), then each tagged set over them.
func (d *fakeData) rowsFor(q datasource.Query, mp datasource.Mapping) [][]any {
	r, prev := q.Range, q.Range.Previous()
	loc, _ := q.Location()
	var m []embedded.Event
	for _, e := range d.evs {
		if !e.Timestamp.Before(prev.From) && e.Timestamp.Before(r.To) {
			m = append(m, e)
		}
	}
	in := func(k datasource.EventKind, e embedded.Event) bool {
		return (k == datasource.KindAny || slices.Contains(mp.Names(k), e.Name)) && d.matches(e, mp.FiltersFor(k, q.Filters).Apply)
	}
	type key struct {
		tag string
		k   any
		b   int64
	}
	type agg struct {
		n, er, tm int64
		hb        map[string]bool
	}
	aggs := map[key]*agg{}
	get := func(k key) *agg {
		if aggs[k] == nil {
			aggs[k] = &agg{hb: map[string]bool{}}
		}
		return aggs[k]
	}
	get(key{tag: tagTotals, k: ""})
	get(key{tag: tagPrevious, k: ""})
	latest := map[string]embedded.Event{}
	for _, e := range m {
		cur := !e.Timestamp.Before(r.From)
		tot, hb, er, tm := in(datasource.KindAny, e), in(datasource.KindHeartbeat, e), in(datasource.KindError, e), in(datasource.KindTimer, e)
		if !tot && !hb && !er && !tm {
			continue
		}
		ks := []key{{tag: tagPrevious, k: ""}}
		if cur {
			u := e.Timestamp.Unix()
			_, off := e.Timestamp.In(loc).Zone()
			ks = []key{{tag: tagTotals, k: ""}, {tag: tagBucket, k: "", b: (u - r.From.Unix()) / int64(r.Step/time.Second)}}
			if tm {
				ks = append(ks, key{tag: tagHour, k: "", b: ((u + int64(off)) % 86400) / 3600})
			}
			if er {
				v, ok := datasource.ValueString(e.Properties[mp.VersionProperty])
				ks = append(ks, key{tag: tagErrVer, k: nullable(v, ok)})
			}
			if l, ok := latest[e.DistinctID]; hb && (!ok || e.Timestamp.After(l.Timestamp)) {
				latest[e.DistinctID] = e
			}
		}
		for _, k := range ks {
			a := get(k)
			if k.tag != tagTotals || tot {
				a.n++
			}
			if er {
				a.er++
			}
			if tm {
				a.tm++
			}
			if hb {
				a.hb[e.DistinctID] = true
			}
		}
	}
	var rows [][]any
	for k, a := range aggs {
		hb := int64(len(a.hb))
		switch k.tag {
		case tagTotals:
			rows = append(rows, []any{k.tag, k.k, 0, a.n, hb, a.er, a.tm})
		case tagPrevious:
			rows = append(rows, []any{k.tag, k.k, 0, hb, 0, 0, 0})
		case tagBucket:
			rows = append(rows, []any{k.tag, k.k, k.b, hb, a.er, a.tm, 0})
		default: // hour, errv: count()
			rows = append(rows, []any{k.tag, k.k, k.b, a.n, 0, 0, 0})
		}
	}
	vers := map[any]int64{}
	for _, e := range latest {
		v, ok := datasource.ValueString(e.Properties[mp.VersionProperty])
		vers[nullable(v, ok)]++
	}
	for v, n := range vers {
		rows = append(rows, []any{tagVersion, v, 0, n, 0, 0, 0})
	}
	// PostHog returns UNION ALL parts in no particular order.
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return rows
}

// nullable is what a Nullable(String) cell holds: the string, or null.
func nullable(v string, ok bool) any {
	if !ok {
		return nil
	}
	return v
}
