package embedded

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// randPanes makes one to three valid panes over randFleet's names and
// properties: every measure, special breakdown, column, chart, limit, own
// range and Where filters of both scopes (some without a scope, which the
// store resolves).
func randPanes(t testing.TB, r *rand.Rand, qr datasource.Range) []datasource.PaneQuery {
	t.Helper()
	events := [][]string{{"*"}, {"@heartbeat"}, {"@errors"}, {"@timers"}, {"auth.login", "export.csv"},
		{"telemetry.health", "auth.login"}, {"nope"}, {"@errors", "@heartbeat"}}
	breakdowns := []string{"$event", "$category", "$hour", "app_version", "platform", "deployment_method",
		"project_id", "event.error_type", "install_id", "person.role", "person.is_admin", "person.auth_method", "event.nope"}
	charts := append([]datasource.Chart{""}, datasource.Charts...)
	// Rates twice as often: they need events and heartbeats in range.
	measures := append([]datasource.Measure{"", datasource.MeasurePerInstallation}, datasource.Measures...)
	var out []datasource.PaneQuery
	for len(out) < 1+r.IntN(3) {
		spec := datasource.PaneSpec{ID: string(rune('a' + len(out))), Events: events[r.IntN(len(events))],
			Measure: measures[r.IntN(len(measures))], Chart: charts[r.IntN(len(charts))],
			Limit: r.IntN(4), Range: []string{"", "", "24h", "7d"}[r.IntN(4)]}
		for range r.IntN(3) {
			if b := breakdowns[r.IntN(len(breakdowns))]; !slices.Contains(spec.Breakdown, b) {
				spec.Breakdown = append(spec.Breakdown, b)
			}
		}
		if spec.EffectiveChart() == datasource.ChartTable {
			for _, c := range datasource.Columns {
				if r.IntN(2) == 0 {
					spec.Columns = append(spec.Columns, c)
				}
			}
		}
		if spec.Validate() != nil {
			continue
		}
		pq, err := datasource.ResolvePane(spec, qr, qr.To)
		if err != nil {
			t.Fatal(err)
		}
		for range r.IntN(3) {
			pq.Where = append(pq.Where, randFilter(r))
		}
		out = append(out, pq)
	}
	return out
}

// samePanes fails with the first pane field the SQL engine (a) and the
// index (b) disagree on.
func samePanes(t testing.TB, what string, a, b []datasource.PaneFigures, spec func(i int) any) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d panes from sql, %d from the index", what, len(a), len(b))
	}
	for i := range a {
		av, bv := reflect.ValueOf(a[i]), reflect.ValueOf(b[i])
		for f := range av.NumField() {
			if !reflect.DeepEqual(av.Field(f).Interface(), bv.Field(f).Interface()) {
				t.Fatalf("%s: pane %s (%+v) %s:\nsql:   %+v\nindex: %+v\npane: %+v", what, a[i].ID, a[i].Range,
					av.Type().Field(f).Name, av.Field(f).Interface(), bv.Field(f).Interface(), spec(i))
			}
		}
	}
}

