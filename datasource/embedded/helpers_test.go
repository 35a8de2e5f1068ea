package embedded

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
	"github.com/ttmon/ttmon/datasource/embedded/internal/sqlref"
)

// clock0 is the fixed "now" of the tests.
var clock0 = time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)

func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store", "ttmon.db")
	s, err := Open(path, append([]Option{WithClock(func() time.Time { return clock0 })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func mustIngest(t testing.TB, s *Store, evs ...Event) IngestResult {
	t.Helper()
	res, err := s.Ingest(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// namedEngine is one engine under test.
type namedEngine struct {
	name string
	e    index.Engine
}

// sqlRef builds the SQL reference engine, for withEngine.
func sqlRef(db *sql.DB, m datasource.Mapping) index.Engine { return sqlref.New(db, m) }

// sqlEngine is the SQL reference engine over s's file.
func sqlEngine(s *Store) index.Engine { return sqlref.New(s.rdb, s.opts.mapping) }

// engines returns the SQL engine and the index, caught up with the file.
func engines(t testing.TB, s *Store) []namedEngine {
	t.Helper()
	waitReady(t, s)
	if err := s.idx.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	return []namedEngine{{"sql", sqlEngine(s)}, {"index", s.idx}}
}

// results is everything a Store answers for one query, for comparing engines.
type results struct {
	Snap    *datasource.Snapshot
	Props   []datasource.Property
	Values  [][]datasource.ValueCount
	Events  [][]datasource.Event
	Inst    []datasource.Installation
	Breaks  [][]datasource.ValueCount
	BreakQs []datasource.BreakdownQuery
}

func collect(t testing.TB, s *Store, e index.Engine, q datasource.Query, keys []datasource.Property, hour int) results {
	t.Helper()
	ctx := context.Background()
	var r results
	var err error
	if r.Snap, err = s.snapshotOn(ctx, e, q); err != nil {
		t.Fatal(err)
	}
	r.Snap.Took = 0
	if r.Props, err = e.Properties(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		v, err := s.valuesOn(ctx, e, datasource.ValuesQuery{Query: q, Scope: k.Scope, Key: k.Key})
		if err != nil {
			t.Fatal(err)
		}
		r.Values = append(r.Values, v)
		for _, kind := range []datasource.EventKind{datasource.KindAny, datasource.KindHeartbeat, datasource.KindError, datasource.KindTimer} {
			bq := datasource.BreakdownQuery{Query: q, Kind: kind, Scope: k.Scope, Key: k.Key, Hour: hour}
			b, err := s.breakdownOn(ctx, e, bq)
			if err != nil {
				t.Fatal(err)
			}
			r.Breaks = append(r.Breaks, b)
		}
	}
	for _, kind := range []datasource.EventKind{datasource.KindAny, datasource.KindHeartbeat, datasource.KindError, datasource.KindTimer} {
		evs, err := s.eventsOn(ctx, e, datasource.EventsQuery{Query: q, Kind: kind, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		r.Events = append(r.Events, evs)
	}
	var hours []int
	if hour >= 0 {
		hours = []int{hour, (hour + 7) % 24}
	}
	for _, g := range []datasource.EventsQuery{ // a pane group's drill: names, category, hours
		{Names: []string{"auth.login", "export.csv"}}, {Category: "timer"}, {Hours: hours},
		{Kind: datasource.KindHeartbeat, Names: []string{"telemetry.health"}, Hours: hours},
		{Names: []string{"export.csv", "$exception"}, Category: "export", Hours: hours}, {Names: []string{}},
	} {
		g.Query, g.Limit = q, 5
		evs, err := s.eventsOn(ctx, e, g)
		if err != nil {
			t.Fatal(err)
		}
		r.Events = append(r.Events, evs)
	}
	if r.Inst, err = s.installationsOn(ctx, e, datasource.InstallationsQuery{Query: q}); err != nil {
		t.Fatal(err)
	}
	return r
}

// sameOnBoth runs fn on both engines and fails unless they agree; it
// returns the SQL engine's answer.
func sameOnBoth[T any](t *testing.T, s *Store, what string, fn func(e index.Engine) (T, error)) T {
	t.Helper()
	var first T
	for i, ne := range engines(t, s) {
		got, err := fn(ne.e)
		if err != nil {
			t.Fatalf("%s on %s: %v", what, ne.name, err)
		}
		if i == 0 {
			first = got
		} else if !reflect.DeepEqual(first, got) {
			t.Fatalf("%s: engines disagree\nsql:   %+v\nindex: %+v", what, first, got)
		}
	}
	return first
}

// snapOn computes a snapshot on one index.Engine with Took zeroed, so snapshots
// from different engines compare equal.
func snapOn(s *Store, q datasource.Query) func(e index.Engine) (*datasource.Snapshot, error) {
	return func(e index.Engine) (*datasource.Snapshot, error) {
		snap, err := s.snapshotOn(context.Background(), e, q)
		if snap != nil {
			snap.Took = 0
		}
		return snap, err
	}
}

// long reports whether the long campaigns run (TTMON_LONG=1, which CI sets
// in a step of its own); the default run takes the same paths at a small
// size, so that the README's test command stays quick.
func long() bool { return os.Getenv("TTMON_LONG") == "1" }
