package embedded

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// randFleet makes a small, messy fleet: few distinct ids (so merges, ties
// and repeated heartbeats are common), values that are missing, null,
// numbers or booleans, nested and plain person updates.
func randFleet(r *rand.Rand, n int) []Event {
	ids := []string{"i1", "i2", "i3", "i4", "i5", "i6", "i7", "u1", "u2", "u3", "a1", "a2", "a3", "a4", "a5"}
	names := []string{"telemetry.health", "base_telemetry.heartbeat", "error_occurred", "$exception",
		"timer.started", "auth.login", "$identify", "$create_alias", "export.csv"}
	pick := func(vs ...any) any { return vs[r.IntN(len(vs))] }
	// 2026-03-05 .. 2026-03-12: covers the New York DST switch (03-08).
	base := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	var evs []Event
	var last time.Time
	for i := 0; i < n; i++ {
		ts := base.Add(time.Duration(r.Int64N(int64(7 * 24 * time.Hour))))
		ts = ts.Truncate(time.Duration(pick(int64(1), int64(time.Millisecond), int64(time.Minute)).(int64)))
		if i > 0 && r.IntN(8) == 0 {
			ts = last // exact ties
		}
		last = ts
		ev := Event{Name: names[r.IntN(len(names))], DistinctID: ids[r.IntN(len(ids))], Timestamp: ts, Properties: M{}}
		for _, kv := range randProps {
			if r.IntN(3) > 0 {
				ev.Properties[kv.k] = kv.vals[r.IntN(len(kv.vals))]
			}
		}
		personProps(r, ev.Properties, pick)
		// Merges are rare and only fold anonymous ids into users, so the
		// fleet keeps several persons.
		switch ev.Name {
		case "$identify":
			ev.DistinctID = pick("u1", "u2", "u3").(string)
			ev.Properties["$anon_distinct_id"] = pick("a1", "a2", "a3", "a4", "a5").(string)
		case "$create_alias":
			ev.DistinctID = pick("u1", "u2", "u3").(string)
			ev.Properties["alias"] = pick("a1", "a2", "a3", "a4", "a5", "u2").(string)
		}
		if r.IntN(4) == 0 {
			ev.UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", r.IntN(n))
		}
		if r.IntN(40) == 0 {
			ev.Name = ""
		}
		evs = append(evs, ev)
	}
	return evs
}

// randProps are randFleet's event properties and their values, in a
// fixed order so that a seed always makes the same fleet.
var randProps = []struct {
	k    string
	vals []any
}{
	{"app_version", []any{"1.0.0", "1.1.0", "2.0.0-rc1", "2.0.0", "weird", nil, 3.0}},
	{"platform", []any{"Linux", "Windows", "Darwin", nil, "unknown"}},
	{"deployment_method", []any{"docker", "native"}},
	{"project_id", []any{1.0, 2.0, 2.5, "1"}},
	{"error_type", []any{"DB", "Crash"}},
	{"install_id", []any{"i1", "i2", "x9", "", nil, 7.0}},
}

func personProps(r *rand.Rand, p M, pick func(...any) any) {
	set := M{}
	for _, k := range []string{"role", "is_admin", "auth_method", "deployment_method", "current_version"} {
		if r.IntN(4) == 0 {
			set[k] = pick("admin", "member", true, false, "oidc", "ldap", "docker", "1.1.0", nil)
		}
	}
	switch r.IntN(5) {
	case 0:
		p["$set"] = set
	case 1:
		p["$set"] = M{"$set": set, "$set_once": M{"first_seen_version": pick("1.0.0", "2.0.0")}}
	case 2:
		p["$set_once"] = set
	case 3:
		p["$unset"] = []any{pick("role", "is_admin", "auth_method")}
	}
}

func randFilter(r *rand.Rand) datasource.Filter {
	keys := []string{"app_version", "platform", "deployment_method", "project_id", "error_type",
		"role", "is_admin", "auth_method", "current_version", "first_seen_version", "nope"}
	vals := []string{"1.0.0", "1.1.0", "2.0.0", "3", "Linux", "docker", "native", "1", "2.5", "DB",
		"admin", "true", "false", "oidc", "ldap"}
	f := datasource.Filter{Scope: datasource.Scope(r.IntN(3)), Key: keys[r.IntN(len(keys))], Op: datasource.Op(r.IntN(6))}
	for i := r.IntN(3); i >= 0; i-- {
		f.Values = append(f.Values, vals[r.IntN(len(vals))])
	}
	if r.IntN(10) == 0 {
		f.Values = nil
	}
	return f
}