// TestPanesEnginesAgree is the oracle test of the dashboard panes: on
// random data (merges, ties, missing, null and numeric values, install ids
// empty or not) and random queries with random panes, the index must
// answer exactly what the SQL engine answers. Chunks are tiny, the index
// takes rows handed over by the writer for even seeds, scans on two
// workers for some, and reads the saved blobs after reopening.
func TestPanesEnginesAgree(t *testing.T) {
	seeds, queries := []int{1, 2, 3, 4}, 24
	if testing.Short() || raceOn {
		seeds, queries = []int{2}, 12
	}
	seen := map[string]int{}
	colHits := int64(0)                 // saved chunks' property columns read from memory
	digHB, digAll := int64(0), int64(0) // panes that counted hours from the digests
	for _, seed := range seeds {
		withChunkSize(t, int64(5+seed*7))
		withParallelMin(t, []int{0, 1 << 18}[seed%2])
		r := rand.New(rand.NewPCG(uint64(seed), 13))
		s := openTest(t)
		evs := randFleet(r, 500)
		if seed%2 == 0 {
			// In time order, as live traffic comes: a chunk's events then
			// often share one bucket, which the scan counts per name list.
			slices.SortStableFunc(evs, func(a, b Event) int { return a.Timestamp.Compare(b.Timestamp) })
		}
		for i := 0; len(evs) > 0; i++ {
			n := min(len(evs), 1+r.IntN(80))
			mustIngest(t, s, evs[:n]...)
			evs = evs[n:]
			if i == 2 && seed%2 == 0 {
				waitReady(t, s)
			}
			if i == 4 {
				comparePanes(t, s, r, seed, 2, seen) // then more rows: the derived columns grow
			}
		}
		comparePanes(t, s, r, seed, queries, seen)
		colHits += s.idx.KeptColumnHits()
		hb, all := s.idx.DigestHits()
		digHB, digAll = digHB+hb, digAll+all
		s = reopen(t, s)
		comparePanes(t, s, r, seed, queries/2, seen)
		s.Close()
	}
	if digHB == 0 || digAll == 0 {
		t.Errorf("panes counted hours from the heartbeats' digest %d times, from all events' %d: one went untested", digHB, digAll)
	}
	if colHits == 0 {
		t.Error("no query read a saved chunk's property column from what the index keeps: the kept columns went untested")
	}
	for _, k := range []string{"total", "groups", "other", "rate", "new"} {
		if seen[k] < 2 {
			t.Errorf("panes with %s compared %d times: the random panes prove little (%v)", k, seen[k], seen)
		}
	}
}

// comparePanes runs random queries with panes on both engines; seen
// counts the kinds of non-empty answer compared.
func comparePanes(t *testing.T, s *Store, r *rand.Rand, seed, queries int, seen map[string]int) {
	t.Helper()
	en := engines(t, s)
	ctx := context.Background()
	for qi := range queries {
		q := randQuery(r)
		q.Panes, q.PanesOnly = randPanes(t, r, q.Range), r.IntN(3) == 0
		// The same new-installations pane in every query: its earliest
		// events are kept between queries and brought up to date.
		newPane, err := datasource.ResolvePane(datasource.PaneSpec{ID: "new", Events: []string{"@heartbeat", "auth.login"},
			Measure: datasource.MeasureNewInstallations, Breakdown: []string{"platform"}, Chart: datasource.ChartLine}, q.Range, q.Range.To)
		if err != nil {
			t.Fatal(err)
		}
		q.Panes = append(q.Panes, newPane)
		// Active users over every event, by person: the shape the digest of
		// all events answers (hbdigest.go), in every query.
		users, err := datasource.ResolvePane(datasource.PaneSpec{ID: "users", Events: []string{datasource.AllEvents},
			Measure: datasource.MeasureUsers, Breakdown: []string{"person.role"}, Chart: datasource.ChartLine}, q.Range, q.Range.To)
		if err != nil {
			t.Fatal(err)
		}
		q.Panes = append(q.Panes, users)
		// The built-in Active users' filter, which the install ids read for
		// the user pairs answer on the way (userpairs.go).
		active, err := datasource.ResolvePane(datasource.PaneSpec{ID: "active", Events: []string{datasource.AllEvents},
			Measure: datasource.MeasureUsers, Chart: datasource.ChartLine}, q.Range, q.Range.To)
		if err != nil {
			t.Fatal(err)
		}
		active.Where = []datasource.Filter{{Scope: datasource.ScopeEvent, Key: datasource.InstallKeyProperty, Op: datasource.OpIsSet}}
		q.Panes = append(q.Panes, active)
		var got [2]*datasource.Snapshot
		for i, e := range en {
			snap, err := s.snapshotOn(ctx, e.e, q)
			if err != nil {
				t.Fatal(err)
			}
			got[i] = snap
		}
		what := fmt.Sprintf("seed %d query %d %v %s tz=%q", seed, qi, datasource.FilterStrings(q.Filters), q.Range.Label(), q.TZ)
		samePanes(t, what, got[0].Panes, got[1].Panes, func(i int) any { return q.Panes[i] })
		for i, p := range got[0].Panes {
			notePane(seen, q.Panes[i], p)
		}
		got[0].Panes, got[1].Panes, got[0].Took, got[1].Took = nil, nil, 0, 0
		if !reflect.DeepEqual(got[0], got[1]) {
			t.Fatalf("%s: built-in figures disagree\nsql:   %+v\nindex: %+v", what, got[0], got[1])
		}
	}
}

