// Package tuitest holds what ttmon's UI tests share: a fixed Snapshot that
// exercises every pane (a newest version with few installs, a long version
// tail, an error rate over the warn threshold, a timer peak), a fixed clock,
// and a fake Source that can be slowed down, failed, or made to drift, with
// fixed answers for completion (Properties, Values) and the drill views
// (Events, Installations, Breakdown).
package tuitest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Now is the fixed clock of goldens: a Tuesday afternoon, UTC.
var Now = time.Date(2026, 3, 3, 14, 7, 30, 0, time.UTC)

// Clock returns Now.
func Clock() time.Time { return Now }

// Snapshot builds the fixed snapshot for a query: deterministic series
// shaped like a real fleet (daily rhythm, an error spike), sized to the
// query's range.
func Snapshot(q datasource.Query) *datasource.Snapshot {
	return snapshotAt(q, 0)
}

func snapshotAt(q datasource.Query, drift int) *datasource.Snapshot {
	r := q.Range
	inst := r.EmptySeries()
	errs := r.EmptySeries()
	for i := range inst {
		h := float64(inst[i].T.Hour()) + float64(inst[i].T.Minute())/60
		inst[i].V = math.Round(900 + 250*math.Sin((h-9)/24*2*math.Pi) + float64((i*37+drift)%23))
		errs[i].V = float64((i*7+drift)%5 + 2)
		if i == len(errs)*2/3 {
			errs[i].V = 31
		}
	}
	var errTotal int64
	for _, p := range errs {
		errTotal += int64(p.V)
	}
	versions := []datasource.VersionShare{
		{Version: "4.3.0", Installs: 37, Latest: true},
		{Version: "4.2.1", Installs: 512},
		{Version: "4.2.0", Installs: 301},
		{Version: "4.1.3", Installs: 198},
		{Version: "4.10.0-rc1", Installs: 12},
		{Version: "4.0.9", Installs: 64},
		{Version: "3.9.2", Installs: 41},
		{Version: "3.8.0", Installs: 9},
		{Version: "3.2.0", Installs: 4},
		{Version: datasource.Unknown, Installs: 16},
	}
	var active int64
	for _, v := range versions {
		active += v.Installs
	}
	for i := range versions {
		versions[i].Share = float64(versions[i].Installs) / float64(active)
	}
	var byHour [24]int64
	var timers int64
	for h := range byHour {
		work := math.Max(0, math.Sin(float64(h-7)/11*math.Pi))
		byHour[h] = int64(math.Round(4 + 380*work + float64(drift%7)))
		timers += byHour[h]
	}
	snap := &datasource.Snapshot{
		Source:      datasource.Info{Kind: "fake", Location: "fixture"},
		Query:       q,
		GeneratedAt: Now,
		Took:        12 * time.Millisecond,
		Totals:      datasource.Totals{Events: 48213},
		Installs:    datasource.Installs{Active: active, Previous: 1068, Series: inst},
		Versions:    versions,
		Errors: datasource.Errors{
			Total: errTotal, PerInstall: float64(errTotal) / float64(active), Series: errs,
			ByVersion: []datasource.VersionCount{{Version: "4.2.1", Errors: 61}, {Version: "4.2.0", Errors: 24}, {Version: "4.3.0", Errors: 9}},
		},
		Timers: datasource.Timers{Total: timers, ByHour: byHour, Series: q.Range.EmptySeries()}, // as the sources send it
		// 4.10.0-rc1 would pass the default rule: the fixture pins 4.3.0.
		Latest: datasource.LatestRule{Pin: "4.3.0"}.Pick(nil),
	}
	props, _ := (&Source{}).Properties(context.Background())
	snap.Panes = paneFigures(q, props)
	if q.PanesOnly {
		snap.Totals = datasource.Totals{}
	}
	snap.KeepFigures(q)          // as the sources do
	datasource.MarkPartial(snap) // as the figures decorator does
	return snap
}

// Query is the fixed query of goldens: the preset resolved against Now.
func Query(rng string) datasource.Query {
	r, err := datasource.ParseRange(rng, Now)
	if err != nil {
		panic(err)
	}
	return datasource.Query{Range: r, TZ: "UTC"}
}

