package shared

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// fake counts backend calls; while gate is non-nil every call waits for it
// to close (or for its context, which it reports on ctxDone).
type fake struct {
	datasource.Source
	calls   atomic.Int64
	gate    chan struct{}
	started chan struct{} // receives once per call, when it begins
	ctxDone chan error
	err     error
	panic   any
}

func newFake() *fake {
	return &fake{started: make(chan struct{}, 100), ctxDone: make(chan error, 100)}
}

func (f *fake) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	n := f.calls.Add(1)
	f.started <- struct{}{}
	if f.panic != nil {
		panic(f.panic)
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			f.ctxDone <- ctx.Err()
			return nil, ctx.Err()
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	return &datasource.Snapshot{
		Query:    q,
		Totals:   datasource.Totals{Events: n},
		Versions: []datasource.VersionShare{{Version: "4.2.1", Installs: 3}, {Version: "4.3.0", Installs: 1}},
		Installs: datasource.Installs{Series: []datasource.Point{{V: 1}, {V: 2}}},
	}, nil
}

func (f *fake) Values(_ context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	f.calls.Add(1)
	return []datasource.ValueCount{{Value: q.Key, Count: 1}}, nil
}

func (f *fake) Breakdown(_ context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	f.calls.Add(1)
	return []datasource.ValueCount{{Value: q.Key, Count: 2}}, nil
}

func (f *fake) Info() datasource.Info { return datasource.Info{Kind: "fake"} }

var t0 = time.Date(2026, 3, 3, 14, 7, 30, 0, time.UTC)

func query(t *testing.T, rng string, filters ...string) datasource.Query {
	t.Helper()
	r, err := datasource.ParseRange(rng, t0)
	if err != nil {
		t.Fatal(err)
	}
	q := datasource.Query{Range: r, TZ: "UTC"}
	for _, s := range filters {
		f, err := datasource.ParseFilter(s)
		if err != nil {
			t.Fatal(err)
		}
		q.Filters = append(q.Filters, f)
	}
	return q
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestConcurrentCallersShareOneBackendCall(t *testing.T) {
	f := newFake()
	f.gate = make(chan struct{})
	s := New(f, 5*time.Second)
	q := query(t, "24h", "deployment_method=docker")
	const n = 50
	var wg sync.WaitGroup
	snaps := make([]*datasource.Snapshot, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snaps[i], errs[i] = s.Snapshot(context.Background(), q)
		}()
	}
	<-f.started
	// Let every caller reach the call in flight before it returns.
	waitFor(t, func() bool { _, inflight := s.g.stats(); return inflight == 1 && s.g.waiters(snapshotKey(q)) == n })
	close(f.gate)
	wg.Wait()
	if got := f.calls.Load(); got != 1 {
		t.Fatalf("%d callers made %d backend calls, want 1", n, got)
	}
	for i := range n {
		if errs[i] != nil || snaps[i] == nil || snaps[i].Totals.Events != 1 {
			t.Fatalf("caller %d: %v, %+v", i, errs[i], snaps[i])
		}
	}
	// Each caller owns its copy.
	snaps[0].Versions[0].Version = "edited"
	snaps[0].Installs.Series[0].V = 99
	snaps[0].Query.Filters[0].Values[0] = "native"
	if snaps[1].Versions[0].Version != "4.2.1" || snaps[1].Installs.Series[0].V != 1 || snaps[1].Query.Filters[0].Values[0] != "docker" {
		t.Errorf("a caller's edit reached another caller: %+v", snaps[1])
	}
	if st := s.Stats(); st.Calls != 1 || st.Shared != n-1 {
		t.Errorf("stats %+v, want 1 call and %d shared", st, n-1)
	}
}

func TestAnswerReusedForTTL(t *testing.T) {
	f := newFake()
	c := &clock{now: t0}
	s := New(f, 5*time.Second, WithClock(c.Now))
	q := query(t, "24h")
	ctx := context.Background()
	first, _ := s.Snapshot(ctx, q)
	first.Versions[0].Installs = 1000 // must not reach the remembered answer
	c.Add(2500 * time.Millisecond)
	second, err := s.Snapshot(ctx, q)
	if err != nil || f.calls.Load() != 1 || second.Totals.Events != 1 || second.Versions[0].Installs != 3 {
		t.Fatalf("2.5 s later: %d calls, %+v, %v; want the remembered answer", f.calls.Load(), second, err)
	}
	c.Add(2500 * time.Millisecond)
	third, _ := s.Snapshot(ctx, q)
	if f.calls.Load() != 2 || third.Totals.Events != 2 {
		t.Fatalf("one TTL later: %d calls, events %d; want a fresh call", f.calls.Load(), third.Totals.Events)
	}
}