// notePane counts what a compared pane held.
func notePane(seen map[string]int, pq datasource.PaneQuery, p datasource.PaneFigures) {
	if p.Total == 0 {
		return
	}
	seen["total"]++
	if len(p.Groups) > 1 && p.Groups[1].Value > 0 {
		seen["groups"]++
	}
	if p.Other > 0 {
		seen["other"]++
	}
	if p.Num > 0 && p.Den > 0 {
		seen["rate"]++
	}
	if pq.Spec.EffectiveMeasure() == datasource.MeasureNewInstallations {
		seen["new"]++
	}
}

// TestNewInstallationsKept follows one new-installations pane while data
// arrives: the earliest events are kept between queries, so an event
// that arrives late and earlier than the kept one must move it, a tie
// goes to the event stored first, and a merge moves a distinct id's
// events to another installation.
func TestNewInstallationsKept(t *testing.T) {
	s := openTest(t)
	rg, err := datasource.ParseRange("24h", clock0)
	if err != nil {
		t.Fatal(err)
	}
	pq, err := datasource.ResolvePane(datasource.PaneSpec{ID: "new", Events: []string{"@heartbeat"},
		Measure: datasource.MeasureNewInstallations, Breakdown: []string{"platform"}}, rg, clock0)
	if err != nil {
		t.Fatal(err)
	}
	q := datasource.Query{Range: rg, Panes: []datasource.PaneQuery{pq}, PanesOnly: true}
	plat := func(did string, ts time.Time, p string) Event {
		return Event{Name: "telemetry.health", DistinctID: did, Timestamp: ts, Properties: M{"platform": p}}
	}
	groups := func(want string) {
		t.Helper()
		snap := sameOnBoth(t, s, "snapshot", snapOn(s, q))
		var got []string
		for _, g := range snap.Panes[0].Groups {
			got = append(got, fmt.Sprintf("%s=%g", g.Key[0], g.Value))
		}
		if fmt.Sprint(got) != want {
			t.Fatalf("groups %v, want %s", got, want)
		}
	}
	mustIngest(t, s, plat("a", at(10, 0), "Linux"), plat("a", at(10, 0), "Windows"), plat("b", at(12, 0), "Darwin"))
	groups("[Darwin=1 Linux=1]") // a tie: the event stored first
	mustIngest(t, s, plat("a", at(9, 0), "Windows"))
	groups("[Darwin=1 Windows=1]") // a late event, earlier: it is a's first now
	mustIngest(t, s, plat("b", clock0.Add(-48*time.Hour), "Darwin"))
	groups("[Windows=1]") // b was there before the range
	mustIngest(t, s, Event{Name: "$create_alias", DistinctID: "a", Timestamp: at(13, 0), Properties: M{"alias": "b"}})
	groups("[]") // a and b are one person now, first seen two days ago
}

