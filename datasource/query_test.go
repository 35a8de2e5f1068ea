package datasource

import (
	"testing"
	"time"
)

func TestParseRangePresets(t *testing.T) {
	now := time.Date(2026, 11, 24, 14, 37, 12, 0, time.UTC)
	tests := []struct {
		in       string
		from, to string
		step     time.Duration
		buckets  int
	}{
		{"1h", "2026-11-24T13:38:00Z", "2026-11-24T14:38:00Z", time.Minute, 60},
		{"24h", "2026-11-23T15:00:00Z", "2026-11-24T15:00:00Z", time.Hour, 24},
		{"", "2026-11-23T15:00:00Z", "2026-11-24T15:00:00Z", time.Hour, 24},
		{"7d", "2026-11-17T18:00:00Z", "2026-11-24T18:00:00Z", 6 * time.Hour, 28},
		{"30d", "2026-10-26T00:00:00Z", "2026-11-25T00:00:00Z", 24 * time.Hour, 30},
		{"90m", "2026-11-24T13:08:00Z", "2026-11-24T14:38:00Z", time.Minute, 90},
		{"14d", "2026-11-10T18:00:00Z", "2026-11-24T18:00:00Z", 6 * time.Hour, 56},
		{"60d", "2026-09-26T00:00:00Z", "2026-11-25T00:00:00Z", 24 * time.Hour, 60},
		{"2026-11-01..2026-11-03", "2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z", time.Hour, 48},
		{"2026-11-01T10:10:00Z..2026-11-01T11:00:00Z", "2026-11-01T10:10:00Z", "2026-11-01T11:00:00Z", time.Minute, 50},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.in, now)
		if err != nil {
			t.Fatalf("ParseRange(%q): %v", tt.in, err)
		}
		if got := r.From.Format(time.RFC3339); got != tt.from {
			t.Errorf("%q: from = %s, want %s", tt.in, got, tt.from)
		}
		if got := r.To.Format(time.RFC3339); got != tt.to {
			t.Errorf("%q: to = %s, want %s", tt.in, got, tt.to)
		}
		if r.Step != tt.step || r.Buckets() != tt.buckets {
			t.Errorf("%q: step %v x %d buckets, want %v x %d", tt.in, r.Step, r.Buckets(), tt.step, tt.buckets)
		}
		if len(r.EmptySeries()) != r.Buckets() {
			t.Errorf("%q: EmptySeries has %d points", tt.in, len(r.EmptySeries()))
		}
	}
}

func TestParseRangeErrors(t *testing.T) {
	now := time.Now()
	for _, in := range []string{"soon", "-3h", "0h", "2026-11-03..2026-11-01", "yesterday..today", "2026-11-01..", "3.5d"} {
		if _, err := ParseRange(in, now); err == nil {
			t.Errorf("ParseRange(%q) succeeded, want an error", in)
		}
	}
}

func TestRangeBucketAndPrevious(t *testing.T) {
	now := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	r, _ := ParseRange("24h", now)
	if r.To != now {
		t.Fatalf("an aligned now must be the end itself, got %v", r.To)
	}
	if b := r.Bucket(r.From); b != 0 {
		t.Errorf("Bucket(From) = %d", b)
	}
	if b := r.Bucket(r.To.Add(-time.Nanosecond)); b != 23 {
		t.Errorf("Bucket(To-1ns) = %d", b)
	}
	if b := r.Bucket(r.To); b != -1 {
		t.Errorf("Bucket(To) = %d, want -1 (half-open)", b)
	}
	if b := r.Bucket(r.From.Add(-time.Second)); b != -1 {
		t.Errorf("Bucket(From-1s) = %d, want -1", b)
	}
	p := r.Previous()
	if !p.To.Equal(r.From) || p.Span() != r.Span() {
		t.Errorf("Previous = %v..%v", p.From, p.To)
	}
}

func TestNextPreset(t *testing.T) {
	for in, want := range map[string]string{"1h": "24h", "24h": "7d", "7d": "30d", "30d": "1h", "custom": "1h"} {
		if got := NextPreset(in); got != want {
			t.Errorf("NextPreset(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQueryLocation(t *testing.T) {
	for _, tz := range []string{"", "UTC", "Local", "Europe/Berlin", "Asia/Kolkata"} {
		if _, err := (Query{TZ: tz}).Location(); err != nil {
			t.Errorf("Location(%q): %v", tz, err)
		}
	}
	if _, err := (Query{TZ: "Mars/Olympus"}).Location(); err == nil {
		t.Error("an unknown zone must be an error")
	}
}

func TestWithFiltersDoesNotAlias(t *testing.T) {
	base := Query{Filters: make([]Filter, 1, 4)}
	a := base.WithFilters(Filter{Key: "a"})
	b := base.WithFilters(Filter{Key: "b"})
	if a.Filters[1].Key != "a" || b.Filters[1].Key != "b" || len(base.Filters) != 1 {
		t.Fatalf("WithFilters shares backing arrays: %v %v", a.Filters, b.Filters)
	}
}