func TestDifferentQuestionsAreNotShared(t *testing.T) {
	base := query(t, "24h", "deployment_method=docker", "auth_method in (oidc, both)")
	swapped := query(t, "24h", "auth_method in (oidc, both)", "deployment_method=docker")
	if snapshotKey(base) != snapshotKey(swapped) {
		t.Errorf("the same filters in another order must share:\n%q\n%q", snapshotKey(base), snapshotKey(swapped))
	}
	later, _ := datasource.ParseRange("24h", t0.Add(50*time.Minute)) // same hour bucket
	sameHour := base
	sameHour.Range = later
	if snapshotKey(base) != snapshotKey(sameHour) {
		t.Errorf("24h resolved in the same hour must share")
	}
	tz := base
	tz.TZ = "Europe/Berlin"
	custom := base
	custom.Range.Name = "custom"
	nextHour := base
	nextHour.Range, _ = datasource.ParseRange("24h", t0.Add(time.Hour))
	person := query(t, "24h", "person.deployment_method=docker", "auth_method in (oidc, both)")
	value := query(t, "24h", "deployment_method=native", "auth_method in (oidc, both)")
	fewer := query(t, "24h", "deployment_method=docker")
	// Values that would collide if keys were pasted together unquoted.
	glued1 := query(t, "24h", `deployment_method in ("a, b")`)
	glued2 := query(t, "24h", `deployment_method in (a, b)`)
	others := map[string]datasource.Query{
		"tz": tz, "range name": custom, "next hour": nextHour, "scope": person,
		"value": value, "fewer filters": fewer, "1h": query(t, "1h"), "7d": query(t, "7d"),
	}
	for name, q := range others {
		if snapshotKey(q) == snapshotKey(base) {
			t.Errorf("%s: shares a key with the base query: %q", name, snapshotKey(q))
		}
	}
	if snapshotKey(glued1) == snapshotKey(glued2) {
		t.Errorf("a quoted list value collides with two values")
	}
	// The same fields asked of different methods are different questions.
	vq := datasource.ValuesQuery{Query: base, Scope: datasource.ScopePerson, Key: "platform"}
	bq := datasource.BreakdownQuery{Query: base, Scope: datasource.ScopePerson, Key: "platform", Hour: -1}
	f := newFake()
	s := New(f, time.Minute)
	ctx := context.Background()
	v, _ := s.Values(ctx, vq)
	b, _ := s.Breakdown(ctx, bq)
	s.Values(ctx, vq)
	s.Breakdown(ctx, bq)
	if f.calls.Load() != 2 || v[0].Count != 1 || b[0].Count != 2 {
		t.Errorf("values then breakdown of one key: %d calls, %v %v; want 2 calls and their own answers", f.calls.Load(), v, b)
	}
	bq.Hour = 14
	s.Breakdown(ctx, bq)
	if f.calls.Load() != 3 {
		t.Errorf("another hour of a breakdown must be asked: %d calls", f.calls.Load())
	}
}

func TestLeaderLeavingDoesNotFailFollowers(t *testing.T) {
	f := newFake()
	f.gate = make(chan struct{})
	s := New(f, 5*time.Second)
	q := query(t, "24h")
	leaderCtx, leave := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() { _, err := s.Snapshot(leaderCtx, q); leaderErr <- err }()
	<-f.started
	follower := make(chan error, 1)
	var snap *datasource.Snapshot
	go func() {
		var err error
		snap, err = s.Snapshot(context.Background(), q)
		follower <- err
	}()
	waitFor(t, func() bool { return s.g.waiters(snapshotKey(q)) == 2 })
	leave()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("the leader that left got %v, want context.Canceled", err)
	}
	close(f.gate)
	if err := <-follower; err != nil || snap == nil {
		t.Fatalf("follower failed with the leader: %v", err)
	}
	select {
	case err := <-f.ctxDone:
		t.Fatalf("the backend call was cancelled (%v) while a follower waited", err)
	default:
	}
	if f.calls.Load() != 1 {
		t.Errorf("%d backend calls, want 1", f.calls.Load())
	}
}

func TestLastCallerLeavingCancelsTheCall(t *testing.T) {
	f := newFake()
	f.gate = make(chan struct{})
	defer close(f.gate)
	s := New(f, 5*time.Second)
	q := query(t, "24h")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := s.Snapshot(ctx, q); done <- err }()
	<-f.started
	cancel()
	<-done
	select {
	case err := <-f.ctxDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("backend context ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the backend call kept running with nobody waiting")
	}
	// The abandoned outcome is not remembered: the next caller asks again.
	f.gate = nil
	if _, err := s.Snapshot(context.Background(), q); err != nil || f.calls.Load() != 2 {
		t.Errorf("after an abandoned call: %d calls, %v; want a fresh call", f.calls.Load(), err)
	}
}