// Source is a fake datasource.Source. Its snapshots come from Snapshot,
// drifting by one step per call when Drift is set; Delay slows each call
// (honouring the context); Err, when set, fails every call. Calls counts
// Snapshot calls. It is safe for concurrent use.
type Source struct {
	mu    sync.Mutex
	Delay time.Duration
	Err   error
	Drift bool
	calls int
	last  datasource.Query
	// Block, when non-nil, makes Snapshot wait until it is closed.
	Block chan struct{}
	// Panic, when set, makes Snapshot panic with it.
	Panic any

	valuesAsked []datasource.ValuesQuery
	breakdowns  []datasource.BreakdownQuery
	eventsAsked []datasource.EventsQuery
}

var _ datasource.Source = (*Source)(nil)

// ErrFake is what a failing Source returns unless Err says otherwise.
var ErrFake = errors.New("fake source: backend unavailable")

// Snapshot returns the fixed snapshot for q.
func (s *Source) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	s.mu.Lock()
	s.calls++
	n, delay, err, block, p := s.calls, s.Delay, s.Err, s.Block, s.Panic
	s.last = q
	drift := 0
	if s.Drift {
		drift = n
	}
	s.mu.Unlock()
	if p != nil {
		panic(p)
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	snap := snapshotAt(q, drift)
	// Which panes a filter cannot narrow, as a real adapter says it.
	props, _ := s.Properties(ctx)
	snap.NotNarrowed = datasource.DefaultMapping().NotNarrowed(datasource.ResolveScopes(q.Filters, props))
	return snap, nil
}

// Calls is the number of Snapshot calls so far.
func (s *Source) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// LastQuery is the query of the latest Snapshot call.
func (s *Source) LastQuery() datasource.Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// SetErr makes later calls fail with err (nil heals the source).
func (s *Source) SetErr(err error) {
	s.mu.Lock()
	s.Err = err
	s.mu.Unlock()
}

// Values answers completion: fixed values per property, most frequent
// first, cut to the limit.
func (s *Source) Values(_ context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	s.mu.Lock()
	s.valuesAsked = append(s.valuesAsked, q)
	s.mu.Unlock()
	vs := values[q.Key]
	if q.Limit > 0 && len(vs) > q.Limit {
		vs = vs[:q.Limit]
	}
	return vs, nil
}

// ValuesAsked lists the Values questions so far.
func (s *Source) ValuesAsked() []datasource.ValuesQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]datasource.ValuesQuery(nil), s.valuesAsked...)
}

var values = map[string][]datasource.ValueCount{
	"deployment_method": {{Value: "docker", Count: 812}, {Value: "native", Count: 378}},
	"app_version":       {{Value: "4.2.1", Count: 9120}, {Value: "4.2.0", Count: 5030}, {Value: "4.3.0", Count: 610}, {Value: "unknown", Count: 12}},
	"environment":       {{Value: "self hosted", Count: 40}, {Value: "production", Count: 30}},
}

// Properties are a few of TimeTracker's.
func (s *Source) Properties(context.Context) ([]datasource.Property, error) {
	P, E := datasource.ScopePerson, datasource.ScopeEvent
	return []datasource.Property{
		{Key: "$current_url", Scope: E}, {Key: "app_version", Scope: E}, {Key: "auth_method", Scope: P},
		{Key: "current_version", Scope: P}, {Key: "deployment_method", Scope: P}, {Key: "deployment_method", Scope: E},
		{Key: "environment", Scope: P}, {Key: "error_type", Scope: E}, {Key: "is_admin", Scope: P}, {Key: "platform", Scope: E},
	}, nil
}