func randQuery(r *rand.Rand) datasource.Query {
	now := time.Date(2026, 3, 8+r.IntN(4), r.IntN(24), r.IntN(60), 0, 0, time.UTC)
	spec := []string{"1h", "24h", "7d", "30d", "90m", "3d", "2026-03-07T13:00..2026-03-09T02:00"}[r.IntN(7)]
	rg, err := datasource.ParseRange(spec, now)
	if err != nil {
		panic(err)
	}
	q := datasource.Query{Range: rg, TZ: []string{"", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe"}[r.IntN(4)]}
	for i := r.IntN(4); i > 0; i-- {
		q.Filters = append(q.Filters, randFilter(r))
	}
	return q
}

// TestEnginesAgree is the oracle test: on random data and random queries
// the index must answer exactly what the SQL engine answers, for every
// Source method. Chunks are made tiny so that every path is taken: chunks
// the writer saves, the open chunk, rows handed over in-process (the index
// starts halfway through the ingest for even seeds), and, after reopening,
// chunks loaded from their blobs. Six seeds without -race; under -race
// (or -short) one, which takes every path, with more queries when
// TTMON_LONG=1.
func TestEnginesAgree(t *testing.T) {
	seeds, queries := []int{1, 2, 3, 4, 5, 6}, 12
	if testing.Short() || raceOn {
		seeds, queries = []int{2}, 4 // seed 2: handover and two workers
		if long() {
			queries = 6
		}
	}
	keys := []datasource.Property{{Key: "app_version", Scope: datasource.ScopeEvent},
		{Key: "auth_method", Scope: datasource.ScopePerson}, {Key: "project_id", Scope: datasource.ScopeAuto},
		{Key: "deployment_method", Scope: datasource.ScopeAuto}}
	for _, seed := range seeds {
		withChunkSize(t, int64(7+seed*5))
		if seed%3 != 0 {
			withParallelMin(t, 0) // two workers even on these few events
		} else {
			withParallelMin(t, 1<<18)
		}
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		s := openTest(t)
		evs := randFleet(r, 400)
		for i := 0; len(evs) > 0; i++ {
			n := min(len(evs), 1+r.IntN(80))
			mustIngest(t, s, evs[:n]...)
			evs = evs[n:]
			if i == 2 && seed%2 == 0 {
				waitReady(t, s)
			}
		}
		nonEmpty := compareEngines(t, s, r, seed, queries, keys)
		s = reopen(t, s)
		nonEmpty += compareEngines(t, s, r, seed, queries/2, keys)
		s.Close()
		if nonEmpty < queries/4 {
			t.Fatalf("seed %d: only %d of %d queries had data; the comparison proves little", seed, nonEmpty, queries*3/2)
		}
	}
}

// withParallelMin sets the index's parallel scan threshold for one test.
func withParallelMin(t *testing.T, n int) { t.Cleanup(index.SetParallelMin(n)) }

// withChunkSize sets the index's chunk size for one test.
func withChunkSize(t *testing.T, n int64) { t.Cleanup(index.SetChunkSize(n)) }

// compareEngines runs random queries on both engines and returns how many
// had data.
func compareEngines(t *testing.T, s *Store, r *rand.Rand, seed, queries int, keys []datasource.Property) int {
	t.Helper()
	en := engines(t, s)
	nonEmpty := 0
	for qi := 0; qi < queries; qi++ {
		q := randQuery(r)
		hour := r.IntN(26) - 2
		a := collect(t, s, en[0].e, q, keys, hour)
		b := collect(t, s, en[1].e, q, keys, hour)
		if !reflect.DeepEqual(a.Snap, b.Snap) {
			t.Fatalf("seed %d query %d %v %s tz=%q: snapshots disagree\nsql:   %+v\nindex: %+v",
				seed, qi, datasource.FilterStrings(q.Filters), q.Range.Label(), q.TZ, a.Snap, b.Snap)
		}
		if a.Snap.Totals.Events > 0 && len(a.Inst) > 0 {
			nonEmpty++
		}
		compareFigures(t, s, en[1].e, q, a.Snap, r)
		a.Snap, b.Snap = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d query %d %v %s tz=%q hour=%d: engines disagree\nsql:   %+v\nindex: %+v",
				seed, qi, datasource.FilterStrings(q.Filters), q.Range.Label(), q.TZ, hour, a, b)
		}
	}
	return nonEmpty
}

// compareFigures asks the index for some built-in figures only, as a
// dashboard does (Query.Figures), and checks the answer is the full one
// (full, the SQL engine's) with the other figures zeroed: the scan skips
// the families it does not need, and what it still counts must not move.
func compareFigures(t *testing.T, s *Store, e index.Engine, q datasource.Query, full *datasource.Snapshot, r *rand.Rand) {
	t.Helper()
	for _, f := range datasource.Figures {
		if r.IntN(2) == 0 {
			q.Figures = append(q.Figures, f)
		}
	}
	if len(q.Figures) == 0 {
		q.Figures = []string{datasource.Figures[r.IntN(len(datasource.Figures))]}
	}
	got, err := s.snapshotOn(context.Background(), e, q)
	if err != nil {
		t.Fatal(err)
	}
	want := *full
	want.KeepFigures(q)
	want.Query, got.Took = q, 0
	if !reflect.DeepEqual(&want, got) {
		t.Fatalf("figures %v, %v %s tz=%q: the index's answer is not the whole one with the others zeroed\nwant: %+v\ngot:  %+v",
			q.Figures, datasource.FilterStrings(q.Filters), q.Range.Label(), q.TZ, &want, got)
	}
}

// TestOracleNotTrivial guards the oracle test against comparing empty
// answers: the random fleet must produce non-zero figures.
func TestOracleNotTrivial(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 7))
	s := openTest(t)
	mustIngest(t, s, randFleet(r, 400)...)
	rg, _ := datasource.ParseRange("7d", time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC))
	snap, err := s.Snapshot(context.Background(), datasource.Query{Range: rg})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Installs.Active == 0 || snap.Errors.Total == 0 || snap.Timers.Total == 0 || len(snap.Versions) < 3 {
		t.Fatalf("random fleet too thin: %+v", snap)
	}
}
