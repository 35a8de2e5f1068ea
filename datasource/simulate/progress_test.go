package simulate

import (
	"bytes"
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
