package figures

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
)

var now = time.Date(2026, 3, 3, 14, 7, 30, 0, time.UTC)

// fake answers every snapshot with the same fleet (a stray 5.0.0 among
// 472 installations) made at its clock, and records what it was asked.
type fake struct {
	mu         sync.Mutex
	clock      func() time.Time
	counts     map[string]int64
	snapshots  []datasource.Query
	breakdowns []datasource.BreakdownQuery
	values     []datasource.ValuesQuery
	breakErr   error
	order      []string // "snapshot" and "breakdown", as asked
}

func newFake() *fake {
	return &fake{clock: func() time.Time { return now }, counts: map[string]int64{"4.9.1": 400, "4.9.0": 71, "5.0.0": 1}}
}

func (f *fake) Snapshot(_ context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapshots = append(f.snapshots, q)
	f.order = append(f.order, "snapshot")
	snap := &datasource.Snapshot{Query: q, GeneratedAt: f.clock(), Versions: datasource.BuildVersions(f.counts),
		Installs: datasource.Installs{Series: q.Range.EmptySeries()}, Errors: datasource.Errors{Series: q.Range.EmptySeries()},
		Timers: datasource.Timers{Series: q.Range.EmptySeries()}}
	snap.KeepFigures(q) // as the sources do
	return snap, nil
}

func (f *fake) Values(_ context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values = append(f.values, q)
	return nil, nil
}

func (f *fake) Properties(context.Context) ([]datasource.Property, error) { return nil, nil }
func (f *fake) Events(context.Context, datasource.EventsQuery) ([]datasource.Event, error) {
	return nil, nil
}
func (f *fake) Installations(context.Context, datasource.InstallationsQuery) ([]datasource.Installation, error) {
	return nil, nil
}

func (f *fake) Breakdown(_ context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.breakdowns = append(f.breakdowns, q)
	f.order = append(f.order, "breakdown")
	if f.breakErr != nil {
		return nil, f.breakErr
	}
	var out []datasource.ValueCount
	for v, n := range f.counts {
		out = append(out, datasource.ValueCount{Value: v, Count: n})
	}
	return out, nil
}

func (f *fake) Info() datasource.Info { return datasource.Info{Kind: "fake"} }

func query(t *testing.T, rng string, filters ...string) datasource.Query {
	t.Helper()
	r, err := datasource.ParseRange(rng, now)
	if err != nil {
		t.Fatal(err)
	}
	q := datasource.Query{Range: r}
	for _, e := range filters {
		f, err := datasource.ParseFilter(e)
		if err != nil {
			t.Fatal(err)
		}
		q.Filters = append(q.Filters, f)
	}
	return q
}

func latestRow(s *datasource.Snapshot) string {
	out := ""
	for _, v := range s.Versions {
		if v.Latest {
			out += v.Version
		}
	}
	return out
}

// TestStrayDoesNotTakeLatest: the ★, Snapshot.Latest and its rule follow
// the configured rule, not the highest version string.
func TestStrayDoesNotTakeLatest(t *testing.T) {
	f := newFake()
	ctx := context.Background()
	snap, err := New(f, datasource.DefaultLatestRule()).Snapshot(ctx, query(t, "24h"))
	if err != nil {
		t.Fatal(err)
	}
	if latestRow(snap) != "4.9.1" || snap.Latest.Version != "4.9.1" || snap.Latest.Rule != datasource.LatestThreshold || snap.Latest.Short == "" {
		t.Errorf("latest row %q, Latest %+v", latestRow(snap), snap.Latest)
	}
	snap, _ = New(f, datasource.LatestRule{MinInstalls: 1, MinShare: 0, Pin: "4.9.0"}).Snapshot(ctx, query(t, "24h"))
	if latestRow(snap) != "4.9.0" || snap.Latest.Rule != datasource.LatestPinned {
		t.Errorf("pinned: latest row %q, Latest %+v", latestRow(snap), snap.Latest)
	}
	snap, _ = New(f, datasource.LatestRule{MinInstalls: 1}).Snapshot(ctx, query(t, "24h"))
	if latestRow(snap) != "5.0.0" {
		t.Errorf("min_installs 1 trusts a single installation: latest row %q", latestRow(snap))
	}
}

