package common

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Thousands writes n with comma group separators: 12345 -> "12,345".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Compact writes n in at most four characters plus sign, for axis labels
// and tight panes: 999 -> "999", 1234 -> "1.2k", 12345 -> "12.3k",
// 123456 -> "123k", 1234567 -> "1.2M". Trailing ".0" is dropped ("12k").
func Compact(n float64) string {
	if n < 0 {
		return "-" + Compact(-n)
	}
	if math.Round(n) < 1000 {
		return strconv.FormatFloat(math.Round(n), 'f', -1, 64)
	}
	units := []string{"k", "M", "G", "T"}
	for i, u := range units {
		v := n / math.Pow(1000, float64(i+1))
		if v >= 999.5 && i < len(units)-1 {
			continue
		}
		if v < 99.95 {
			return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") + u
		}
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + u
	}
	return strconv.FormatFloat(n, 'g', 3, 64)
}

// Percent writes a share in [0,1] as a percentage with one decimal:
// 0.4962 -> "49.6%". Non-zero shares that would print as 0.0% print as
// "<0.1%" so a version with one installation does not read as none.
func Percent(share float64) string {
	p := share * 100
	switch {
	case p == 0:
		return "0%"
	case p > 0 && p < 0.05:
		return "<0.1%"
	case p >= 99.95 && p <= 100:
		return "100%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// Direction is the sign of a change between two periods.
type Direction int

// Directions of Change.
const (
	Flat Direction = iota
	Up
	Down
)

// Arrow is the marker of a direction: "▲", "▼" or "=".
func (d Direction) Arrow() string {
	switch d {
	case Up:
		return "▲"
	case Down:
		return "▼"
	}
	return "="
}

// Change compares a period with the previous one and returns the direction
// and the relative change as text: (1234, 1000) -> Up, "23.4%". A previous
// period of zero has no ratio: it reads "new" (or "0%" when both are zero).
func Change(cur, prev int64) (Direction, string) {
	switch {
	case cur == prev:
		return Flat, "0%"
	case prev == 0:
		return Up, "new"
	}
	r := float64(cur-prev) / float64(prev)
	d := Up
	if r < 0 {
		d, r = Down, -r
	}
	p := r * 100
	if p >= 999.5 {
		return d, ">999%"
	}
	if p >= 99.5 {
		return d, strconv.FormatFloat(p, 'f', 0, 64) + "%"
	}
	return d, strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// Rate writes a ratio such as errors per installation with two significant
// decimals under 10: 0.0812 -> "0.08", 1.5 -> "1.50", 12.34 -> "12.3",
// 123.4 -> "123".
func Rate(f float64) string {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return "-"
	case f < 10:
		return strconv.FormatFloat(f, 'f', 2, 64)
	case f < 100:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}

// Took writes how long a refresh took: "<1ms", "23ms", "1.2s", "12s".
func Took(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	return Age(d)
}

// Age writes a whole-unit age or interval the way people say it: "5s",
// "45s", "2m", "2m30s", "3h", "3h05m", "2d".
func Age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Truncate(time.Second)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
		if s == 0 {
			return strconv.Itoa(m) + "m"
		}
		return strconv.Itoa(m) + "m" + pad2(s) + "s"
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + "h"
		}
		return strconv.Itoa(h) + "h" + pad2(m) + "m"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// AxisTime labels a bucket start on a time axis with as much as the bucket
// width needs: "15:04" for sub-day steps, "Mon 15h" for multi-hour steps
// across days, "Jan 2" for daily steps.
func AxisTime(t time.Time, step time.Duration) string {
	switch {
	case step < 3*time.Hour:
		return t.Format("15:04")
	case step < 24*time.Hour:
		return t.Format("Mon 15h")
	}
	return t.Format("Jan 2")
}
