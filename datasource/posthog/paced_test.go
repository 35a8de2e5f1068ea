package posthog

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/cache"
	"github.com/ttmon/ttmon/datasource/pace"
)

// TestPaced429 runs the adapter behind the pace decorator as cmd wires
// it: PostHog answers 429 with only the seconds in its detail; ttmon
// waits that long without sending anything, then resumes. A 503 backs
// off the same way. The clock is fake: nothing sleeps.
func TestPaced429(t *testing.T) {
	fake := newFakePostHog(t)
	fake.Answer = func(fakeQuery) ([]string, [][]any) { return snapCols, nil }
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	src := cache.New(pace.New(testSource(t, fake.URL), pace.DefaultBudget, pace.WithClock(clock), pace.WithJitter(func() float64 { return 0 })))
	poll := func() error { _, err := src.Snapshot(context.Background(), testQuery()); return err }

	fake.Push(429, body429(9), nil)
	err := poll()
	if d, _ := datasource.RetryAfter(err); datasource.KindOf(err) != datasource.ErrThrottled || d != 9*time.Second {
		t.Fatalf("429: %v (retry %v)", err, d)
	}
	now = now.Add(5 * time.Second)
	if err := poll(); datasource.KindOf(err) != datasource.ErrThrottled || fake.Count() != 1 {
		t.Errorf("during the wait: %v, server saw %d requests", err, fake.Count())
	}
	// The wait is the refusal's (its RetryAfter), not the pace's: the
	// interval stays the budget's, which sharing callers also use.
	pacer, _ := datasource.As[datasource.Pacer](src)
	if iv, _ := pacer.PollInterval(time.Second); iv != 2*time.Second {
		t.Errorf("interval during the wait: %v, want the budget's 2s", iv)
	}
	now = now.Add(4 * time.Second)
	if err := poll(); err != nil || fake.Count() != 2 {
		t.Errorf("after the wait: %v, server saw %d", err, fake.Count())
	}

	fake.Push(503, "<html>down</html>", nil)
	err = poll()
	if d, _ := datasource.RetryAfter(err); datasource.KindOf(err) != datasource.ErrUnavailable || d != time.Second {
		t.Errorf("503: %v (retry %v; 2s base with zero jitter is 1s)", err, d)
	}
	if err := poll(); fake.Count() != 3 {
		t.Errorf("during backoff the server was called: %v", err)
	}
	now = now.Add(time.Second)
	if err := poll(); err != nil || fake.Count() != 4 {
		t.Errorf("after backoff: %v", err)
	}
}

// BenchmarkDecodeSnapshot decodes and assembles a 7d snapshot answer: 28
// buckets, 24 hours, and version rows up to 2,000 rows in all (a real
// fleet has a few dozen versions, so this overstates the work ~20x).
func BenchmarkDecodeSnapshot(b *testing.B) {
	rows := [][]any{{"tot", "", 0, 123456, 500, 321, 999}, {"prev", "", 0, 480, 0, 0, 0}}
	for i := range 28 {
		rows = append(rows, []any{"bkt", "", i, 400 + i, i, 2 * i, 0})
	}
	for h := range 24 {
		rows = append(rows, []any{"hour", "", h, 10 * h, 0, 0, 0})
	}
	for len(rows) < 2000 {
		v := fmt.Sprintf("4.%d.%d", len(rows)%40, len(rows)%7)
		rows = append(rows, []any{"ver", v, 0, 3, 0, 0, 0}, []any{"errv", v, 0, 5, 0, 0, 0})
	}
	body, _ := json.Marshal(map[string]any{"results": rows, "columns": snapCols, "types": [][2]string{{"tag", "String"}}, "hasMore": false})
	r, _ := datasource.ParseRange("7d", time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		t, _, err := decodeTable(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := assemble(t, r); err != nil {
			b.Fatal(err)
		}
	}
}