// TestIsLatestResolvedPerQuery: `is latest` reaches the backend as the
// version the rule picks over the query's range, the snapshot keeps the
// filter as written, and the pick is reused for the TTL.
func TestIsLatestResolvedPerQuery(t *testing.T) {
	f := newFake()
	clock := now
	src := New(f, datasource.DefaultLatestRule(), WithClock(func() time.Time { return clock }), WithTTL(time.Minute))
	ctx := context.Background()
	q := query(t, "7d", "deployment_method=docker", "current_version is latest")
	snap, err := src.Snapshot(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.breakdowns) != 1 || f.breakdowns[0].Query.Range != q.Range || len(f.breakdowns[0].Query.Filters) != 0 ||
		f.breakdowns[0].Kind != datasource.KindHeartbeat || f.breakdowns[0].Key != "app_version" {
		t.Fatalf("breakdowns asked: %+v", f.breakdowns)
	}
	if got := datasource.FilterStrings(f.snapshots[0].Filters); !reflect.DeepEqual(got, []string{"deployment_method=docker", "current_version=4.9.1"}) {
		t.Errorf("the backend was asked %q", got)
	}
	if !reflect.DeepEqual(snap.Query, q) || snap.Latest.Version != "4.9.1" {
		t.Errorf("snapshot query %+v latest %+v", snap.Query, snap.Latest)
	}
	// Drill calls resolve too, reusing the pick.
	if _, err := src.Values(ctx, datasource.ValuesQuery{Query: q, Key: "platform"}); err != nil {
		t.Fatal(err)
	}
	if got := datasource.FilterStrings(f.values[0].Query.Filters); got[1] != "current_version=4.9.1" || len(f.breakdowns) != 1 {
		t.Errorf("values asked with %q after %d breakdowns", got, len(f.breakdowns))
	}
	// A release rolls out; after the TTL the next query sees it.
	f.counts["5.0.0"] = 120
	clock = clock.Add(2 * time.Minute)
	snap, _ = src.Snapshot(ctx, q)
	if snap.Latest.Version != "5.0.0" || len(f.breakdowns) != 2 {
		t.Errorf("after the rollout: latest %+v, %d breakdowns", snap.Latest, len(f.breakdowns))
	}
	// An unfiltered snapshot picks from its own versions and is reused by
	// filtered ones of the same range: no breakdown.
	f.counts["5.0.0"] = 1
	if _, err := src.Snapshot(ctx, query(t, "24h")); err != nil {
		t.Fatal(err)
	}
	snap, _ = src.Snapshot(ctx, query(t, "24h", "current_version is not latest"))
	if len(f.breakdowns) != 2 || snap.Latest.Version != "4.9.1" ||
		datasource.FilterStrings(f.snapshots[len(f.snapshots)-1].Filters)[0] != "current_version!=4.9.1" {
		t.Errorf("24h filtered: latest %+v, %d breakdowns", snap.Latest, len(f.breakdowns))
	}
}