// Events are three errors, newest first, one of them a $exception with
// a long message in wide characters; asked for names (a dashboard pane's
// group, errors aside), two events of each name, newest first, and two
// of another name, as a source that cannot narrow by name returns.
func (s *Source) Events(_ context.Context, q datasource.EventsQuery) ([]datasource.Event, error) {
	s.mu.Lock()
	s.eventsAsked = append(s.eventsAsked, q)
	s.mu.Unlock()
	if len(q.Names) > 0 && q.Kind != datasource.KindError {
		var out []datasource.Event
		for i, n := range append(slices.Clone(q.Names), "page.viewed") {
			for j := range 2 {
				k := 2*i + j
				out = append(out, datasource.Event{UUID: fmt.Sprintf("n%d", k), Time: Now.Add(-time.Duration(k*9+1) * time.Minute),
					Name: n, DistinctID: fmt.Sprintf("%d", 1+k%3), Properties: map[string]any{
						"app_version": "4.2.1", "install_id": "c4ca4238-a0b9-3382-8dcc-509a6f75849b", "auth_method": "oidc"}})
			}
		}
		return out, nil
	}
	return []datasource.Event{
		{UUID: "e3", Time: Now.Add(-2 * time.Minute), Name: "error_occurred", DistinctID: "user-7",
			Properties: map[string]any{"app_version": "4.2.1", "error_type": "OperationalError", "error_message": "database is locked", "severity": "error"}},
		{UUID: "e2", Time: Now.Add(-17 * time.Minute), Name: "$exception", DistinctID: "user-3",
			Properties: map[string]any{"app_version": "4.3.0", "$exception_type": "KeyError", "$exception_message": "'project_id' 日本語のメッセージ that goes on and on past the edge of any terminal",
				"$exception_list": []any{map[string]any{"type": "KeyError"}}}},
		{UUID: "e1", Time: Now.Add(-26 * time.Hour), Name: "error_occurred", DistinctID: "user-1",
			Properties: map[string]any{"error_type": "TimeoutError", "error_message": "SMTP\ntimed out"}},
	}, nil
}

// Installations are four, latest seen first.
func (s *Source) Installations(context.Context, datasource.InstallationsQuery) ([]datasource.Installation, error) {
	return []datasource.Installation{
		{ID: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Version: "4.2.1", Platform: "Linux", Deployment: "docker", LastSeen: Now.Add(-time.Minute), Heartbeats: 24},
		{ID: "c4ca4238-a0b9-3382-8dcc-509a6f75849b", Version: "4.3.0", Platform: "Windows", Deployment: "native", LastSeen: Now.Add(-5 * time.Minute), Heartbeats: 3},
		{ID: "fp-short", Version: "4.10.0-rc1", Platform: "Darwin", Deployment: "docker", LastSeen: Now.Add(-50 * time.Minute), Heartbeats: 1},
		{ID: "a87ff679a2f3e71d9181a67b7542122c", Version: datasource.Unknown, Platform: "Linux", Deployment: datasource.Unknown, LastSeen: Now.Add(-3 * time.Hour), Heartbeats: 9},
	}, nil
}

// Breakdown answers per property.
func (s *Source) Breakdown(_ context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	s.mu.Lock()
	s.breakdowns = append(s.breakdowns, q)
	s.mu.Unlock()
	switch q.Key {
	case "platform":
		return []datasource.ValueCount{{Value: "Linux", Count: 402}, {Value: "Windows", Count: 88}, {Value: "Darwin", Count: 22}}, nil
	case "deployment_method":
		return []datasource.ValueCount{{Value: "docker", Count: 380}, {Value: "native", Count: 132}}, nil
	case "app_version":
		return []datasource.ValueCount{{Value: "4.2.1", Count: 301}, {Value: "4.2.0", Count: 190}, {Value: datasource.Unknown, Count: 21}}, nil
	}
	return nil, nil
}

// EventsAsked lists the Events questions so far.
func (s *Source) EventsAsked() []datasource.EventsQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]datasource.EventsQuery(nil), s.eventsAsked...)
}

// Breakdowns lists the Breakdown questions so far.
func (s *Source) Breakdowns() []datasource.BreakdownQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]datasource.BreakdownQuery(nil), s.breakdowns...)
}

// Info names the fake.
func (s *Source) Info() datasource.Info {
	return datasource.Info{Kind: "fake", Location: "fixture"}
}

// String is for test failure messages.
func (s *Source) String() string { return fmt.Sprintf("fake source (%d calls)", s.Calls()) }
