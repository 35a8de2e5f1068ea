package common

import (
	"math"
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"},
		{1234567, "1,234,567"}, {-1234, "-1,234"}, {-999, "-999"},
	} {
		if got := Thousands(tc.in); got != tc.want {
			t.Errorf("Thousands(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompact(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {7, "7"}, {7.6, "8"}, {999, "999"}, {999.4, "999"}, {999.6, "1k"},
		{1000, "1k"}, {1234, "1.2k"}, {12345, "12.3k"}, {12000, "12k"},
		{99949, "99.9k"}, {99950, "100k"}, {123456, "123k"}, {999499, "999k"},
		{999500, "1M"}, {1234567, "1.2M"}, {2.5e9, "2.5G"}, {-1234, "-1.2k"},
	} {
		if got := Compact(tc.in); got != tc.want {
			t.Errorf("Compact(%g) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0%"}, {0.0001, "<0.1%"}, {0.0005, "0.1%"}, {0.4962, "49.6%"},
		{0.1, "10.0%"}, {1, "100%"}, {0.99951, "100%"}, {0.9994, "99.9%"},
	} {
		if got := Percent(tc.in); got != tc.want {
			t.Errorf("Percent(%g) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestChange(t *testing.T) {
	for _, tc := range []struct {
		cur, prev int64
		dir       Direction
		want      string
	}{
		{0, 0, Flat, "0%"}, {5, 5, Flat, "0%"}, {5, 0, Up, "new"},
		{1234, 1000, Up, "23.4%"}, {900, 1000, Down, "10.0%"},
		{0, 1000, Down, "100%"}, {3000, 1000, Up, "200%"}, {20000, 10, Up, ">999%"},
		{1001, 1000, Up, "0.1%"},
	} {
		d, got := Change(tc.cur, tc.prev)
		if d != tc.dir || got != tc.want {
			t.Errorf("Change(%d, %d) = %v %q, want %v %q", tc.cur, tc.prev, d, got, tc.dir, tc.want)
		}
	}
	if Up.Arrow() != "▲" || Down.Arrow() != "▼" || Flat.Arrow() != "=" {
		t.Error("arrows changed")
	}
}

func TestRate(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0.00"}, {0.0812, "0.08"}, {1.5, "1.50"}, {12.34, "12.3"}, {123.4, "123"},
		{math.NaN(), "-"}, {math.Inf(1), "-"},
	} {
		if got := Rate(tc.in); got != tc.want {
			t.Errorf("Rate(%g) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDurations(t *testing.T) {
	for _, tc := range []struct {
		in        time.Duration
		took, age string
	}{
		{0, "<1ms", "0s"},
		{900 * time.Microsecond, "<1ms", "0s"},
		{23 * time.Millisecond, "23ms", "0s"},
		{1234 * time.Millisecond, "1.2s", "1s"},
		{12 * time.Second, "12s", "12s"},
		{2 * time.Minute, "2m", "2m"},
		{150 * time.Second, "2m30s", "2m30s"},
		{3*time.Hour + 5*time.Minute, "3h05m", "3h05m"},
		{72 * time.Hour, "3d", "3d"},
		{-time.Second, "<1ms", "0s"},
	} {
		if got := Took(tc.in); got != tc.took {
			t.Errorf("Took(%v) = %q, want %q", tc.in, got, tc.took)
		}
		if got := Age(tc.in); got != tc.age {
			t.Errorf("Age(%v) = %q, want %q", tc.in, got, tc.age)
		}
	}
}

func TestAxisTime(t *testing.T) {
	ts := time.Date(2026, 3, 2, 15, 4, 0, 0, time.UTC)
	for _, tc := range []struct {
		step time.Duration
		want string
	}{
		{time.Minute, "15:04"}, {time.Hour, "15:04"}, {6 * time.Hour, "Mon 15h"}, {24 * time.Hour, "Mar 2"},
	} {
		if got := AxisTime(ts, tc.step); got != tc.want {
			t.Errorf("AxisTime(%v) = %q, want %q", tc.step, got, tc.want)
		}
	}
}

func TestDarkFromEnv(t *testing.T) {
	for _, tc := range []struct {
		v    string
		dark bool
	}{
		{"", true}, {"15;0", true}, {"0;15", false}, {"0;7", false}, {"7;default;0", true}, {"x;y", true},
	} {
		env := func(string) string { return tc.v }
		if got := DarkFromEnv(env); got != tc.dark {
			t.Errorf("DarkFromEnv(COLORFGBG=%q) = %v, want %v", tc.v, got, tc.dark)
		}
	}
}