// TestPartialMarkedWithInjectedClock: the bucket holding the adapter's
// clock is partial in every series, through the real embedded store.
func TestPartialMarkedWithInjectedClock(t *testing.T) {
	clock := now
	store, err := embedded.Open(filepath.Join(t.TempDir(), "e.db"), embedded.WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	src := New(store, datasource.DefaultLatestRule())
	for _, tc := range []struct {
		at   time.Time
		last bool
	}{{now, true}, {now.Truncate(time.Hour).Add(time.Hour), false}} {
		clock = tc.at
		snap, err := src.Snapshot(context.Background(), query(t, "24h"))
		if err != nil {
			t.Fatal(err)
		}
		for name, ps := range map[string][]datasource.Point{"installs": snap.Installs.Series, "errors": snap.Errors.Series, "timers": snap.Timers.Series} {
			if len(ps) != 24 {
				t.Fatalf("%s: %d points", name, len(ps))
			}
			for i, p := range ps {
				if want := tc.last && i == len(ps)-1; p.Partial != want {
					t.Errorf("clock %s: %s[%d] partial=%v", tc.at.Format("15:04:05"), name, i, p.Partial)
				}
			}
		}
	}
}

func TestOptionalInterfaces(t *testing.T) {
	if c := datasource.Capabilities(New(newFake(), datasource.DefaultLatestRule())); c != 0 {
		t.Errorf("over a plain source the decorator claims %s", c)
	}
	if _, ok := datasource.As[datasource.CohortLister](New(withCohorts{newFake()}, datasource.DefaultLatestRule())); !ok {
		t.Error("the cohort list was lost")
	}
}

type withCohorts struct{ *fake }

func (withCohorts) Cohorts(context.Context) ([]datasource.Cohort, error) { return nil, nil }

// TestLatestLookupFailing: a filtered view whose fleet-wide pick cannot be
// had still gets its snapshot (★ from its own versions); a query that
// needs the version to filter fails, saying why.
func TestLatestLookupFailing(t *testing.T) {
	f := newFake()
	f.breakErr = errors.New("query budget 120/h used up")
	src := New(f, datasource.DefaultLatestRule())
	snap, err := src.Snapshot(context.Background(), query(t, "24h", "deployment_method=docker"))
	if err != nil || snap.Latest.Version != "4.9.1" {
		t.Fatalf("filtered view: %v, %+v", err, snap)
	}
	_, err = src.Snapshot(context.Background(), query(t, "24h", "current_version is latest"))
	if err == nil || !strings.Contains(err.Error(), "finding the latest version: query budget") {
		t.Fatalf("is latest without a version: %v", err)
	}
}

// TestFilteredSnapshotFirst: a filtered snapshot that does not depend on
// the pick is asked before the unfiltered count of versions (a store
// reading a month for the first time then reads it once, with every
// event's person for a cohort, instead of twice); one with `is latest`
// needs the pick first.
func TestFilteredSnapshotFirst(t *testing.T) {
	for _, c := range []struct {
		filter string
		want   string
	}{
		{"deployment_method=docker", "snapshot breakdown"},
		{"current_version is latest", "breakdown snapshot"},
	} {
		f := newFake()
		snap, err := New(f, datasource.DefaultLatestRule()).Snapshot(context.Background(), query(t, "30d", c.filter))
		if err != nil || snap.Latest.Version != "4.9.1" {
			t.Fatalf("%s: %v, latest %+v", c.filter, err, snap.Latest)
		}
		if got := strings.Join(f.order, " "); got != c.want {
			t.Errorf("%s: asked %s, want %s", c.filter, got, c.want)
		}
	}
}

// TestLatestKeptWithoutVersions: a snapshot that does not count versions
// (a dashboard showing only the timers, or PanesOnly) neither picks an
// empty "latest" nor forgets the one picked before: it shows the
// remembered one, and `is latest` still resolves to it.
func TestLatestKeptWithoutVersions(t *testing.T) {
	f := newFake()
	ctx := context.Background()
	src := New(f, datasource.DefaultLatestRule(), WithClock(func() time.Time { return now }), WithTTL(time.Hour))
	timers := query(t, "24h")
	timers.Figures = []string{"timers"}
	snap, err := src.Snapshot(ctx, timers)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Latest.Version != "" || len(f.breakdowns) != 0 {
		t.Errorf("nothing remembered yet: Latest %+v, %d lookups (want none)", snap.Latest, len(f.breakdowns))
	}
	if snap, _ = src.Snapshot(ctx, query(t, "24h")); snap.Latest.Version != "4.9.1" {
		t.Fatalf("full snapshot: Latest %+v", snap.Latest)
	}
	panesOnly := query(t, "24h")
	panesOnly.PanesOnly = true
	for _, q := range []datasource.Query{timers, panesOnly} {
		if snap, _ = src.Snapshot(ctx, q); snap.Latest.Version != "4.9.1" {
			t.Errorf("figures %v panes-only %v: Latest %+v, want the remembered 4.9.1", q.Figures, q.PanesOnly, snap.Latest)
		}
	}
	if _, err := src.Snapshot(ctx, query(t, "24h", "app_version is latest")); err != nil {
		t.Fatal(err)
	}
	last := f.snapshots[len(f.snapshots)-1]
	if got := datasource.FilterStrings(last.Filters); len(got) != 1 || !strings.Contains(got[0], "4.9.1") || len(f.breakdowns) != 0 {
		t.Errorf("is latest reached the backend as %v after %d lookups, want 4.9.1 from the remembered pick", got, len(f.breakdowns))
	}
}
