package embedded

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// reopenAgree opens path again and checks that the index (built from the
// saved chunks plus the rows after them) answers as the SQL engine does.
func reopenAgree(t *testing.T, path string, want int, opts ...Option) *Store {
	t.Helper()
	s, err := Open(path, append([]Option{WithClock(func() time.Time { return clock0 })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := rand.New(rand.NewPCG(9, 9))
	queries := 12
	if raceOn {
		queries = 2
		if long() {
			queries = 4
		}
	}
	compareEngines(t, s, r, 0, queries, []datasource.Property{{Key: "app_version", Scope: datasource.ScopeEvent}})
	rg, _ := datasource.ParseRange("7d", clock0.Add(24*time.Hour))
	if snap := sameOnBoth(t, s, "7d", snapOn(s, datasource.Query{Range: rg})); snap.Totals.Events == 0 {
		t.Fatal("the whole week is empty")
	}
	if n := s.idx.EventCount(); n != want {
		t.Fatalf("index holds %d events, want %d", n, want)
	}
	return s
}

func chunkCount(t *testing.T, s *Store, where string) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM index_chunks ` + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestChunksSaved follows the saved chunks through their life: the writer
// saves each full chunk (also one it began before a restart), the index
// loads them, and rebuilds, then saves again, chunks that are missing,
// corrupt or of another format. Chunks saved for other Mapping properties
// are rebuilt in memory but left alone.
func TestChunksSaved(t *testing.T) {
	withChunkSize(t, 10)
	path := filepath.Join(t.TempDir(), "ttmon.db")
	s, err := Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	evs := randFleet(rand.New(rand.NewPCG(3, 3)), 400)
	for i := range evs {
		evs[i].UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i) // all distinct: ids stay dense
		evs[i].Name = "telemetry.health"
	}
	mustIngest(t, s, evs[:15]...) // chunk 0 full, chunk 1 open
	if n := chunkCount(t, s, ""); n != 1 {
		t.Fatalf("%d chunks saved, want 1", n)
	}
	s.Close()
	s = reopenAgree(t, path, 15)
	mustIngest(t, s, evs[15:95]...) // chunk 1 completed across the restart
	if n := chunkCount(t, s, ""); n != 9 {
		t.Fatalf("%d chunks saved, want 9", n)
	}
	s.Close()
	s = reopenAgree(t, path, 95)
	for _, stmt := range []string{`DELETE FROM index_chunks WHERE id IN (1, 4)`,
		`UPDATE index_chunks SET data = x'0102' WHERE id = 2`, `UPDATE index_chunks SET format = 0 WHERE id = 3`} {
		if _, err := s.rdb.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = reopenAgree(t, path, 95)
	if n := chunkCount(t, s, fmt.Sprintf("WHERE format = %d AND length(data) > 2", index.Format)); n != 9 {
		t.Fatalf("%d good chunks after the rebuild, want 9", n)
	}
	s.Close()
	m := datasource.DefaultMapping()
	m.VersionProperty = "python_version"
	s = reopenAgree(t, path, 95, WithMapping(m))
	if keys, want := blobKeys(t, mustBlob(t, s, 0)), index.TupleKeys(datasource.DefaultMapping()); keys != want {
		t.Fatalf("chunk 0 was rewritten for the other mapping: keys %q, want %q", keys, want)
	}
}

// blobKeys reads the Mapping keys a chunk blob was made for from its
// header: format and count (uvarints), then three length-prefixed keys.
func blobKeys(t *testing.T, b []byte) (keys [3]string) {
	t.Helper()
	for range 2 {
		_, n := binary.Uvarint(b)
		if n <= 0 {
			t.Fatal("corrupt blob header")
		}
		b = b[n:]
	}
	for i := range keys {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			t.Fatal("corrupt blob keys")
		}
		keys[i], b = string(b[n:n+int(l)]), b[n+int(l):]
	}
	return keys
}

func mustBlob(t *testing.T, s *Store, num int) []byte {
	var b []byte
	if err := s.rdb.QueryRow(`SELECT data FROM index_chunks WHERE id = ?`, num).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTailAcrossChunks: a reader in another Store follows a writer while
// the writer fills and saves chunks.
func TestTailAcrossChunks(t *testing.T) {
	withChunkSize(t, 8)
	path := filepath.Join(t.TempDir(), "ttmon.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rd, err := Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	r := rand.New(rand.NewPCG(5, 5))
	n := 300
	if raceOn {
		n = 60
		if long() {
			n = 100
		}
	}
	evs := randFleet(r, n)
	nonEmpty := 0
	for len(evs) > 0 {
		n := min(len(evs), 1+r.IntN(30))
		mustIngest(t, w, evs[:n]...)
		evs = evs[n:]
		nonEmpty += compareEngines(t, rd, r, 0, 2, nil)
	}
	if nonEmpty == 0 {
		t.Fatal("no query had data")
	}
}

// TestDuplicateWindow: a UUID is a duplicate within its hour of event time,
// and across the hour's edge within a minute; further apart it is a new
// event (PostHog's own key has the event's date in it).
func TestDuplicateWindow(t *testing.T) {
	s := openTest(t)
	id := "6f1a0c9e-4a8b-4a39-9d36-0d4d6f3b9a77"
	ev := func(ts time.Time) Event {
		return Event{UUID: id, Name: "x", DistinctID: "d", Timestamp: ts}
	}
	cases := []struct {
		ts     time.Time
		stored bool
	}{
		{at(10, 59).Add(30 * time.Second), true},
		{at(10, 5), false},                       // same hour
		{at(11, 0).Add(10 * time.Second), false}, // next hour, 40 s apart across the edge
		{at(11, 30), true},                       // next hour, far from the edge
		{at(13, 0), true},
	}
	for i, c := range cases {
		res := mustIngest(t, s, ev(c.ts))
		if (res.Stored == 1) != c.stored {
			t.Fatalf("case %d (%v): %+v", i, c.ts, res)
		}
	}
	ctx := context.Background()
	st, err := s.Stats(ctx)
	if err != nil || st.Events != 3 || st.Duplicates != 2 {
		t.Fatalf("stats %+v %v", st, err)
	}
}

// TestHandover: once the index exists, rows the writer commits in the same
// process reach it directly (not read back from SQLite), and a query sees
// them.
func TestHandover(t *testing.T) {
	s := openTest(t)
	mustIngest(t, s, hb("i1", at(1, 0), "1.0.0"))
	waitReady(t, s)
	mustIngest(t, s, hb("i2", at(2, 0), "1.0.0"), hb("i3", at(3, 0), "1.1.0"))
	if queued, _ := s.idx.Lag(); queued != 2 {
		t.Fatalf("%d rows handed over, want 2", queued)
	}
	snap, err := s.Snapshot(context.Background(), day(""))
	if err != nil || snap.Installs.Active != 3 {
		t.Fatalf("%+v %v", snap, err)
	}
	if queued, _ := s.idx.Lag(); queued != 0 {
		t.Fatal("handed-over rows not applied")
	}
}

// TestHandoverOverflow: when nobody queries for long, the queue is dropped
// and the rows are read back from SQLite instead.
func TestHandoverOverflow(t *testing.T) {
	t.Cleanup(index.SetMaxPending(2))
	s := openTest(t)
	waitReady(t, s)
	for i := range 5 {
		mustIngest(t, s, hb(fmt.Sprintf("i%d", i), at(i, 0), "1.0.0"))
	}
	snap := sameOnBoth(t, s, "overflow", snapOn(s, day("")))
	if snap.Installs.Active != 5 || s.idx.EventCount() != 5 {
		t.Fatalf("%d active, index holds %d", snap.Installs.Active, s.idx.EventCount())
	}
}

// reopenFleet writes a random fleet of 300 events (seed) into a new store
// with chunks of 8 events, closes it and opens it again with opts, as a
// new process would; the test's cleanup closes it.
func reopenFleet(t *testing.T, seed uint64, opts ...Option) *Store {
	t.Helper()
	withChunkSize(t, 8)
	path := filepath.Join(t.TempDir(), "ttmon.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, w, randFleet(rand.New(rand.NewPCG(seed, seed)), 300)...)
	w.Close()
	s, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPrefetch: a store opened for a monitor decodes every saved chunk in
// the background after its first query, which only needed its own range;
// the answers do not change.
func TestPrefetch(t *testing.T) {
	s := reopenFleet(t, 6, WithClock(func() time.Time { return clock0 }), WithPrefetch(true), WithHugePages(true))
	rg, _ := datasource.ParseRange("1h", time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	if _, err := s.Snapshot(context.Background(), datasource.Query{Range: rg}); err != nil {
		t.Fatal(err)
	}
	if left := s.idx.WaitPrefetch(); left != 0 {
		t.Fatalf("%d events left in undecoded chunks after the prefetch", left)
	}
	// The heap's huge-page advice (if this kernel took it) ends with the
	// prefetch, not with the process.
	if s.huge.Active() {
		t.Fatal("the heap still asks for huge pages after the prefetch")
	}
	rg, _ = datasource.ParseRange("7d", clock0.Add(24*time.Hour))
	if snap := sameOnBoth(t, s, "7d", snapOn(s, datasource.Query{Range: rg})); snap.Totals.Events == 0 {
		t.Fatal("the whole week is empty")
	}
	// The prefetch derived every chunk's user pairs (warmPanes): panes
	// counting users and installations answer as the SQL engine does.
	comparePanes(t, s, rand.New(rand.NewPCG(6, 7)), 6, 4, map[string]int{})
}

// TestPaneFiltersWarmed: a monitor's index evaluates the event filters of
// the panes it has shown (their Where) over all history in the
// background, those seen before its prefetch ends when it ends and later
// ones as they come, so switching to a longer range reads no postings
// for them; the figures are the SQL engine's.
func TestPaneFiltersWarmed(t *testing.T) {
	s := reopenFleet(t, 12, WithClock(func() time.Time { return clock0 }), WithPrefetch(true))
	query := func(span string, where ...string) datasource.Query {
		rg, _ := datasource.ParseRange(span, clock0.Add(24*time.Hour))
		pq, err := datasource.ResolvePane(datasource.PaneSpec{ID: "p", Events: []string{datasource.AllEvents},
			Measure: datasource.MeasureUsers, Where: where, Chart: datasource.ChartLine}, rg, rg.To)
		if err != nil {
			t.Fatal(err)
		}
		return datasource.Query{Range: rg, Panes: []datasource.PaneQuery{pq}, PanesOnly: true}
	}
	for i, where := range []string{"event.install_id is set", "event.auth_method != ldap"} {
		if _, err := s.Snapshot(context.Background(), query("1h", where)); err != nil {
			t.Fatal(err)
		}
		s.idx.WaitPrefetch() // the first: the prefetch's end; the second: a warmer of its own
		before := s.idx.BitsEvaluated()
		snap := sameOnBoth(t, s, "30d "+where, snapOn(s, query("30d", where)))
		if n := s.idx.BitsEvaluated() - before; n != 0 {
			t.Fatalf("list %d (%s): the 30-day query evaluated %d chunks' bits", i, where, n)
		}
		if snap.Panes[0].Total == 0 {
			t.Fatalf("%s: no users in 30 days", where)
		}
	}
}

// TestInstallIDSetFromPairs: without a prefetch, a 30-day users pane
// under "event.install_id is set" (Active users' filter) takes the
// filter's bits from the install ids it reads for the user pairs, not
// from a second read of the postings, and answers as the SQL engine does.
func TestInstallIDSetFromPairs(t *testing.T) {
	s := reopenFleet(t, 12, WithClock(func() time.Time { return clock0 }))
	rg, _ := datasource.ParseRange("30d", clock0.Add(24*time.Hour))
	pq, err := datasource.ResolvePane(datasource.PaneSpec{ID: "p", Events: []string{datasource.AllEvents},
		Measure: datasource.MeasureUsers, Where: []string{"event.install_id is set"}, Chart: datasource.ChartLine}, rg, rg.To)
	if err != nil {
		t.Fatal(err)
	}
	before := s.idx.BitsEvaluated()
	snap := sameOnBoth(t, s, "30d users", snapOn(s, datasource.Query{Range: rg, Panes: []datasource.PaneQuery{pq}, PanesOnly: true}))
	if n := s.idx.BitsEvaluated() - before; n != 0 {
		t.Fatalf("the query evaluated %d chunks' bits from the postings", n)
	}
	if snap.Panes[0].Total == 0 {
		t.Fatal("no users in 30 days")
	}
}

// TestNamesReadLater: a new process's built-in figures decode the saved
// chunks without their offsets by name; a drill by name and a pane on the
// same range then read those from the blobs, and answer as the SQL engine
// does.
func TestNamesReadLater(t *testing.T) {
	s := reopenFleet(t, 8, WithClock(func() time.Time { return clock0 }))
	rg, _ := datasource.ParseRange("7d", clock0.Add(24*time.Hour))
	q := datasource.Query{Range: rg}
	if _, err := s.Snapshot(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if s.idx.Unnamed() == 0 {
		t.Fatal("the built-in figures decoded the offsets by name")
	}
	evs := sameOnBoth(t, s, "drill by name", func(e index.Engine) ([]datasource.Event, error) {
		return s.eventsOn(context.Background(), e, datasource.EventsQuery{Query: q, Names: []string{"auth.login", "export.csv"}, Limit: 50})
	})
	if len(evs) == 0 {
		t.Fatal("no event to drill into")
	}
	if n := s.idx.Unnamed(); n != 0 {
		t.Fatalf("%d chunks of the range still without their offsets by name", n)
	}
	comparePanes(t, s, rand.New(rand.NewPCG(8, 9)), 8, 3, map[string]int{})
}

// TestLeanAgrees: a store opened lean (`ttmon snapshot`) answers as the
// SQL engine does: a person filter's saved chunks decoded as classes (the
// first query of a process, or after queries without person filters),
// another query's filters classifying them again, and random queries with
// drills and value counts (which complete them with distinct ids) after.
func TestLeanAgrees(t *testing.T) {
	withChunkSize(t, 8)
	t.Cleanup(index.SetPersonsPerRead(7)) // the persons in many statements
	path := filepath.Join(t.TempDir(), "ttmon.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, w, randFleet(rand.New(rand.NewPCG(11, 11)), 300)...)
	// The first query starts w's index, whose load saves the full chunks.
	if _, err := w.Snapshot(context.Background(), datasource.Query{Range: datasource.Range{From: clock0, To: clock0}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	person := func(k, v string) datasource.Filter {
		return datasource.Filter{Scope: datasource.ScopePerson, Key: k, Op: datasource.OpEq, Values: []string{v}}
	}
	rg, _ := datasource.ParseRange("30d", clock0.Add(24*time.Hour))
	queries := []datasource.Query{
		{Range: rg, Filters: []datasource.Filter{person("deployment_method", "docker")}},
		{Range: rg, TZ: "Asia/Kathmandu", Filters: []datasource.Filter{person("is_admin", "true"), person("auth_method", "oidc")}},
		{Range: rg}, // no person filter: lean chunks without classes
		{Range: rg, Filters: []datasource.Filter{person("deployment_method", "docker"),
			{Scope: datasource.ScopeEvent, Key: "platform", Op: datasource.OpNeq, Values: []string{"Linux"}}}},
		{Range: rg, Filters: []datasource.Filter{person("deployment_method", "docker")}},
		{Range: rg, TZ: "America/New_York", Filters: []datasource.Filter{person("auth_method", "oidc")}}, // every family alike
	}
	for first, q := range queries {
		if first > 1 {
			break
		}
		s := openLean(t, path) // the process's first query
		sameOnBoth(t, s, "first "+datasource.FilterStrings(q.Filters)[0], snapOn(s, q))
		if s.idx.LeanScans() != 1 {
			t.Fatalf("first query %v: %d snapshots read classes, want 1", q.Filters, s.idx.LeanScans())
		}
	}
	s := openLean(t, path)
	for i, q := range queries {
		sameOnBoth(t, s, fmt.Sprint("query ", i), snapOn(s, q))
	}
	if n := s.idx.LeanScans(); n != 5 {
		t.Fatalf("%d of the 5 person-filtered snapshots read classes", n)
	}
	// The same filters again keep their classes: no blob is read again.
	before := s.idx.BlobReads()
	sameOnBoth(t, s, "again", snapOn(s, queries[len(queries)-1]))
	if n := s.idx.BlobReads() - before; n != 0 {
		t.Fatalf("the same filters again read %d blobs", n)
	}
	n := 40
	if raceOn && !long() {
		n = 3
	} else if raceOn {
		n = 12
	}
	compareEngines(t, s, rand.New(rand.NewPCG(11, 11)), 11, n, []datasource.Property{{Key: "role", Scope: datasource.ScopePerson}})
}

// openLean opens the store at path as `ttmon snapshot` does.
func openLean(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, WithClock(func() time.Time { return clock0 }), WithLean(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
