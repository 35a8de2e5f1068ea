package collector

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// futureCutoff is how far ahead of now an event may claim to be before it
// is clamped to now (PostHog's FUTURE_EVENT_HOURS_CUTOFF_MILLIS).
const futureCutoff = 23 * time.Hour

// Bounds of a timestamp in milliseconds that the year 0..9999 check keeps.
const (
	minMillis = -62167219200000 // 0000-01-01T00:00:00Z
	maxMillis = 253402300799999 // 9999-12-31T23:59:59.999Z
)

// eventTime applies the timestamp rule in the package doc.
func eventTime(ts, offset any, sentAt time.Time, hasSentAt bool, now time.Time) time.Time {
	t := now
	if parsed, ok := parseTimeValue(ts); ok {
		t = parsed
		if hasSentAt {
			// In seconds and nanoseconds, not a Duration: a skew of more
			// than 292 years must reach the year check, not saturate.
			t = time.Unix(now.Unix()+parsed.Unix()-sentAt.Unix(),
				int64(now.Nanosecond()+parsed.Nanosecond()-sentAt.Nanosecond()))
		}
	}
	if ms, ok := offsetMillis(offset); ok {
		t = now.Add(-time.Duration(ms) * time.Millisecond)
	}
	if t.Sub(now) > futureCutoff {
		t = now
	}
	if y := t.Year(); y < 0 || y > 9999 {
		t = time.Unix(0, 0)
	}
	return t.UTC()
}

// offsetMillis reads "offset"; one beyond ±100 years is ignored, so the
// subtraction cannot overflow.
func offsetMillis(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.Abs(f) > 100*365.25*24*3600*1000 {
		return 0, false
	}
	return int64(f), true
}

// parseTimeValue reads a timestamp or sent_at that is a JSON string or
// number.
func parseTimeValue(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		return parseTime(x)
	case float64:
		return fromNumber(x, x >= 1e11 || x <= -1e11)
	}
	return time.Time{}, false
}

// fromNumber reads Unix milliseconds or seconds, refusing values outside
// years 0..9999 rather than overflowing.
func fromNumber(f float64, millis bool) (time.Time, bool) {
	if !millis {
		f *= 1000
	}
	if math.IsNaN(f) || f < minMillis || f > maxMillis {
		return time.Time{}, false
	}
	ms := math.Floor(f)
	ns := int64((f - ms) * 1e6)
	return time.UnixMilli(int64(ms)).Add(time.Duration(ns)).UTC(), true
}

// timeLayouts are the ISO 8601 shapes SDKs send: RFC 3339 with any
// fraction, zones written +hh:mm, +hhmm or Z, and civil times (UTC).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
}

// parseTime reads the formats PostHog's parse_date accepts in practice.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	if isNumeric(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		// Django capture's rule, counted on the integer part: more than 11
		// digits means milliseconds.
		intDigits, _, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
		return fromNumber(f, len(intDigits) > 11)
	}
	// "2024-01-02 03:04:05" is as common as the T form.
	if len(s) > 10 && s[10] == ' ' && s[4] == '-' {
		s = s[:10] + "T" + s[11:]
	}
	s = normalizeZone(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func isNumeric(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0:
			dot = true
		case c == '-' && i == 0 && len(s) > 1:
		default:
			return false
		}
	}
	return true
}

// normalizeZone turns "...T12:00:00+03" into "...T12:00:00+03:00", as
// PostHog's normalize_timezone_format does.
func normalizeZone(s string) string {
	n := len(s)
	if n < 20 || s[10] != 'T' {
		return s
	}
	sign := s[n-3]
	if (sign == '+' || sign == '-') && isDigit(s[n-2]) && isDigit(s[n-1]) {
		return s + ":00"
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// querySentAt reads ?_= or ?sent_at=, which posthog-js sends in
// milliseconds; like PostHog, a value that lands before 2021 (seconds from
// an old SDK) is ignored.
func querySentAt(v string) (time.Time, bool) {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	t, ok := fromNumber(float64(ms), true)
	if !ok || t.Year() <= 2020 {
		return time.Time{}, false
	}
	return t, true
}