// TestPaneCacheFollowsData asks the same panes again and again while
// events (late ones too), person updates and merges arrive, under the same
// few cohorts, and holds the index to the SQL engine each time: a kept
// bucket must be counted again when an event lands in it or a person
// input it read changed. It fails unless kept buckets were reused.
func TestPaneCacheFollowsData(t *testing.T) {
	withChunkSize(t, 23)
	r := rand.New(rand.NewPCG(5, 8))
	s := openTest(t)
	specs := []datasource.PaneSpec{
		{ID: "users", Events: []string{"*"}, Measure: datasource.MeasureUsers, Breakdown: []string{"$category"}, Chart: datasource.ChartLine},
		{ID: "inst", Events: []string{"@heartbeat"}, Measure: datasource.MeasureInstallations, Breakdown: []string{"platform"}},
		{ID: "rate", Events: []string{"@errors"}, Measure: datasource.MeasurePerInstallation, Breakdown: []string{"app_version"}},
		{ID: "roles", Events: []string{"*"}, Breakdown: []string{"person.role", "$event"}, Chart: datasource.ChartTable,
			Columns: datasource.Columns, Limit: 3},
		{ID: "hours", Events: []string{"@timers"}, Measure: datasource.MeasureUsers, Breakdown: []string{"$hour"}},
		{ID: "errs", Events: []string{"@errors"}, Breakdown: []string{"error_type"}, Where: []string{"platform != Windows"}},
	}
	cohorts := [][]datasource.Filter{nil,
		{{Scope: datasource.ScopePerson, Key: "role", Op: datasource.OpEq, Values: []string{"admin"}}},
		{{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpEq, Values: []string{"docker"}},
			{Scope: datasource.ScopeEvent, Key: "app_version", Op: datasource.OpNeq, Values: []string{"1.0.0"}}}}
	now := time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)
	rg, err := datasource.ParseRange("7d", now)
	if err != nil {
		t.Fatal(err)
	}
	pqs, err := datasource.Dashboard{Name: "d", Panes: specs}.Queries(rg, now)
	if err != nil {
		t.Fatal(err)
	}
	size, minHits := 900, int64(100)
	if testing.Short() || raceOn {
		size, minHits = 300, 30
	}
	evs := randFleet(r, size)
	for round := 0; len(evs) > 0; round++ {
		n := min(len(evs), 20+r.IntN(60))
		mustIngest(t, s, evs[:n]...)
		evs = evs[n:]
		for ci, fs := range cohorts {
			q := datasource.Query{Range: rg, TZ: "Asia/Kolkata", Filters: fs, Panes: pqs, PanesOnly: ci > 0}
			snap := sameOnBoth(t, s, fmt.Sprintf("round %d cohort %d", round, ci), snapOn(s, q))
			for i, p := range snap.Panes {
				notePane(map[string]int{}, q.Panes[i], p)
			}
		}
	}
	if h := s.idx.PaneCacheHits(); h < minHits {
		t.Errorf("%d kept buckets reused: the test does not exercise the cache", h)
	}
}

// TestPaneCountsWholeLists covers the shortcut of panes that only count
// events by name: a chunk whose events all fall in one bucket is counted
// a name list at a time, testing only the filters. Events arrive in time
// order, as live traffic does, so most chunks lie in one day.
func TestPaneCountsWholeLists(t *testing.T) {
	withChunkSize(t, 40)
	s := openTest(t)
	evs := randFleet(rand.New(rand.NewPCG(9, 9)), 1200)
	slices.SortStableFunc(evs, func(a, b Event) int { return a.Timestamp.Compare(b.Timestamp) })
	mustIngest(t, s, evs...)
	now := time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)
	rg, err := datasource.ParseRange("30d", now)
	if err != nil {
		t.Fatal(err)
	}
	pqs, err := datasource.Dashboard{Name: "d", Panes: []datasource.PaneSpec{
		{ID: "byname", Events: []string{"*"}, Breakdown: []string{"$event"}, Where: []string{"event.app_version != 1.0.0"}},
		{ID: "bycat", Events: []string{"*"}, Breakdown: []string{"$category"}, Chart: datasource.ChartLine},
		{ID: "all", Events: []string{"*"}},
	}}.Queries(rg, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, fs := range [][]datasource.Filter{nil, {{Scope: datasource.ScopePerson, Key: "role", Op: datasource.OpNeq, Values: []string{"admin"}}}} {
		q := datasource.Query{Range: rg, Filters: fs, Panes: pqs, PanesOnly: true}
		snap := sameOnBoth(t, s, "snapshot", snapOn(s, q))
		if snap.Panes[0].Total == 0 || len(snap.Panes[1].Groups) < 3 {
			t.Fatalf("thin data: %+v", snap.Panes)
		}
		s.idx.DropPaneCache()
	}
}

