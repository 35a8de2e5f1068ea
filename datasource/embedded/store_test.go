package embedded

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

func hb(did string, ts time.Time, version string) Event {
	return Event{Name: "telemetry.health", DistinctID: did, Timestamp: ts, Properties: M{"app_version": version}}
}

// waitReady builds the index (it is lazy) and waits for it.
func waitReady(t testing.TB, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.idx.Wait(ctx); err != nil {
		t.Fatal("index did not load: ", err)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttmon.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for i := 0; i < 300; i++ {
		ev := hb(fmt.Sprintf("inst%d", i%40), at(i%24, i%60), fmt.Sprintf("1.%d.0", i%3))
		ev.UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		evs = append(evs, ev)
	}
	for i := 0; i < len(evs); i += 50 {
		mustIngest(t, s, evs[i:i+50]...)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(context.Background(), evs[:1]); err != ErrClosed {
		t.Fatalf("ingest after close: %v", err)
	}
	s, err = Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Resending everything stores nothing twice.
	if r := mustIngest(t, s, evs...); r.Stored != 0 || r.Duplicates != 300 {
		t.Fatalf("resend: %+v", r)
	}
	waitReady(t, s)
	snap := sameOnBoth(t, s, "reopened", snapOn(s, day("")))
	if snap.Totals.Events != 300 || snap.Installs.Active != 40 {
		t.Fatalf("after reopen: %d events, %d active", snap.Totals.Events, snap.Installs.Active)
	}
	if n := s.idx.EventCount(); n != 300 {
		t.Fatalf("index rebuilt with %d events", n)
	}
}

// TestGroupFailure checks that a failed commit fails every caller of its
// group, stores none of their events, and leaves the writer's caches
// usable (they held ids the rollback took back).
func TestGroupFailure(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.rdb.Exec(`CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.ts = 42
		BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	// Hold the write lock so the writer blocks on its first group while
	// two more requests queue up behind it and form the second group.
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	send := func(i int, evs ...Event) {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = s.Ingest(ctx, evs) }()
	}
	send(0, hb("first", at(1, 0), "1.0.0"))
	for s.w.groups.Load() < 1 {
		time.Sleep(time.Millisecond) // until the writer holds group 1
	}
	send(1, hb("good", at(2, 0), "1.0.0"), Event{Name: "x", DistinctID: "newbie", Timestamp: at(2, 0)})
	send(2, Event{Name: "bad", DistinctID: "bad", Timestamp: time.UnixMilli(42)})
	for len(s.reqs) < 2 {
		time.Sleep(time.Millisecond)
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	wg.Wait()
	if errs[0] != nil || errs[1] == nil || errs[2] == nil {
		t.Fatalf("errors: %v", errs)
	}
	if _, err := s.rdb.Exec(`DROP TRIGGER boom`); err != nil {
		t.Fatal(err)
	}
	// The same new name and distinct id again: the caches must not point
	// at rows the rollback removed.
	if r := mustIngest(t, s, Event{Name: "x", DistinctID: "newbie", Timestamp: at(3, 0)}, hb("good", at(2, 0), "1.0.0")); r.Stored != 2 {
		t.Fatalf("retry: %+v", r)
	}
	snap := sameOnBoth(t, s, "after failure", snapOn(s, day("")))
	if snap.Totals.Events != 3 || snap.Installs.Active != 2 {
		t.Fatalf("after failure: %+v", snap.Totals)
	}
}

// TestConcurrent ingests from several goroutines while others query; run
// with -race.
func TestConcurrent(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	const writers, batches, per = 4, 25, 20
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				evs := make([]Event, per)
				for i := range evs {
					n := (w*batches+b)*per + i
					evs[i] = hb(fmt.Sprintf("inst%d", n%97), at(n%24, n%60), "1.0.0")
					evs[i].Properties["$set"] = M{"n": float64(n % 5)}
					evs[i].UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
				}
				if _, err := s.Ingest(ctx, evs); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var qwg sync.WaitGroup
	for r := 0; r < 2; r++ {
		qwg.Add(1)
		go func() {
			defer qwg.Done()
			q := day("", "person.n in (1, 2)")
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := s.Snapshot(ctx, q); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Events(ctx, datasource.EventsQuery{Query: q, Limit: 5}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	qwg.Wait()
	snap := sameOnBoth(t, s, "concurrent", snapOn(s, day("")))
	if snap.Totals.Events != writers*batches*per || snap.Installs.Active != 97 {
		t.Fatalf("got %d events, %d active", snap.Totals.Events, snap.Installs.Active)
	}
}

// TestTail: a second Store on the same file (as the TUI next to `ttmon
// collect`) sees new events and person changes through its index.
func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttmon.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	mustIngest(t, w, hb("i1", at(1, 0), "1.0.0"), hb("i2", at(2, 0), "1.1.0"))
	r, err := Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	waitReady(t, r)
	ctx := context.Background()
	// tier, not role: heartbeats ignore filters on user properties.
	q := day("", "person.tier = gold")
	check := func(what string, events, active int64) {
		t.Helper()
		snap, err := r.Snapshot(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Totals.Events != events || snap.Installs.Active != active {
			t.Fatalf("%s: %d events, %d active; want %d, %d", what, snap.Totals.Events, snap.Installs.Active, events, active)
		}
		snap.Took = 0
		if sql := sameOnBoth(t, r, what, snapOn(r, q)); !reflect.DeepEqual(sql, snap) {
			t.Fatalf("%s: index %+v, sql %+v", what, snap, sql)
		}
	}
	check("no admins yet", 0, 0)
	ev := hb("i1", at(3, 0), "1.1.0")
	ev.Properties["$set"] = M{"tier": "gold"}
	mustIngest(t, w, ev)
	check("i1 became admin", 2, 1)
	// Merge i2 into i1's person: i2's events now count for the admin.
	mustIngest(t, w, Event{Name: "$identify", DistinctID: "i1", Timestamp: at(4, 0), Properties: M{"$anon_distinct_id": "i2"}})
	check("i2 merged into i1", 4, 1)
	mustIngest(t, w, Event{Name: "x", DistinctID: "i1", Timestamp: at(5, 0), Properties: M{"$unset": []any{"tier"}}})
	check("tier unset", 0, 0)
}

// TestOddPath: spaces, '%' and '?' in the path must not confuse the DSN.
func TestOddPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a dir", "my store%20x?.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, s, hb("i", at(1, 0), "1.0.0"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
}

// TestReadOnlyRecovers: the store turning read-only under the writer
// (PRAGMA query_only on its connection stands in for a read-only remount)
// fails each Ingest with an error that says so, stores nothing, and the
// same Store takes the retry once writing works again. The disk-full case
// runs against the real binary in e2e.TestDiskFull.
func TestReadOnlyRecovers(t *testing.T) {
	s := openTest(t)
	mustIngest(t, s, hb("a", at(1, 0), "1.0.0"))
	if _, err := s.wdb.Exec(`PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	_, err := s.Ingest(context.Background(), []Event{hb("b", at(2, 0), "1.0.0")})
	if err == nil || !strings.Contains(err.Error(), "cannot write to") || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("ingest into a read-only store: %v", err)
	}
	if _, err := s.wdb.Exec(`PRAGMA query_only = 0`); err != nil {
		t.Fatal(err)
	}
	if r := mustIngest(t, s, hb("b", at(2, 0), "1.0.0")); r.Stored != 1 {
		t.Fatalf("retry: %+v", r)
	}
	snap := sameOnBoth(t, s, "after read-only", snapOn(s, day("")))
	if snap.Installs.Active != 2 || snap.Totals.Events != 2 {
		t.Fatalf("after read-only: %+v %+v", snap.Installs, snap.Totals)
	}
}
