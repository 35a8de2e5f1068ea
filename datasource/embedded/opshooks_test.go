package embedded

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestCommitHookAndWritable: the hook sees every group commit with its
// event count and error, and Writable reports a commit that could not
// write for writeFailGrace, then lets a probe through again.
func TestCommitHookAndWritable(t *testing.T) {
	var mu sync.Mutex
	var events []int
	var errs []error
	now := clock0
	var clockMu sync.Mutex
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	s := openTest(t, WithClock(clock), WithCommitHook(func(n int, took time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		events, errs = append(events, n), append(errs, err)
		if took < 0 {
			t.Errorf("negative commit time %v", took)
		}
	}))
	mustIngest(t, s, hb("a", at(1, 0), "1.0.0"), hb("b", at(1, 0), "1.0.0"))
	if err := s.Writable(); err != nil {
		t.Fatalf("fresh store: %v", err)
	}
	if _, err := s.wdb.Exec(`PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(context.Background(), []Event{hb("c", at(2, 0), "1.0.0")}); err == nil {
		t.Fatal("ingest into a read-only store succeeded")
	}
	if err := s.Writable(); err == nil {
		t.Fatal("Writable is nil right after a commit that could not write")
	}
	clockMu.Lock()
	now = now.Add(writeFailGrace + time.Second)
	clockMu.Unlock()
	if err := s.Writable(); err != nil {
		t.Fatalf("Writable still failing past the grace period: %v", err)
	}
	if _, err := s.wdb.Exec(`PRAGMA query_only = 0`); err != nil {
		t.Fatal(err)
	}
	mustIngest(t, s, hb("c", at(2, 0), "1.0.0"))
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 3 || events[0] != 2 || events[1] != 1 || events[2] != 1 {
		t.Fatalf("hook saw groups of %v events, want [2 1 1]", events)
	}
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("hook errors %v, want only the second", errs)
	}
	if s.QueueDepth() != 0 {
		t.Errorf("queue depth %d on an idle store", s.QueueDepth())
	}
	if _, held := s.IndexLag(); held {
		t.Error("an ingest-only store holds an index")
	}
}