// TestPanesConcurrent asks both built-in dashboards from several
// goroutines while events, person updates and merges arrive (run it with
// -race: queries share the derived columns and the kept buckets), then
// holds the index to the SQL engine.
func TestPanesConcurrent(t *testing.T) {
	withChunkSize(t, 50)
	s := openTest(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(4, 4))
	n := 1500
	if raceOn || testing.Short() {
		n = 400
	}
	evs := randFleet(r, n)
	now := time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)
	var qs []datasource.Query
	for _, d := range builtinDashboards(t) {
		for _, span := range []string{"24h", "7d"} {
			rg, err := datasource.ParseRange(span, now)
			if err != nil {
				t.Fatal(err)
			}
			pqs, err := d.Queries(rg, now)
			if err != nil {
				t.Fatal(err)
			}
			qs = append(qs, datasource.Query{Range: rg, Panes: pqs},
				datasource.Query{Range: rg, Panes: pqs, Filters: []datasource.Filter{
					{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpEq, Values: []string{"docker"}}}})
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if _, err := s.Snapshot(ctx, qs[i%len(qs)]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for len(evs) > 0 {
		n := min(len(evs), 30)
		mustIngest(t, s, evs[:n]...)
		evs = evs[n:]
	}
	close(done)
	wg.Wait()
	for _, q := range qs {
		sameOnBoth(t, s, "after", snapOn(s, q))
	}
}

// digestStore is a store keeping its digests as d, holding a random
// fleet in chunks of 19 events, and the random source that made it.
func digestStore(t *testing.T, d Digests, seed uint64) (*Store, *rand.Rand) {
	t.Helper()
	withChunkSize(t, 19)
	r := rand.New(rand.NewPCG(seed, 13))
	s := openTest(t, WithDigests(d))
	mustIngest(t, s, randFleet(r, 400)...)
	waitReady(t, s)
	return s, r
}

// TestPanesWithoutDigests: a store opened with DigestsOff (a process that
// asks once) answers the panes the digests would, by scanning, and builds
// no digest.
func TestPanesWithoutDigests(t *testing.T) {
	s, r := digestStore(t, DigestsOff, 5)
	comparePanes(t, s, r, 5, 6, map[string]int{})
	if hb, all := s.idx.DigestHits(); hb != 0 || all != 0 {
		t.Fatalf("digests used %d and %d times with DigestsOff", hb, all)
	}
}

// TestPanesBackgroundDigests: with DigestsBackground a query reads what
// is folded and scans the rest while a goroutine folds it; the answers are
// the SQL engine's whether the fold has finished (WaitFolds) or still
// runs, and once it has, the digests answer.
func TestPanesBackgroundDigests(t *testing.T) {
	s, r := digestStore(t, DigestsBackground, 7)
	seen := map[string]int{}
	for i := range 12 {
		comparePanes(t, s, r, 7, 1, seen)
		if i%2 == 1 {
			s.idx.WaitFolds()
		}
	}
	// A week of active users and installations over heartbeats: the first
	// query scans and starts the fold, the second, after it, reads the
	// digests; both answer as the SQL engine does.
	rg, _ := datasource.ParseRange("7d", clock0.Add(24*time.Hour))
	var q datasource.Query
	q.Range = rg
	for _, spec := range []datasource.PaneSpec{
		{ID: "users", Events: []string{datasource.AllEvents}, Measure: datasource.MeasureUsers, Chart: datasource.ChartLine},
		{ID: "inst", Events: []string{datasource.EventsHeartbeat}, Measure: datasource.MeasureInstallations,
			Breakdown: []string{"platform"}, Chart: datasource.ChartBars},
	} {
		pq, err := datasource.ResolvePane(spec, rg, rg.To)
		if err != nil {
			t.Fatal(err)
		}
		q.Panes = append(q.Panes, pq)
	}
	hb0, all0 := s.idx.DigestHits()
	for _, what := range []string{"week, first", "week, after the fold"} {
		if snap := sameOnBoth(t, s, what, snapOn(s, q)); snap.Panes[0].Total == 0 || snap.Panes[1].Total == 0 {
			t.Fatalf("%s: empty panes %+v", what, snap.Panes)
		}
		s.idx.WaitFolds()
	}
	if hb, all := s.idx.DigestHits(); hb == hb0 || all == all0 {
		t.Fatalf("after the fold the digests answered %d and %d more panes, want both", hb-hb0, all-all0)
	}
}
