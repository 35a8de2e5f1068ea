package simulate

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 192876: "192,876", -1234567: "-1,234,567"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestBarLine(t *testing.T) {
	b := &bar{label: "backfill", total: 200_000}
	got := b.line(Stats{Sent: 50_000, Failed: 12}, 2*time.Second)
	want := "backfill [######------------------]  25%  50,000/200,000 events  25.0k ev/s  12 failed"
	if got != want {
		t.Errorf("line:\n got %q\nwant %q", got, want)
	}
}

func TestBarOnAPipeWritesLines(t *testing.T) {
	var buf bytes.Buffer
	b := newBar(&buf, "backfill", 10)
	b.update(Stats{Sent: 10, Delivered: 10}, true)
	b.done(Stats{Sent: 10, Delivered: 10})
	out := buf.String()
	if strings.Contains(out, "\r") || strings.Count(out, "\n") != 2 || !strings.Contains(out, "100%") {
		t.Errorf("non-terminal progress:\n%q", out)
	}
}

func TestRedactHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://us.i.posthog.com":          "https://us.i.posthog.com",
		"http://me:secret@localhost:8000/x": "http://localhost:8000/x",
	} {
		if got := redactHost(in); got != want {
			t.Errorf("redactHost(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestProgressFollowsTheBackfill: a caller watching Progress sees the
// total before the end, and at the end every event acknowledged; a
// refused run ends it with the reason.
func TestProgressFollowsTheBackfill(t *testing.T) {
	srv := newFakePostHog(t, 0)
	var p Progress
	var totalAtDone, ackedAtDone int64
	var overAtDone bool
	cfg := Config{Host: srv.URL, Token: "phc_test", Installs: 5, Users: 20, Backfill: 6 * time.Hour,
		Rate: -1, Seed: 3, Clock: func() time.Time { return testNow }, Progress: &p,
		BackfillDone: func() { ackedAtDone, totalAtDone, overAtDone = p.Backfill() }}
	if a, tot, over := p.Backfill(); a != 0 || tot != 0 || over {
		t.Fatalf("before Run: %d of %d, over %v", a, tot, over)
	}
	if err := Run(context.Background(), cfg, io.Discard); err != nil {
		t.Fatal(err)
	}
	if totalAtDone == 0 || ackedAtDone != totalAtDone || !overAtDone || int64(len(srv.received())) != totalAtDone {
		t.Errorf("at BackfillDone: %d of %d acknowledged, over %v; the server got %d", ackedAtDone, totalAtDone, overAtDone, len(srv.received()))
	}
	if p.Err() != nil {
		t.Errorf("Err after a good run: %v", p.Err())
	}
	var refused Progress
	if err := Run(context.Background(), Config{Token: "phc", Progress: &refused}, nil); err == nil {
		t.Fatal("Run without a host did not refuse")
	}
	if _, _, over := refused.Backfill(); !over || refused.Err() == nil {
		t.Errorf("a refused run: over %v, Err %v", over, refused.Err())
	}
}