func TestErrorsSharedBrieflyThenRetried(t *testing.T) {
	f := newFake()
	f.err = &datasource.Error{Kind: datasource.ErrUnavailable, Message: "PostHog is down"}
	c := &clock{now: t0}
	s := New(f, 4*time.Second, WithClock(c.Now))
	q := query(t, "24h")
	ctx := context.Background()
	_, err1 := s.Snapshot(ctx, q)
	c.Add(time.Second)
	_, err2 := s.Snapshot(ctx, q)
	if err1 == nil || err1 != err2 || f.calls.Load() != 1 {
		t.Fatalf("within the error TTL: %v / %v with %d calls; want the same error, 1 call", err1, err2, f.calls.Load())
	}
	if datasource.KindOf(err2) != datasource.ErrUnavailable {
		t.Errorf("shared error lost its kind: %v", err2)
	}
	c.Add(time.Second) // 2 s: half the TTL
	f.err = nil
	snap, err := s.Snapshot(ctx, q)
	if err != nil || snap == nil || f.calls.Load() != 2 {
		t.Fatalf("after the error TTL: %v, %d calls; want a retry that succeeds", err, f.calls.Load())
	}
}

func TestPanickingSourceIsAnError(t *testing.T) {
	f := newFake()
	f.panic = "boom"
	s := New(f, time.Second)
	_, err := s.Snapshot(context.Background(), query(t, "24h"))
	if err == nil {
		t.Fatal("a panicking source must fail the call")
	}
}

func TestLeastRecentlyUsedEvicted(t *testing.T) {
	f := newFake()
	s := New(f, time.Hour, WithMaxEntries(2))
	ctx := context.Background()
	a, b, c := query(t, "1h"), query(t, "24h"), query(t, "7d")
	s.Snapshot(ctx, a)
	s.Snapshot(ctx, b)
	s.Snapshot(ctx, a) // a is now more recent than b
	s.Snapshot(ctx, c) // evicts b
	if n, _ := s.g.stats(); n != 2 || f.calls.Load() != 3 {
		t.Fatalf("%d entries, %d calls; want 2 entries, 3 calls", n, f.calls.Load())
	}
	s.Snapshot(ctx, a)
	if f.calls.Load() != 3 {
		t.Errorf("a was used recently and must still be remembered")
	}
	s.Snapshot(ctx, b)
	if f.calls.Load() != 4 {
		t.Errorf("b was the least recently used and must have been evicted")
	}
}

type pacedLister struct {
	fake
	cohorts atomic.Int64
}

func (p *pacedLister) PollInterval(d time.Duration) (time.Duration, string) { return 3 * d, "budget" }
func (p *pacedLister) Cohorts(context.Context) ([]datasource.Cohort, error) {
	p.cohorts.Add(1)
	return []datasource.Cohort{{ID: "7", Name: "Beta"}}, nil
}

func TestOptionalInterfacesForwarded(t *testing.T) {
	p := &pacedLister{fake: *newFake()}
	s := New(p, time.Minute)
	pc, ok := datasource.As[datasource.Pacer](s)
	if !ok {
		t.Fatal("the wrapped pacer is not found through the decorator")
	}
	if d, why := pc.PollInterval(5 * time.Second); d != 15*time.Second || why != "budget" {
		t.Errorf("PollInterval = %s %q, want the wrapped pacer's", d, why)
	}
	cl, ok := datasource.As[datasource.CohortLister](s)
	if !ok || cl != datasource.CohortLister(s) {
		t.Fatalf("cohorts over a lister: %v, want the sharing decorator's own", cl)
	}
	ctx := context.Background()
	c1, _ := cl.Cohorts(ctx)
	c2, _ := cl.Cohorts(ctx)
	if p.cohorts.Load() != 1 || len(c1) != 1 || len(c2) != 1 {
		t.Errorf("cohorts: %d calls, %v %v; want one shared call", p.cohorts.Load(), c1, c2)
	}
	plain := New(newFake(), time.Minute)
	if c := datasource.Capabilities(plain); c != 0 {
		t.Errorf("over a plain source the decorator claims %s", c)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// stats reports the remembered answers and the calls in flight.
func (g *group) stats() (entries, inflight int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.entries), len(g.inflight)
}

// waiters is the number of callers waiting for key's call in flight.
func (g *group) waiters(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.inflight[key]; ok {
		return c.waiters
	}
	return 0
}

// TestTTLFollowsPacer: over a paced source (PostHog at 120/h: sessions
// poll every 38 s, not the configured 5 s), an answer is reused for the
// paced interval, so sessions polling at it, each at its own moment,
// share one query per interval.
func TestTTLFollowsPacer(t *testing.T) {
	p := &pacedLister{fake: *newFake()} // paces 5 s to 15 s
	c := &clock{now: t0}
	s := New(p, 5*time.Second, WithClock(c.Now))
	q := query(t, "24h")
	ctx := context.Background()
	for i := range 3 {
		if _, err := s.Snapshot(ctx, q); err != nil {
			t.Fatal(err)
		}
		if n := p.calls.Load(); n != 1 {
			t.Fatalf("%d s after the first answer: %d backend calls, want the remembered answer", i*7, n)
		}
		c.Add(7 * time.Second)
	}
	s.Snapshot(ctx, q) // 21 s: past the paced interval
	if n := p.calls.Load(); n != 2 {
		t.Fatalf("past the paced interval: %d calls, want a fresh one", n)
	}
}
